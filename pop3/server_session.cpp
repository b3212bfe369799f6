#include "pop3/server_session.h"

#include <algorithm>
#include <cctype>

namespace kimgate::pop3 {

using net::awaitable;

namespace {
constexpr std::string_view kStopping = "-ERR [SYS/TEMP] Service shutting down, closing the connection";
constexpr std::string_view kTimeout = "-ERR Idle timeout, closing the connection";
constexpr std::string_view kTooManyErrors = "-ERR Too many errors, closing the connection";
constexpr std::string_view kLineTooLong = "-ERR Line too long";
constexpr std::string_view kUnknown = "-ERR Invalid command in this state";
constexpr std::string_view kTlsRequired = "-ERR Must issue the STLS command first";
constexpr std::string_view kUpstreamUnavailable =
    "-ERR [SYS/TEMP] Cannot connect to the KIM provider: this kimgate build has no receive path yet";

std::string_view state_name(ServerSession::State s) {
  switch (s) {
    case ServerSession::State::handshake:
      return "handshake";
    case ServerSession::State::connect:
      return "connect";
    case ServerSession::State::closing:
      return "closing";
  }
  return "?";
}
}  // namespace

// CONNECT state (Tab_POP3_Ant_Init): CAPA, USER/PASS, AUTH, QUIT, plus STLS; everything else -ERR.
const ServerSession::CommandSpec ServerSession::kCommands[] = {
    {Verb::capa, &ServerSession::on_capa, false}, {Verb::user, &ServerSession::on_user, true},
    {Verb::pass, &ServerSession::on_pass, true},  {Verb::auth, &ServerSession::on_auth, true},
    {Verb::stls, &ServerSession::on_stls, false}, {Verb::quit, &ServerSession::on_quit, false},
};

ServerSession::ServerSession(net::Connection& conn, const ServerSettings& settings, net::StopRegistry& registry)
    : conn_(conn), settings_(settings), log_("pop3", conn.peer()), registration_(registry, this) {}

void ServerSession::enter(State next) {
  log_.debug("event=state old={} new={}", state_name(state_), state_name(next));
  state_ = next;
}

void ServerSession::request_stop() {
  stop_requested_ = true;
  if (waiting_for_command_) {
    conn_.cancel();
  }
}

void ServerSession::force_close() {
  stop_requested_ = true;
  conn_.close();
}

awaitable<void> ServerSession::run() {
  log_.info("event=connect");
  if (settings_.implicit_tls) {
    const auto ec = co_await conn_.start_tls(settings_.tls_handshake);
    if (ec) {
      log_.warn("event=tls_failed reason=\"{}\"", ec.message());
      conn_.close();
      co_return;
    }
  }
  enter(State::connect);
  const std::string greeting = "+OK " + settings_.hostname + " kimgate KOM-LE Clientmodul POP3 ready";
  const Flow greeted = co_await send(greeting);
  if (greeted == Flow::close) {
    conn_.close();
    co_return;
  }
  conn_.set_max_line(settings_.auth_line);
  while (state_ != State::closing) {
    if (stop_requested_) {
      co_await send(kStopping);
      break;
    }
    waiting_for_command_ = true;
    const net::ReadResult in = co_await conn_.read_line(settings_.client_timeout);
    waiting_for_command_ = false;
    if (in.ec == boost::beast::error::timeout) {
      log_.info("event=timeout state={}", state_name(state_));
      co_await send(kTimeout);
      break;
    }
    if (in.ec == boost::asio::error::operation_aborted && stop_requested_) {
      continue;
    }
    if (in.ec) {
      log_.info("event=disconnect state={} reason=\"{}\"", state_name(state_), in.ec.message());
      break;
    }
    Flow flow = Flow::keep;
    const bool long_line = in.line.kind == net::Line::Kind::too_long || in.line.text.size() > settings_.command_line;
    const Command cmd = in.line.kind == net::Line::Kind::complete ? parse_command(in.line.text) : Command{};
    if (long_line && !(cmd.verb == Verb::auth && in.line.kind == net::Line::Kind::complete)) {
      flow = co_await error(kLineTooLong);
    } else {
      flow = co_await dispatch(cmd);
    }
    if (flow == Flow::close) {
      break;
    }
  }
  enter(State::closing);
  co_await conn_.shutdown(std::chrono::seconds(2));
  log_.info("event=close errors={}", errors_);
}

awaitable<ServerSession::Flow> ServerSession::dispatch(const Command& cmd) {
  log_.debug("event=command verb={}", cmd.verb_text);
  const auto* spec = std::find_if(std::begin(kCommands), std::end(kCommands),
                                  [&](const CommandSpec& s) { return s.verb == cmd.verb; });
  if (spec == std::end(kCommands)) {
    co_return co_await error(kUnknown);
  }
  if (spec->needs_tls && settings_.stls_offered && !conn_.tls_active()) {
    co_return co_await error(kTlsRequired);
  }
  co_return co_await (this->*(spec->handler))(cmd);
}

awaitable<ServerSession::Flow> ServerSession::send(std::string_view text) {
  std::string line(text);
  line += "\r\n";
  const auto ec = co_await conn_.write(line, settings_.write_timeout);
  co_return ec ? Flow::close : Flow::keep;
}

awaitable<ServerSession::Flow> ServerSession::error(std::string_view text) {
  if (++errors_ >= settings_.error_cap) {
    log_.warn("event=error_cap errors={}", errors_);
    co_await send(text);
    co_await send(kTooManyErrors);
    co_return Flow::close;
  }
  co_return co_await send(text);
}

awaitable<ServerSession::Flow> ServerSession::on_capa(const Command& /*cmd*/) {
  std::string out = "+OK Capability list follows\r\nTOP\r\nUSER\r\nSASL PLAIN\r\nUIDL\r\nRESP-CODES\r\n";
  if (settings_.stls_offered && !conn_.tls_active()) {
    out += "STLS\r\n";
  }
  out += "IMPLEMENTATION kimgate\r\n.\r\n";
  const auto ec = co_await conn_.write(out, settings_.write_timeout);
  co_return ec ? Flow::close : Flow::keep;
}

awaitable<ServerSession::Flow> ServerSession::on_user(const Command& cmd) {
  if (cmd.args.size() != 1) {
    co_return co_await error("-ERR USER needs exactly one argument: the KIM user name");
  }
  // The spec answers USER locally and connects upstream when PASS arrives (§5.1).
  user_given_ = true;
  co_return co_await send("+OK Send PASS");
}

awaitable<ServerSession::Flow> ServerSession::on_pass(const Command& /*cmd*/) {
  if (!user_given_) {
    co_return co_await error("-ERR Send USER first");
  }
  user_given_ = false;
  log_.info("event=auth mechanism=USER result=upstream_unavailable");
  co_return co_await error(kUpstreamUnavailable);
}

awaitable<ServerSession::Flow> ServerSession::on_auth(const Command& cmd) {
  if (cmd.args.empty()) {
    co_return co_await error("-ERR AUTH needs a mechanism; this server offers SASL PLAIN");
  }
  std::string mechanism = cmd.args.front();
  std::transform(mechanism.begin(), mechanism.end(), mechanism.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (mechanism != "PLAIN") {
    co_return co_await error("-ERR Unsupported authentication mechanism: use USER/PASS or AUTH PLAIN");
  }
  log_.info("event=auth mechanism=PLAIN result=upstream_unavailable");
  co_return co_await error(kUpstreamUnavailable);
}

awaitable<ServerSession::Flow> ServerSession::on_stls(const Command& /*cmd*/) {
  if (conn_.tls_active() || !settings_.stls_offered) {
    co_return co_await error("-ERR STLS is not available here");
  }
  const Flow flow = co_await send("+OK Begin TLS negotiation");
  if (flow == Flow::close) {
    co_return Flow::close;
  }
  const auto ec = co_await conn_.start_tls(settings_.tls_handshake);
  if (ec) {
    log_.warn("event=tls_failed reason=\"{}\"", ec.message());
    co_return Flow::close;
  }
  log_.info("event=stls");
  co_return Flow::keep;
}

awaitable<ServerSession::Flow> ServerSession::on_quit(const Command& /*cmd*/) {
  co_await send("+OK kimgate signing off");
  co_return Flow::close;
}

}  // namespace kimgate::pop3
