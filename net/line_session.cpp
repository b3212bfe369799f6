#include "net/line_session.h"

#include <algorithm>
#include <cctype>

#include "net/metrics.h"

namespace kimgate::net {

namespace {
// AUTH lines may exceed the command-line limit (SASL initial responses).
bool is_auth_line(std::string_view line) {
  if (line.size() < 5 || line[4] != ' ') {
    return false;
  }
  static constexpr std::string_view kAuth = "AUTH";
  for (std::size_t i = 0; i < kAuth.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(line[i])) != kAuth[i]) {
      return false;
    }
  }
  return true;
}
}  // namespace

LineSession::LineSession(Connection& conn, StopRegistry& registry, std::string proto,
                         const LineSessionSettings& settings)
    : conn_(conn),
      log_(proto, conn.peer()),
      settings_(settings),
      proto_(std::move(proto)),
      registration_(registry, this) {}

void LineSession::request_stop() {
  stop_requested_ = true;
  if (waiting_for_command_) {
    conn_.cancel();
  }
}

void LineSession::force_close() {
  stop_requested_ = true;
  conn_.close();
}

awaitable<void> refuse_connection(Connection& conn, const LineSessionSettings& settings, std::string_view text) {
  if (settings.implicit_tls) {
    // Short: a refused client gets no more of our time than it takes to hear why.
    const Duration handshake = std::min<Duration>(settings.tls_handshake, std::chrono::seconds(5));
    const auto ec = co_await conn.start_tls(handshake);
    if (ec) {
      conn.close();
      co_return;
    }
  }
  const Duration write = std::min<Duration>(settings.write_timeout, std::chrono::seconds(5));
  const auto ec = co_await conn.write(text, write);
  (void)ec;
  co_await conn.shutdown(write);
}

awaitable<void> LineSession::run() {
  log_.info("event=connect");
  metrics().counter("kimgate_sessions_total", {proto_}).inc();
  const GaugeHold open(metrics().gauge("kimgate_sessions_open", {proto_}));
  if (settings_.implicit_tls) {
    const auto ec = co_await conn_.start_tls(settings_.tls_handshake);
    if (ec) {
      log_.warn("event=tls_failed reason=\"{}\"", ec.message());
      conn_.close();
      co_return;
    }
  }
  conn_.set_max_line(settings_.auth_line);
  const std::string hello = greeting();
  Flow flow = co_await send(hello);
  while (flow == Flow::keep) {
    if (stop_requested_) {
      co_await send(stopping_text());
      break;
    }
    waiting_for_command_ = true;
    const ReadResult in = co_await conn_.read_line(settings_.client_timeout);
    waiting_for_command_ = false;
    if (in.ec == beast::error::timeout) {
      log_.info("event=timeout");
      co_await send(timeout_text());
      break;
    }
    if (in.ec == asio::error::operation_aborted && stop_requested_) {
      continue;  // the loop head says goodbye
    }
    if (in.ec) {
      log_.info("event=disconnect reason=\"{}\"", in.ec.message());
      break;
    }
    const bool too_long = in.line.kind == Line::Kind::too_long ||
                          (in.line.text.size() > settings_.command_line && !is_auth_line(in.line.text));
    if (too_long) {
      flow = co_await send_error(line_too_long_text());
    } else {
      flow = co_await on_line(in.line.text);
    }
  }
  on_end();
  co_await conn_.shutdown(std::chrono::seconds(2));
  log_.info("event=close errors={}", errors_);
}

awaitable<void> LineSession::pause(Duration d) {
  if (d.count() <= 0) {
    co_return;
  }
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  boost::system::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

awaitable<LineSession::Flow> LineSession::send(std::string_view text) {
  const auto ec = co_await conn_.write(text, settings_.write_timeout);
  co_return ec ? Flow::close : Flow::keep;
}

awaitable<LineSession::Flow> LineSession::send_error(std::string_view text) {
  if (++errors_ < settings_.error_cap) {
    co_return co_await send(text);
  }
  log_.warn("event=error_cap errors={}", errors_);
  const std::string both = std::string(text) + std::string(too_many_errors_text());
  co_await send(both);
  co_return Flow::close;
}

awaitable<LineSession::Flow> LineSession::upgrade_to_tls(std::string_view ready, std::string_view event) {
  const Flow flow = co_await send(ready);
  if (flow == Flow::close) {
    co_return Flow::close;
  }
  const auto ec = co_await conn_.start_tls(settings_.tls_handshake);
  if (ec) {
    log_.warn("event=tls_failed reason=\"{}\"", ec.message());
    co_return Flow::close;
  }
  log_.info("event={}", event);
  co_return Flow::keep;
}

}  // namespace kimgate::net
