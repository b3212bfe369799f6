#include "smtp/server_session.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>
#include <vector>

#include "net/dot_stream.h"
#include "net/metrics.h"
#include "net/sasl.h"

namespace kimgate::smtp {

using net::awaitable;

namespace {
const std::string kLineTooLong = format_reply(replies::line_too_long);
const std::string kIdleTimeout = format_reply(replies::idle_timeout);
const std::string kShuttingDown = format_reply(replies::shutting_down);
const std::string kTooManyErrors = format_reply(replies::too_many_errors);

std::string upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}
}  // namespace

// Which handler answers which verb in which state (Tab_SMTP_Ant_Init for CONNECT; §4.2 for
// PROXY). Verbs not listed, or not legal in the state, get 502 5.5.1 / the table's answer.
const ServerSession::CommandSpec ServerSession::kCommands[] = {
    // verb, handler, connect, proxy, needs_tls
    {Verb::helo, &ServerSession::on_helo, true, true, false},
    {Verb::ehlo, &ServerSession::on_ehlo, true, true, false},
    {Verb::starttls, &ServerSession::on_starttls, true, false, false},
    {Verb::auth, &ServerSession::on_auth, true, false, true},
    {Verb::rset, &ServerSession::on_rset, true, true, false},
    {Verb::noop, &ServerSession::on_noop, true, true, false},
    {Verb::quit, &ServerSession::on_quit, true, true, false},
    {Verb::mail, &ServerSession::on_mail, false, true, true},
    {Verb::rcpt, &ServerSession::on_rcpt, false, true, true},
    {Verb::data, &ServerSession::on_data, false, true, true},
    {Verb::bdat, &ServerSession::on_not_implemented, false, true, true},
    {Verb::vrfy, &ServerSession::on_not_implemented, true, true, false},
    {Verb::expn, &ServerSession::on_not_implemented, true, true, false},
    {Verb::help, &ServerSession::on_not_implemented, true, true, false},
};

std::string_view state_name(ServerSession::State s) {
  switch (s) {
    case ServerSession::State::connect:
      return "connect";
    case ServerSession::State::auth_plain:
      return "auth_plain";
    case ServerSession::State::auth_login_user:
      return "auth_login_user";
    case ServerSession::State::auth_login_password:
      return "auth_login_password";
    case ServerSession::State::proxy:
      return "proxy";
    case ServerSession::State::process:
      return "process";
    case ServerSession::State::closing:
      return "closing";
  }
  return "unknown";
}

ServerSession::ServerSession(net::Connection& conn, const ServerSettings& settings, net::StopRegistry& registry)
    : LineSession(conn, registry, "smtp", settings), smtp_(settings), upstream_(settings.upstream) {}

