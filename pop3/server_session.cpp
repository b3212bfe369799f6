#include "pop3/server_session.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>

#include "net/dot_stream.h"
#include "net/sasl.h"
#include "pop3/multiline.h"

namespace kimgate::pop3 {

using net::awaitable;

namespace {
constexpr std::string_view kStopping = "-ERR [SYS/TEMP] Service shutting down, closing the connection\r\n";
constexpr std::string_view kTimeout = "-ERR Idle timeout, closing the connection\r\n";
constexpr std::string_view kTooManyErrors = "-ERR Too many errors, closing the connection\r\n";
constexpr std::string_view kLineTooLong = "-ERR Line too long\r\n";
constexpr std::string_view kUnknown = "-ERR Invalid command in this state";
constexpr std::string_view kTlsRequired = "-ERR Must issue the STLS command first";
constexpr std::string_view kAuthFailed = "-ERR [AUTH] user could not be authenticated";

std::string_view state_name(ServerSession::State s) {
  switch (s) {
    case ServerSession::State::connect:
      return "connect";
    case ServerSession::State::proxy:
      return "proxy";
    case ServerSession::State::closing:
      return "closing";
  }
  return "?";
}

bool is_number(const std::string& s) {
  return !s.empty() && s.size() <= 9 &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

// Drops MIME-Version from a header block (§5.2: Thunderbird mishandles it with TOP), with its
// folded continuation lines.
std::string without_mime_version(std::string_view headers) {
  std::string out;
  bool skipping = false;
  std::size_t pos = 0;
  while (pos < headers.size()) {
    std::size_t end = headers.find('\n', pos);
    end = end == std::string_view::npos ? headers.size() : end + 1;
    const std::string_view line = headers.substr(pos, end - pos);
    const bool continuation = !line.empty() && (line[0] == ' ' || line[0] == '\t');
    if (!continuation) {
      static constexpr std::string_view kName = "mime-version:";
      skipping = line.size() >= kName.size() &&
                 std::equal(kName.begin(), kName.end(), line.begin(),
                            [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); });
    }
    if (!skipping) {
      out.append(line);
    }
    pos = end;
  }
  return out;
}
}  // namespace

// CONNECT (Tab_POP3_Ant_Init): CAPA, USER/PASS, AUTH, STLS, QUIT; PROXY (§5.2): the relayed commands.
const ServerSession::CommandSpec ServerSession::kCommands[] = {
    {Verb::capa, &ServerSession::on_capa, true, true, false},
    {Verb::user, &ServerSession::on_user, true, false, true},
    {Verb::pass, &ServerSession::on_pass, true, false, true},
    {Verb::auth, &ServerSession::on_auth, true, false, true},
    {Verb::stls, &ServerSession::on_stls, true, false, false},
    {Verb::quit, &ServerSession::on_quit, true, true, false},
    {Verb::stat, &ServerSession::on_relay, false, true, false},
    {Verb::dele, &ServerSession::on_relay, false, true, false},
    {Verb::rset, &ServerSession::on_relay, false, true, false},
    {Verb::noop, &ServerSession::on_relay, false, true, false},
    {Verb::list, &ServerSession::on_relay_multiline, false, true, false},
    {Verb::uidl, &ServerSession::on_relay_multiline, false, true, false},
    {Verb::top, &ServerSession::on_top, false, true, false},
    {Verb::retr, &ServerSession::on_retr, false, true, false},
};

ServerSession::ServerSession(net::Connection& conn, const ServerSettings& settings, net::StopRegistry& registry)
    : LineSession(conn, registry, "pop3", settings), pop3_(settings) {}

ServerSession::~ServerSession() = default;

void ServerSession::enter(State next) {
  log_.info("event=state old={} new={}", state_name(state_), state_name(next));
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
  if (awaiting_sasl_) {  // the client's response to "+ " after AUTH PLAIN
    awaiting_sasl_ = false;
    if (net::is_cancel(line)) {
      co_return co_await err("-ERR AUTH cancelled");
    }
    net::SaslResult sasl = net::decode_plain(line);
    if (!sasl.credentials) {
      const std::string text = "-ERR " + sasl.error;
      co_return co_await err(text);
    }
    co_return co_await login(sasl.credentials->user, sasl.credentials->password);
  }
  const Command cmd = parse_command(line);
  log_.debug("event=command state={} verb={}", state_name(state_), cmd.verb_text);
  const auto* spec = std::find_if(std::begin(kCommands), std::end(kCommands),
                                  [&](const CommandSpec& s) { return s.verb == cmd.verb; });
  const bool legal = spec != std::end(kCommands) && (state_ == State::proxy ? spec->in_proxy : spec->in_connect);
  if (!legal) {
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
  if (pop3_.stls_offered && !conn_.tls_active() && state_ == State::connect) {
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
  user_ = cmd.args.front();
  co_return co_await ok("+OK Send PASS");
}

awaitable<ServerSession::Flow> ServerSession::on_pass(const Command& cmd) {
  if (user_.empty()) {
    co_return co_await err("-ERR Send USER first");
  }
  if (cmd.args.empty() || cmd.args.front().empty()) {
    co_return co_await err("-ERR PASS needs the mailbox password");
  }
  const std::string user = std::exchange(user_, {});
  co_return co_await login(user, cmd.args.front());
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
  if (cmd.args.size() < 2) {
    awaiting_sasl_ = true;  // RFC 5034: the response follows on its own line
    co_return co_await send("+ \r\n");
  }
  net::SaslResult sasl = net::decode_plain(cmd.args[1]);
  if (!sasl.credentials) {
    const std::string text = "-ERR " + sasl.error;
    co_return co_await err(text);
  }
  co_return co_await login(sasl.credentials->user, sasl.credentials->password);
}

awaitable<ServerSession::Flow> ServerSession::login(const std::string& user, const std::string& password) {
  if (pop3_.hooks == nullptr || !pop3_.upstream_tls) {
    co_return co_await err(
        "-ERR [SYS/PERM] kimgate has no connection settings for the KIM provider "
        "(fachdienst.client_p12, fachdienst.ca_file)");
  }
  std::variant<LoginPlan, std::string> resolved = co_await pop3_.hooks->resolve_user(user);
  if (const auto* sentence = std::get_if<std::string>(&resolved)) {
    log_.info("event=auth result=refused_before_upstream");
    const std::string text = "-ERR " + *sentence;
    co_return co_await err(text);
  }
  LoginPlan plan = std::move(std::get<LoginPlan>(resolved));
  const LoginTarget target = plan.target;
  const std::string where = target.host + ":" + std::to_string(target.port);
  std::string error;
  const auto ex = co_await net::asio::this_coro::executor;
  std::unique_ptr<net::Connection> up = co_await net::Connection::connect(
      ex, target.host, target.port, pop3_.upstream_tls, pop3_.auth_line, pop3_.connect_timeout, error);
  if (!up) {
    log_.warn("event=upstream_connect_failed upstream={} reason=\"{}\"", where, error);
    const std::string text = "-ERR [SYS/TEMP] cannot connect to the KIM provider at " + where;
    co_return co_await err(text);
  }
  const auto tls = co_await up->start_tls_client(pop3_.tls_handshake, target.host);
  if (tls) {
    log_.warn("event=upstream_tls_failed upstream={} reason=\"{}\"", where, tls.message());
    const std::string text = "-ERR [SYS/TEMP] TLS with the KIM provider at " + where +
                             " failed (server certificate not accepted or client certificate refused)";
    co_return co_await err(text);
  }
  upstream_ = std::move(up);
  // Every co_await result is bound to a local first (g++ 12, see docs/decisions.md).
  bool accepted = false;
  const std::optional<std::string> greeting = co_await upstream_status();
  if (greeting && greeting->rfind("+OK", 0) == 0) {
    const std::string user_line = "USER " + target.mailbox;
    const std::optional<std::string> user_reply = co_await upstream_command(user_line);
    if (user_reply && user_reply->rfind("+OK", 0) == 0) {
      std::string pass_line = "PASS " + password;
      const std::optional<std::string> pass_reply = co_await upstream_command(pass_line);
      OPENSSL_cleanse(pass_line.data(), pass_line.size());
      accepted = pass_reply && pass_reply->rfind("+OK", 0) == 0;
    }
  }
  if (!accepted) {
    log_.info("event=auth mailbox={} upstream={} result=refused", target.mailbox, where);
    upstream_.reset();
    co_return co_await err(kAuthFailed);
  }
  log_.info("event=auth mailbox={} upstream={} result=ok", target.mailbox, where);
  mailbox_ = std::move(plan.mailbox);
  enter(State::proxy);
  co_return co_await ok("+OK logged in at the KIM provider");
}

awaitable<bool> ServerSession::upstream_send(const std::string& line) {
  const std::string wire = line + "\r\n";
  const auto ec = co_await upstream_->write(wire, pop3_.server_timeout);
  co_return !ec;
}

awaitable<std::optional<std::string>> ServerSession::upstream_status() {
  const net::ReadResult r = co_await upstream_->read_line(pop3_.server_timeout);
  if (r.ec || r.line.kind != net::Line::Kind::complete) {
    co_return std::nullopt;
  }
  co_return r.line.text;
}

awaitable<std::optional<std::string>> ServerSession::upstream_command(const std::string& line) {
  const bool sent = co_await upstream_send(line);
  if (!sent) {
    co_return std::nullopt;
  }
  std::optional<std::string> reply = co_await upstream_status();
  co_return reply;
}

awaitable<bool> ServerSession::upstream_body(std::string& raw, std::string& body, std::uint64_t limit) {
  MultilineReader reader(limit);
  while (reader.status() == MultilineReader::Status::more) {
    std::string chunk;
    const auto ec = co_await upstream_->read_some(chunk, pop3_.server_timeout);
    if (ec && chunk.empty()) {
      co_return false;
    }
    reader.feed(chunk);
    OPENSSL_cleanse(chunk.data(), chunk.size());
  }
  if (reader.status() != MultilineReader::Status::done) {
    OPENSSL_cleanse(reader.body().data(), reader.body().size());
    co_return false;
  }
  raw = reader.raw();
  body = std::move(reader.body());
  co_return true;
}

awaitable<ServerSession::Flow> ServerSession::upstream_lost(std::string_view what) {
  log_.warn("event=upstream_lost during={}", what);
  upstream_.reset();
  co_await send("-ERR [SYS/TEMP] the KIM provider did not answer; closing the connection\r\n");
  co_return Flow::close;
}

awaitable<ServerSession::Flow> ServerSession::on_relay(const Command& cmd) {
  const std::string line = cmd.verb_text + (cmd.args.empty() ? "" : " " + cmd.args.front());
  const std::string request = line;
  const std::optional<std::string> reply = co_await upstream_command(request);
  if (!reply) {
    co_return co_await upstream_lost(cmd.verb_text);
  }
  co_return co_await ok(*reply);
}

awaitable<ServerSession::Flow> ServerSession::on_relay_multiline(const Command& cmd) {
  if (!cmd.args.empty()) {
    co_return co_await on_relay(cmd);  // "LIST n" / "UIDL n" answer on one line
  }
  const std::string request = cmd.verb_text;
  const std::optional<std::string> reply = co_await upstream_command(request);
  if (!reply) {
    co_return co_await upstream_lost(cmd.verb_text);
  }
  if (reply->rfind("+OK", 0) != 0) {
    co_return co_await ok(*reply);
  }
  std::string raw;
  std::string body;
  const bool complete = co_await upstream_body(raw, body, pop3_.max_message_size);
  if (!complete) {
    co_return co_await upstream_lost(cmd.verb_text);
  }
  const std::string out = *reply + "\r\n" + raw;
  co_return co_await send(out);
}

awaitable<ServerSession::Flow> ServerSession::on_top(const Command& cmd) {
  if (cmd.args.size() != 2 || !is_number(cmd.args[0]) || !is_number(cmd.args[1])) {
    co_return co_await err("-ERR TOP needs a message number and a line count");
  }
  // KOM-LE-A_2041: only the outer headers ever leave, so no S/MIME body fragment does.
  const std::string request = "TOP " + cmd.args[0] + " 0";
  const std::optional<std::string> reply = co_await upstream_command(request);
  if (!reply) {
    co_return co_await upstream_lost("TOP");
  }
  if (reply->rfind("+OK", 0) != 0) {
    co_return co_await ok(*reply);
  }
  std::string raw;
  std::string headers;
  const bool complete = co_await upstream_body(raw, headers, pop3_.header_section);
  if (!complete) {
    co_return co_await upstream_lost("TOP");
  }
  std::string out = *reply + "\r\n";
  net::DotEncoder encoder([&out](std::string_view s) { out.append(s); }, false);
  encoder.feed(without_mime_version(headers));
  encoder.finish();
  co_return co_await send(out);
}

awaitable<ServerSession::Flow> ServerSession::on_retr(const Command& cmd) {
  if (cmd.args.size() != 1 || !is_number(cmd.args[0])) {
    co_return co_await err("-ERR RETR needs a message number");
  }
  const std::string request = "RETR " + cmd.args[0];
  const std::optional<std::string> reply = co_await upstream_command(request);
  if (!reply) {
    co_return co_await upstream_lost("RETR");
  }
  if (reply->rfind("+OK", 0) != 0) {
    co_return co_await ok(*reply);
  }
  std::string raw;
  std::string message;
  const bool complete = co_await upstream_body(raw, message, pop3_.max_message_size);
  if (!complete) {
    co_return co_await upstream_lost("RETR");
  }
  if (!mailbox_) {
    OPENSSL_cleanse(message.data(), message.size());
    co_return co_await err("-ERR [SYS/TEMP] no message processing for this session; the message stays on the server");
  }
  RetrDecision decision = co_await mailbox_->on_retrieved(message);
  OPENSSL_cleanse(message.data(), message.size());
  if (!decision.deliver) {
    log_.info("event=retr message={} result=refused", cmd.args[0]);
    co_return co_await err(decision.refusal);
  }
  std::string out = "+OK " + std::to_string(decision.message.size()) + " octets\r\n";
  net::DotEncoder encoder([&out](std::string_view s) { out.append(s); }, false);
  encoder.feed(decision.message);
  encoder.finish();
  OPENSSL_cleanse(decision.message.data(), decision.message.size());
  log_.info("event=retr message={} result=delivered", cmd.args[0]);
  const Flow flow = co_await send(out);
  OPENSSL_cleanse(out.data(), out.size());
  co_return flow;
}

awaitable<ServerSession::Flow> ServerSession::on_stls(const Command& /*cmd*/) {
  if (conn_.tls_active() || !pop3_.stls_offered) {
    co_return co_await err("-ERR STLS is not available here");
  }
  co_return co_await upgrade_to_tls("+OK Begin TLS negotiation\r\n", "stls");
}

awaitable<ServerSession::Flow> ServerSession::on_quit(const Command& /*cmd*/) {
  if (upstream_) {
    // The provider commits DELEs now (UPDATE state); its answer goes to the PVS.
    const std::string request = "QUIT";
    const std::optional<std::string> reply = co_await upstream_command(request);
    const std::string answer = reply ? *reply : std::string("-ERR [SYS/TEMP] the KIM provider did not confirm QUIT");
    co_await ok(answer);
    upstream_.reset();
  } else {
    co_await ok("+OK kimgate signing off");
  }
  enter(State::closing);
  co_return Flow::close;
}

}  // namespace kimgate::pop3
