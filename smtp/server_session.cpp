#include "smtp/server_session.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace kimgate::smtp {

using net::awaitable;

namespace {
const std::string kLineTooLong = format_reply(replies::line_too_long);
const std::string kIdleTimeout = format_reply(replies::idle_timeout);
const std::string kShuttingDown = format_reply(replies::shutting_down);
const std::string kTooManyErrors = format_reply(replies::too_many_errors);
}  // namespace

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
  return s == ServerSession::State::connect ? "connect" : "closing";
}

ServerSession::ServerSession(net::Connection& conn, const ServerSettings& settings, net::StopRegistry& registry)
    : LineSession(conn, registry, "smtp", settings), smtp_(settings) {}

void ServerSession::enter(State next) {
  log_.debug("event=state old={} new={}", state_name(state_), state_name(next));
  state_ = next;
}

std::string ServerSession::greeting() const {
  return format_reply(220, "", smtp_.hostname + " ESMTP kimgate KOM-LE-Clientmodul");
}
std::string_view ServerSession::line_too_long_text() const {
  return kLineTooLong;
}
std::string_view ServerSession::timeout_text() const {
  return kIdleTimeout;
}
std::string_view ServerSession::stopping_text() const {
  return kShuttingDown;
}
std::string_view ServerSession::too_many_errors_text() const {
  return kTooManyErrors;
}

awaitable<ServerSession::Flow> ServerSession::on_line(std::string_view line) {
  const Command cmd = parse_command(line);
  log_.debug("event=command state={} verb={}", state_name(state_), cmd.verb_text);
  const auto* spec = std::find_if(std::begin(kCommands), std::end(kCommands),
                                  [&](const CommandSpec& s) { return s.verb == cmd.verb; });
  if (spec == std::end(kCommands)) {
    co_return co_await reply_error(replies::unknown_command);
  }
  if (spec->needs_tls && smtp_.starttls_offered && !conn_.tls_active()) {
    co_return co_await reply_error(replies::tls_required);
  }
  co_return co_await (this->*(spec->handler))(cmd);
}

awaitable<ServerSession::Flow> ServerSession::reply(const Reply& r) {
  const std::string text = format_reply(r);
  co_return co_await send(text);
}

awaitable<ServerSession::Flow> ServerSession::reply_error(const Reply& r) {
  const std::string text = format_reply(r);
  co_return co_await send_error(text);
}

awaitable<ServerSession::Flow> ServerSession::on_helo(const Command& cmd) {
  if (cmd.args.empty()) {
    co_return co_await reply_error(replies::syntax_args);
  }
  const Reply hello{250, "", smtp_.hostname};
  co_return co_await reply(hello);
}

awaitable<ServerSession::Flow> ServerSession::on_ehlo(const Command& cmd) {
  if (cmd.args.empty()) {
    co_return co_await reply_error(replies::syntax_args);
  }
  // Tab_SMTP_Ant_Init: SIZE >= 35882577, AUTH LOGIN PLAIN, 8BITMIME, ENHANCEDSTATUSCODES (the RFC 2034
  // spelling, not the spec table's typo), DSN. AUTH only where credentials travel encrypted.
  std::vector<std::string> lines{smtp_.hostname, "SIZE " + std::to_string(smtp_.max_message_size)};
  const bool tls_pending = smtp_.starttls_offered && !conn_.tls_active();
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
  co_return co_await send(out);
}

awaitable<ServerSession::Flow> ServerSession::on_starttls(const Command& cmd) {
  if (!cmd.args.empty()) {
    co_return co_await reply_error(replies::syntax_args);
  }
  if (conn_.tls_active()) {
    co_return co_await reply_error(replies::already_tls);
  }
  if (!smtp_.starttls_offered) {
    co_return co_await reply_error(replies::tls_not_offered);
  }
  const std::string ready = format_reply(replies::ready_for_tls);
  co_return co_await upgrade_to_tls(ready, "starttls");  // RFC 3207: the client starts over with EHLO
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
  enter(State::closing);
  co_return Flow::close;
}

awaitable<ServerSession::Flow> ServerSession::on_auth_required(const Command& /*cmd*/) {
  co_return co_await reply_error(replies::auth_required);
}

awaitable<ServerSession::Flow> ServerSession::on_not_implemented(const Command& /*cmd*/) {
  co_return co_await reply_error(replies::not_implemented);
}

}  // namespace kimgate::smtp
