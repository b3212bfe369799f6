#include "pop3/server_session.h"

#include <algorithm>
#include <cctype>

namespace kimgate::pop3 {

using net::awaitable;

namespace {
constexpr std::string_view kStopping = "-ERR [SYS/TEMP] Service shutting down, closing the connection\r\n";
constexpr std::string_view kTimeout = "-ERR Idle timeout, closing the connection\r\n";
constexpr std::string_view kTooManyErrors = "-ERR Too many errors, closing the connection\r\n";
constexpr std::string_view kLineTooLong = "-ERR Line too long\r\n";
constexpr std::string_view kUnknown = "-ERR Invalid command in this state";
constexpr std::string_view kTlsRequired = "-ERR Must issue the STLS command first";
constexpr std::string_view kUpstreamUnavailable =
    "-ERR [SYS/TEMP] Cannot connect to the KIM provider: this kimgate build has no receive path yet";

std::string_view state_name(ServerSession::State s) {
  return s == ServerSession::State::connect ? "connect" : "closing";
}
}  // namespace

// CONNECT state (Tab_POP3_Ant_Init): CAPA, USER/PASS, AUTH, QUIT, plus STLS; everything else -ERR.
const ServerSession::CommandSpec ServerSession::kCommands[] = {
    {Verb::capa, &ServerSession::on_capa, false}, {Verb::user, &ServerSession::on_user, true},
    {Verb::pass, &ServerSession::on_pass, true},  {Verb::auth, &ServerSession::on_auth, true},
    {Verb::stls, &ServerSession::on_stls, false}, {Verb::quit, &ServerSession::on_quit, false},
};

ServerSession::ServerSession(net::Connection& conn, const ServerSettings& settings, net::StopRegistry& registry)
    : LineSession(conn, registry, "pop3", settings), pop3_(settings) {}

void ServerSession::enter(State next) {
  log_.debug("event=state old={} new={}", state_name(state_), state_name(next));
  state_ = next;
}

std::string ServerSession::greeting() const {
  return "+OK " + pop3_.hostname + " kimgate KOM-LE Clientmodul POP3 ready\r\n";
}
std::string_view ServerSession::line_too_long_text() const {
  return kLineTooLong;
}
std::string_view ServerSession::timeout_text() const {
  return kTimeout;
}
std::string_view ServerSession::stopping_text() const {
  return kStopping;
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
    co_return co_await err(kUnknown);
  }
  if (spec->needs_tls && pop3_.stls_offered && !conn_.tls_active()) {
    co_return co_await err(kTlsRequired);
  }
  co_return co_await (this->*(spec->handler))(cmd);
}

awaitable<ServerSession::Flow> ServerSession::ok(std::string_view text) {
  const std::string line = std::string(text) + "\r\n";
  co_return co_await send(line);
}

awaitable<ServerSession::Flow> ServerSession::err(std::string_view text) {
  const std::string line = std::string(text) + "\r\n";
  co_return co_await send_error(line);
}

awaitable<ServerSession::Flow> ServerSession::on_capa(const Command& /*cmd*/) {
  std::string out = "+OK Capability list follows\r\nTOP\r\nUSER\r\nSASL PLAIN\r\nUIDL\r\nRESP-CODES\r\n";
  if (pop3_.stls_offered && !conn_.tls_active()) {
    out += "STLS\r\n";
  }
  out += "IMPLEMENTATION kimgate\r\n.\r\n";
  co_return co_await send(out);
}

awaitable<ServerSession::Flow> ServerSession::on_user(const Command& cmd) {
  if (cmd.args.size() != 1) {
    co_return co_await err("-ERR USER needs exactly one argument: the KIM user name");
  }
  // The spec answers USER locally and connects upstream when PASS arrives (§5.1).
  user_given_ = true;
  co_return co_await ok("+OK Send PASS");
}

awaitable<ServerSession::Flow> ServerSession::on_pass(const Command& /*cmd*/) {
  if (!user_given_) {
    co_return co_await err("-ERR Send USER first");
  }
  user_given_ = false;
  log_.info("event=auth mechanism=USER result=upstream_unavailable");
  co_return co_await err(kUpstreamUnavailable);
}

awaitable<ServerSession::Flow> ServerSession::on_auth(const Command& cmd) {
  if (cmd.args.empty()) {
    co_return co_await err("-ERR AUTH needs a mechanism; this server offers SASL PLAIN");
  }
  std::string mechanism = cmd.args.front();
  std::transform(mechanism.begin(), mechanism.end(), mechanism.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (mechanism != "PLAIN") {
    co_return co_await err("-ERR Unsupported authentication mechanism: use USER/PASS or AUTH PLAIN");
  }
  log_.info("event=auth mechanism=PLAIN result=upstream_unavailable");
  co_return co_await err(kUpstreamUnavailable);
}

awaitable<ServerSession::Flow> ServerSession::on_stls(const Command& /*cmd*/) {
  if (conn_.tls_active() || !pop3_.stls_offered) {
    co_return co_await err("-ERR STLS is not available here");
  }
  co_return co_await upgrade_to_tls("+OK Begin TLS negotiation\r\n", "stls");
}

awaitable<ServerSession::Flow> ServerSession::on_quit(const Command& /*cmd*/) {
  co_await ok("+OK kimgate signing off");
  enter(State::closing);
  co_return Flow::close;
}

}  // namespace kimgate::pop3
