#include "smtp/server_session.h"

#include <algorithm>
#include <cctype>

namespace kimgate::smtp {

using net::awaitable;

// Which handler answers which verb in the CONNECT state (Tab_SMTP_Ant_Init).
// Verbs not listed get 502 5.5.1.
const ServerSession::CommandSpec ServerSession::kCommands[] = {
    {Verb::helo, &ServerSession::on_helo, false},
    {Verb::ehlo, &ServerSession::on_ehlo, false},
    {Verb::starttls, &ServerSession::on_starttls, false},
    {Verb::auth, &ServerSession::on_auth, true},
    {Verb::rset, &ServerSession::on_ok, false},
    {Verb::noop, &ServerSession::on_ok, false},
    {Verb::quit, &ServerSession::on_quit, false},
    {Verb::mail, &ServerSession::on_auth_required, true},
    {Verb::rcpt, &ServerSession::on_auth_required, true},
    {Verb::data, &ServerSession::on_auth_required, true},
    {Verb::bdat, &ServerSession::on_auth_required, true},
    {Verb::vrfy, &ServerSession::on_not_implemented, false},
    {Verb::expn, &ServerSession::on_not_implemented, false},
    {Verb::help, &ServerSession::on_not_implemented, false},
};

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

ServerSession::ServerSession(net::Connection& conn, const ServerSettings& settings, net::StopRegistry& registry)
    : conn_(conn), settings_(settings), log_("smtp", conn.peer()), registration_(registry, this) {}

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
  const std::string greeting = format_reply(220, "", settings_.hostname + " ESMTP kimgate KOM-LE-Clientmodul");
  const auto greeted = co_await conn_.write(greeting, settings_.write_timeout);
  if (greeted) {
    conn_.close();
    co_return;
  }
  conn_.set_max_line(settings_.auth_line);
  while (state_ != State::closing) {
    if (stop_requested_) {
      co_await reply(replies::shutting_down);
      break;
    }
    waiting_for_command_ = true;
    const net::ReadResult in = co_await conn_.read_line(settings_.client_timeout);
    waiting_for_command_ = false;
    if (in.ec == boost::beast::error::timeout) {
      log_.info("event=timeout state={}", state_name(state_));
      co_await reply(replies::idle_timeout);
      break;
    }
    if (in.ec == boost::asio::error::operation_aborted && stop_requested_) {
      continue;  // the loop head says goodbye
    }
    if (in.ec) {
      log_.info("event=disconnect state={} reason=\"{}\"", state_name(state_), in.ec.message());
      break;
    }
    Flow flow = Flow::keep;
    if (in.line.kind == net::Line::Kind::too_long || in.line.text.size() > settings_.command_line) {
      // AUTH lines may be longer (RFC 4954 §4: 12,288 octets); every other command line is 512 at most.
      const Command peek = in.line.kind == net::Line::Kind::complete ? parse_command(in.line.text) : Command{};
      if (peek.verb == Verb::auth && in.line.kind == net::Line::Kind::complete) {
        flow = co_await dispatch(peek);
      } else {
        flow = co_await reply_error(replies::line_too_long);
      }
    } else {
      flow = co_await dispatch(parse_command(in.line.text));
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
    co_return co_await reply_error(replies::unknown_command);
  }
  if (spec->needs_tls && settings_.starttls_offered && !conn_.tls_active()) {
    co_return co_await reply_error(replies::tls_required);
  }
  co_return co_await (this->*(spec->handler))(cmd);
}

awaitable<ServerSession::Flow> ServerSession::reply(const Reply& r) {
  const std::string text = format_reply(r);
  const auto ec = co_await conn_.write(text, settings_.write_timeout);
  co_return ec ? Flow::close : Flow::keep;
}

awaitable<ServerSession::Flow> ServerSession::reply_error(const Reply& r) {
  if (++errors_ >= settings_.error_cap) {
    log_.warn("event=error_cap errors={}", errors_);
    co_await reply(r);
    co_await reply(replies::too_many_errors);
    co_return Flow::close;
  }
  co_return co_await reply(r);
}

awaitable<ServerSession::Flow> ServerSession::on_helo(const Command& cmd) {
  if (cmd.args.empty()) {
    co_return co_await reply_error(replies::syntax_args);
  }
  const Reply hello{250, "", settings_.hostname};
  co_return co_await reply(hello);
}

awaitable<ServerSession::Flow> ServerSession::on_ehlo(const Command& cmd) {
  if (cmd.args.empty()) {
    co_return co_await reply_error(replies::syntax_args);
  }
  // Tab_SMTP_Ant_Init: SIZE >= 35882577, AUTH LOGIN PLAIN, 8BITMIME, ENHANCEDSTATUSCODES (the RFC 2034
  // spelling, not the spec table's typo), DSN. AUTH only where credentials travel encrypted.
  std::vector<std::string> lines{settings_.hostname, "SIZE " + std::to_string(settings_.max_message_size)};
  const bool tls_pending = settings_.starttls_offered && !conn_.tls_active();
  if (!tls_pending) {
    lines.emplace_back("AUTH LOGIN PLAIN");
  }
  lines.emplace_back("8BITMIME");
  lines.emplace_back("ENHANCEDSTATUSCODES");
  lines.emplace_back("DSN");
  if (tls_pending) {
    lines.emplace_back("STARTTLS");
  }
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    out += "250";
    out += i + 1 < lines.size() ? '-' : ' ';
    out += lines[i] + "\r\n";
  }
  const auto ec = co_await conn_.write(out, settings_.write_timeout);
  co_return ec ? Flow::close : Flow::keep;
}