ServerSession::~ServerSession() {
  OPENSSL_cleanse(login_user_.data(), login_user_.size());
}

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
  if (state_ == State::auth_plain || state_ == State::auth_login_user || state_ == State::auth_login_password) {
    co_return co_await on_sasl_line(line);
  }
  const Command cmd = parse_command(line);
  log_.debug("event=command state={} verb={}", state_name(state_), cmd.verb_text);
  const auto* spec = std::find_if(std::begin(kCommands), std::end(kCommands),
                                  [&](const CommandSpec& s) { return s.verb == cmd.verb; });
  if (spec == std::end(kCommands)) {
    co_return co_await reply_error(replies::unknown_command);
  }
  const bool proxy = state_ == State::proxy;
  if (proxy && !upstream_.connected() && cmd.verb != Verb::quit) {
    // KOM-LE-A_2016: the provider's side is gone (lost after a mail, see the answer it got).
    log_.info("event=upstream_gone verb={}", cmd.verb_text);
    co_await reply(replies::upstream_lost);
    enter(State::closing);
    co_return Flow::close;
  }
  if (proxy && !spec->in_proxy) {
    co_return co_await reply_error(cmd.verb == Verb::auth ? replies::already_authenticated : replies::bad_sequence);
  }
  if (!proxy && !spec->in_connect) {
    co_return co_await on_auth_required(cmd);
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

awaitable<ServerSession::Flow> ServerSession::answer(const Answer& a) {
  const std::string text = format_reply(a.code, a.enhanced, a.text);
  if (a.code >= 400) {
    co_return co_await send_error(text);
  }
  co_return co_await send(text);
}

awaitable<ServerSession::Flow> ServerSession::on_helo(const Command& cmd) {
  if (cmd.args.empty()) {
    co_return co_await reply_error(replies::syntax_args);
  }
  helo_ = cmd.args.substr(0, cmd.args.find(' '));
  reset_transaction();
  const Reply hello{250, "", smtp_.hostname};
  co_return co_await reply(hello);
}

awaitable<ServerSession::Flow> ServerSession::on_ehlo(const Command& cmd) {
  if (cmd.args.empty()) {
    co_return co_await reply_error(replies::syntax_args);
  }
  helo_ = cmd.args.substr(0, cmd.args.find(' '));
  reset_transaction();
  // Tab_SMTP_Ant_Init: SIZE >= 35882577, AUTH LOGIN PLAIN, 8BITMIME, ENHANCEDSTATUSCODES (the RFC 2034
  // spelling, not the spec table's typo), DSN. AUTH only where credentials travel encrypted.
  std::vector<std::string> lines{smtp_.hostname, "SIZE " + std::to_string(smtp_.max_message_size)};
  const bool tls_pending = smtp_.starttls_offered && !conn_.tls_active();
  if (!tls_pending && state_ == State::connect) {
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
  const std::size_t space = cmd.args.find(' ');
  const std::string mechanism = upper(cmd.args.substr(0, space));
  const std::string initial = space == std::string::npos ? std::string() : cmd.args.substr(space + 1);
  if (mechanism.empty()) {
    co_return co_await reply_error(replies::syntax_args);
  }
  if (mechanism != "PLAIN" && mechanism != "LOGIN") {
    log_.info("event=auth mechanism={} result=unsupported", mechanism);
    co_return co_await reply_error(replies::mechanism_unsupported);
  }
  if (mechanism == "PLAIN") {
    if (initial.empty()) {
      enter(State::auth_plain);
      co_return co_await send("334 \r\n");
    }
    enter(State::auth_plain);
    co_return co_await on_sasl_line(initial);
  }
  if (initial.empty()) {
    enter(State::auth_login_user);
    co_return co_await send("334 VXNlcm5hbWU6\r\n");  // "Username:"
  }
  enter(State::auth_login_user);
  co_return co_await on_sasl_line(initial);
}

awaitable<ServerSession::Flow> ServerSession::on_sasl_line(std::string_view line) {
  const State step = state_;
  if (net::is_cancel(line)) {
    OPENSSL_cleanse(login_user_.data(), login_user_.size());
    login_user_.clear();
    enter(State::connect);
    co_return co_await reply_error(replies::auth_cancelled);
  }
  if (step == State::auth_plain) {
    enter(State::connect);
    net::SaslResult sasl = net::decode_plain(line);
    if (!sasl.credentials) {
      const Answer bad{501, "5.5.2", "Invalid AUTH PLAIN response: " + sasl.error};
      co_return co_await answer(bad);
    }
    co_return co_await login(sasl.credentials->user, sasl.credentials->password);
  }
  net::LoginStep decoded = net::decode_login_step(line);
  if (!decoded.value) {
    enter(State::connect);
    const Answer bad{501, "5.5.2", "Invalid AUTH LOGIN response: " + decoded.error};
    co_return co_await answer(bad);
  }
  if (step == State::auth_login_user) {
    login_user_ = std::move(*decoded.value);
    enter(State::auth_login_password);
    co_return co_await send("334 UGFzc3dvcmQ6\r\n");  // "Password:"
  }
  enter(State::connect);
  const std::string user = std::exchange(login_user_, {});
  std::string password = std::move(*decoded.value);
  const Flow flow = co_await login(user, password);
  OPENSSL_cleanse(password.data(), password.size());
  co_return flow;
}

awaitable<ServerSession::Flow> ServerSession::login(const std::string& user, const std::string& password) {
  if (smtp_.hooks == nullptr) {
    log_.warn("event=auth result=no_upstream_settings");
    co_return co_await reply_error(replies::no_upstream_settings);
  }
  std::variant<LoginTarget, Answer> prepared = co_await smtp_.hooks->prepare_login(user);
  if (const auto* refusal = std::get_if<Answer>(&prepared)) {
    log_.info("event=auth result=refused code={}", refusal->code);
    co_return co_await answer(*refusal);
  }
  LoginTarget target = std::get<LoginTarget>(std::move(prepared));
  if (!smtp_.upstream.tls && !target.tls) {
    // Neither the account's own certificate (kimctl account) nor fachdienst.client_p12.
    log_.warn("event=auth mailbox={} result=no_client_certificate", target.mailbox);
    co_return co_await reply_error(replies::no_upstream_settings);
  }
  net::LoginGuard::Attempt attempt;
  if (smtp_.login_guard != nullptr) {
    attempt = smtp_.login_guard->begin(target.mailbox, conn_.peer_address(), password);
    if (!attempt.allowed()) {
      log_.warn("event=auth mailbox={} result={}", target.mailbox,
                attempt.locked_for().count() > 0 ? "locked" : "busy");
      const Answer refusal{454, "4.7.0", attempt.refusal(target.mailbox, conn_.peer_address())};
      co_return co_await answer(refusal);
    }
  }
  const std::string helo = helo_.empty() ? smtp_.hostname : helo_;
  std::string detail;
  upstream_.use_tls(target.tls);
  const auto login_start = std::chrono::steady_clock::now();
  const Client::LoginResult result =
      co_await upstream_.login(target.host, target.port, helo, target.mailbox, password, detail, target.check_provider);
  net::observe_upstream(target.host, "smtp", "login", login_start,
                        result == Client::LoginResult::ok || result == Client::LoginResult::refused ||
                            result == Client::LoginResult::rejected_temporarily);
  const std::string where = target.host + ":" + std::to_string(target.port);
  switch (result) {
    case Client::LoginResult::ok:
      break;
    case Client::LoginResult::refused: {
      log_.info("event=auth mailbox={} upstream={} result=refused", target.mailbox, where);
      const net::Duration delay = attempt.failed();
      co_await pause(delay);
      co_return co_await reply_error(replies::auth_failed);
    }
    default: {
      // Says nothing about the password: not counted.
      attempt.abandoned();
      log_.warn("event=auth mailbox={} upstream={} result=upstream_failed reason=\"{}\"", target.mailbox, where,
                detail);
      const Answer unavailable{454, "4.7.0", "Cannot log in at the KIM provider: " + detail};
      co_return co_await answer(unavailable);
    }
  }
  attempt.succeeded();
  log_.info("event=auth mailbox={} upstream={} result=ok", target.mailbox, where);
  mailbox_ = target.mailbox;
  hook_session_ = target.session;
  if (hook_session_) {
    smtp_.hooks->authenticated(*hook_session_, password);
  }
  enter(State::proxy);
  co_return co_await reply(replies::auth_ok);
}

awaitable<ServerSession::Flow> ServerSession::on_rset(const Command& /*cmd*/) {
  reset_transaction();
  co_return co_await reply(replies::ok);
}

awaitable<ServerSession::Flow> ServerSession::on_noop(const Command& /*cmd*/) {
  co_return co_await reply(replies::ok);
}

awaitable<ServerSession::Flow> ServerSession::on_quit(const Command& /*cmd*/) {
  co_await upstream_.quit();
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