awaitable<ServerSession::Flow> ServerSession::on_starttls(const Command& cmd) {
  if (!cmd.args.empty()) {
    co_return co_await reply_error(replies::syntax_args);
  }
  if (conn_.tls_active()) {
    co_return co_await reply_error(replies::already_tls);
  }
  if (!settings_.starttls_offered) {
    co_return co_await reply_error(replies::tls_not_offered);
  }
  const Flow flow = co_await reply(replies::ready_for_tls);
  if (flow == Flow::close) {
    co_return Flow::close;
  }
  const auto ec = co_await conn_.start_tls(settings_.tls_handshake);
  if (ec) {
    log_.warn("event=tls_failed reason=\"{}\"", ec.message());
    co_return Flow::close;
  }
  log_.info("event=starttls");
  co_return Flow::keep;  // RFC 3207: the client starts over with EHLO
}

awaitable<ServerSession::Flow> ServerSession::on_auth(const Command& cmd) {
  std::string mechanism = cmd.args.substr(0, cmd.args.find(' '));
  std::transform(mechanism.begin(), mechanism.end(), mechanism.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (mechanism.empty()) {
    co_return co_await reply_error(replies::syntax_args);
  }
  if (mechanism != "PLAIN" && mechanism != "LOGIN") {
    co_return co_await reply_error(replies::mechanism_unsupported);
  }
  log_.info("event=auth mechanism={} result=relay_unavailable", mechanism);
  co_return co_await reply(replies::relay_unavailable);
}

awaitable<ServerSession::Flow> ServerSession::on_ok(const Command& /*cmd*/) {
  co_return co_await reply(replies::ok);
}

awaitable<ServerSession::Flow> ServerSession::on_quit(const Command& /*cmd*/) {
  co_await reply(replies::bye);
  co_return Flow::close;
}

awaitable<ServerSession::Flow> ServerSession::on_auth_required(const Command& /*cmd*/) {
  co_return co_await reply_error(replies::auth_required);
}

awaitable<ServerSession::Flow> ServerSession::on_not_implemented(const Command& /*cmd*/) {
  co_return co_await reply_error(replies::not_implemented);
}

}  // namespace kimgate::smtp
