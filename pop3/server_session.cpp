#include "pop3/server_session.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>

#include "net/dot_stream.h"
#include "net/metrics.h"
#include "net/sasl.h"

namespace kimgate::pop3 {

using net::awaitable;

namespace {

// net::LineSession takes its texts as views that outlive the session.
const std::string kStopping = format_reply(replies::shutting_down);
const std::string kTimeout = format_reply(replies::idle_timeout);
const std::string kTooManyErrors = format_reply(replies::too_many_errors);
const std::string kLineTooLong = format_reply(replies::line_too_long);

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
  return format_reply(replies::greeting, pop3_.hostname);
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
      co_return co_await reply(replies::auth_cancelled);
    }
    net::SaslResult sasl = net::decode_plain(line);
    if (!sasl.credentials) {
      co_return co_await reply_with(replies::bad_sasl, sasl.error);
    }
    co_return co_await login(sasl.credentials->user, sasl.credentials->password);
  }
  const Command cmd = parse_command(line);
  log_.debug("event=command state={} verb={}", state_name(state_), cmd.verb_text);
  const auto* spec = std::find_if(std::begin(kCommands), std::end(kCommands),
                                  [&](const CommandSpec& s) { return s.verb == cmd.verb; });
  const bool legal = spec != std::end(kCommands) && (state_ == State::proxy ? spec->in_proxy : spec->in_connect);
  if (!legal) {
    co_return co_await reply(replies::unknown_command);
  }
  if (spec->needs_tls && pop3_.stls_offered && !conn_.tls_active()) {
    co_return co_await reply(replies::tls_required);
  }
  co_return co_await (this->*(spec->handler))(cmd);
}

awaitable<ServerSession::Flow> ServerSession::reply(const Reply& r) {
  const std::string none;
  co_return co_await reply_with(r, none);
}

awaitable<ServerSession::Flow> ServerSession::reply_with(const Reply& r, const std::string& detail) {
  const std::string line = format_reply(r, detail);
  if (r.ok) {
    co_return co_await send(line);
  }
  co_return co_await send_error(line);
}

awaitable<ServerSession::Flow> ServerSession::relay(const UpstreamReply& r) {
  const std::string line = r.line + "\r\n";
  co_return co_await send(line);
}

awaitable<ServerSession::Flow> ServerSession::on_capa(const Command& /*cmd*/) {
  std::string out = format_reply(replies::capability_list) + "TOP\r\nUSER\r\nSASL PLAIN\r\nUIDL\r\nRESP-CODES\r\n";
  if (pop3_.stls_offered && !conn_.tls_active() && state_ == State::connect) {
    out += "STLS\r\n";
  }
  out += "IMPLEMENTATION kimgate\r\n.\r\n";
  co_return co_await send(out);
}

awaitable<ServerSession::Flow> ServerSession::on_user(const Command& cmd) {
  if (cmd.args.size() != 1) {
    co_return co_await reply(replies::user_needs_argument);
  }
  // The spec answers USER locally and connects upstream when PASS arrives (§5.1).
  user_ = cmd.args.front();
  co_return co_await reply(replies::send_pass);
}

awaitable<ServerSession::Flow> ServerSession::on_pass(const Command& cmd) {
  if (user_.empty()) {
    co_return co_await reply(replies::need_user);
  }
  if (cmd.args.empty() || cmd.args.front().empty()) {
    co_return co_await reply(replies::pass_needs_argument);
  }
  const std::string user = std::exchange(user_, {});
  co_return co_await login(user, cmd.args.front());
}

awaitable<ServerSession::Flow> ServerSession::on_auth(const Command& cmd) {
  if (cmd.args.empty()) {
    co_return co_await reply(replies::auth_needs_mechanism);
  }
  std::string mechanism = cmd.args.front();
  std::transform(mechanism.begin(), mechanism.end(), mechanism.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (mechanism != "PLAIN") {
    co_return co_await reply(replies::mechanism_unsupported);
  }
  if (cmd.args.size() < 2) {
    awaiting_sasl_ = true;  // RFC 5034: the response follows on its own line
    co_return co_await send("+ \r\n");
  }
  net::SaslResult sasl = net::decode_plain(cmd.args[1]);
  if (!sasl.credentials) {
    co_return co_await reply_with(replies::bad_sasl, sasl.error);
  }
  co_return co_await login(sasl.credentials->user, sasl.credentials->password);
}

awaitable<ServerSession::Flow> ServerSession::login(const std::string& user, const std::string& password) {
  if (pop3_.hooks == nullptr) {
    co_return co_await reply(replies::no_upstream_settings);
  }
  std::variant<LoginPlan, std::string> resolved = co_await pop3_.hooks->resolve_user(user);
  if (const auto* sentence = std::get_if<std::string>(&resolved)) {
    log_.info("event=auth result=refused_before_upstream");
    co_return co_await reply_with(replies::login_refused, *sentence);
  }
  LoginPlan plan = std::move(std::get<LoginPlan>(resolved));
  const LoginTarget target = plan.target;
  if (!pop3_.upstream.tls && !target.tls) {
    log_.warn("event=auth mailbox={} result=no_client_certificate", target.mailbox);
    co_return co_await reply(replies::no_upstream_settings);
  }
  const std::string where = target.host + ":" + std::to_string(target.port);
  net::LoginGuard::Attempt attempt;
  if (pop3_.login_guard != nullptr) {
    attempt = pop3_.login_guard->begin(target.mailbox, conn_.peer_address(), password);
    if (!attempt.allowed()) {
      log_.warn("event=auth mailbox={} result={}", target.mailbox,
                attempt.locked_for().count() > 0 ? "locked" : "busy");
      const std::string refusal = attempt.refusal(target.mailbox, conn_.peer_address());
      co_return co_await reply_with(replies::login_locked, refusal);
    }
  }
  auto client = std::make_unique<Client>(pop3_.upstream);
  client->use_tls(target.tls);
  std::string detail;
  const auto login_start = std::chrono::steady_clock::now();
  const Client::LoginResult result =
      co_await client->login(target.host, target.port, target.mailbox, password, detail, target.check_provider);
  net::observe_upstream(target.host, "pop3", "login", login_start,
                        result == Client::LoginResult::ok || result == Client::LoginResult::refused ||
                            result == Client::LoginResult::rejected_temporarily);
  if (result != Client::LoginResult::refused && result != Client::LoginResult::ok) {
    attempt.abandoned();  // says nothing about the password
  }
  switch (result) {
    case Client::LoginResult::ok:
      attempt.succeeded();
      break;
    case Client::LoginResult::rejected_temporarily:
      log_.info("event=auth mailbox={} upstream={} result=deferred reason=\"{}\"", target.mailbox, where, detail);
      co_return co_await reply_with(replies::login_deferred, detail);
    case Client::LoginResult::unreachable:
      log_.warn("event=upstream_connect_failed upstream={} reason=\"{}\"", where, detail);
      co_return co_await reply_with(replies::upstream_unreachable, where);
    case Client::LoginResult::tls_failed:
      log_.warn("event=upstream_tls_failed upstream={} reason=\"{}\"", where, detail);
      co_return co_await reply_with(replies::upstream_tls_failed, where);
    case Client::LoginResult::refused: {
      log_.info("event=auth mailbox={} upstream={} result=refused reason=\"{}\"", target.mailbox, where, detail);
      const net::Duration delay = attempt.failed();
      co_await pause(delay);
      co_return co_await reply(replies::auth_failed);
    }
    case Client::LoginResult::lost:
      log_.info("event=auth mailbox={} upstream={} result=lost reason=\"{}\"", target.mailbox, where, detail);
      co_return co_await reply_with(replies::login_deferred, detail);
  }
  log_.info("event=auth mailbox={} upstream={} result=ok", target.mailbox, where);
  upstream_ = std::move(client);
  mailbox_ = std::move(plan.mailbox);
  if (mailbox_) {
    mailbox_->authenticated(password);
  }
  if (mailbox_ && mailbox_->filtered()) {
    const std::optional<std::string> failure = co_await build_view();
    if (failure) {
      log_.warn("event=view_failed mailbox={} reason=\"{}\"", target.mailbox, *failure);
      const std::string line = format_reply(replies::view_unreadable, *failure);
      co_await send(line);
      co_return Flow::close;
    }
  }
  enter(State::proxy);
  co_return co_await reply(replies::logged_in);
}

awaitable<ServerSession::Flow> ServerSession::upstream_lost(const Command& cmd, const std::string& failure) {
  log_.warn("event=upstream_lost during={} reason=\"{}\"", cmd.verb_text, failure);
  upstream_.reset();
  const std::string line = format_reply(replies::upstream_lost);
  co_await send(line);
  co_return Flow::close;
}

awaitable<ServerSession::Flow> ServerSession::on_relay(const Command& cmd) {
  if (view_ && cmd.verb != Verb::noop) {
    co_return co_await on_view_command(cmd);
  }
  const std::string request = cmd.verb_text + (cmd.args.empty() ? "" : " " + cmd.args.front());
  const UpstreamReply answer = co_await upstream_->command(request);
  if (answer.lost()) {
    co_return co_await upstream_lost(cmd, answer.failure);
  }
  co_return co_await relay(answer);
}

awaitable<ServerSession::Flow> ServerSession::on_relay_multiline(const Command& cmd) {
  if (view_) {
    co_return co_await on_view_command(cmd);
  }
  if (!cmd.args.empty()) {
    co_return co_await on_relay(cmd);  // "LIST n" / "UIDL n" answer on one line
  }
  const std::string request = cmd.verb_text;
  const MultilineReply answer = co_await upstream_->command_multiline(request, pop3_.max_message_size);
  if (answer.status.lost() || (answer.status.ok() && !answer.complete)) {
    co_return co_await upstream_lost(cmd, answer.status.failure);
  }
  if (!answer.status.ok()) {
    co_return co_await relay(answer.status);
  }
  const std::string out = answer.status.line + "\r\n" + answer.raw;
  co_return co_await send(out);
}

awaitable<ServerSession::Flow> ServerSession::on_top(const Command& cmd) {
  if (cmd.args.size() != 2 || !is_number(cmd.args[0]) || !is_number(cmd.args[1])) {
    co_return co_await reply(replies::top_syntax);
  }
  const std::optional<std::string> number = upstream_number(cmd.args[0]);
  if (!number) {
    co_return co_await reply(replies::no_such_message);
  }
  // KOM-LE-A_2041: only the outer headers ever leave, so no S/MIME body fragment does.
  const std::string request = "TOP " + *number + " 0";
  const MultilineReply answer = co_await upstream_->command_multiline(request, pop3_.header_section);
  if (answer.status.lost() || (answer.status.ok() && !answer.complete)) {
    co_return co_await upstream_lost(cmd, answer.status.failure);
  }
  if (!answer.status.ok()) {
    co_return co_await relay(answer.status);
  }
  std::string out = answer.status.line + "\r\n";
  net::DotEncoder encoder([&out](std::string_view s) { out.append(s); }, false);
  encoder.feed(without_mime_version(answer.body));
  encoder.finish();
  co_return co_await send(out);
}

namespace {

// A message held in memory, handed out in slices: the dot-stuffed copy never exists whole.
class SlicedMessage final : public MessageStream {
 public:
  explicit SlicedMessage(std::string message) : message_(std::move(message)) {}
  ~SlicedMessage() override { OPENSSL_cleanse(message_.data(), message_.size()); }
  std::uint64_t size() const override { return message_.size(); }
  awaitable<bool> next(std::string& piece) override {
    constexpr std::size_t kSlice = 256 * 1024;
    piece.assign(message_, std::min(at_, message_.size()), kSlice);
    at_ += piece.size();
    co_return true;
  }

 private:
  std::string message_;
  std::size_t at_ = 0;
};

}  // namespace

awaitable<ServerSession::Flow> ServerSession::on_retr(const Command& cmd) {
  if (cmd.args.size() != 1 || !is_number(cmd.args[0])) {
    co_return co_await reply(replies::retr_syntax);
  }
  const std::optional<std::string> number = upstream_number(cmd.args[0]);
  if (!number) {
    co_return co_await reply(replies::no_such_message);
  }
  const std::string request = "RETR " + *number;
  MultilineReply answer = co_await upstream_->command_multiline(request, pop3_.max_message_size);
  OPENSSL_cleanse(answer.raw.data(), answer.raw.size());
  answer.raw.clear();
  answer.raw.shrink_to_fit();
  if (answer.status.lost() || (answer.status.ok() && !answer.complete)) {
    co_return co_await upstream_lost(cmd, answer.status.failure);
  }
  if (!answer.status.ok()) {
    co_return co_await relay(answer.status);
  }
  std::string& message = answer.body;
  if (!mailbox_) {
    OPENSSL_cleanse(message.data(), message.size());
    co_return co_await reply(replies::no_message_processing);
  }
  RetrDecision decision = co_await mailbox_->on_retrieved(message);
  OPENSSL_cleanse(message.data(), message.size());
  message.clear();
  message.shrink_to_fit();
  if (!decision.deliver) {
    log_.info("event=retr message={} result=refused", cmd.args[0]);
    const std::string line = decision.refusal + "\r\n";
    co_return co_await send_error(line);
  }
  if (!decision.stream) {
    decision.stream = std::make_unique<SlicedMessage>(std::move(decision.message));
  }
  co_return co_await send_stream(cmd.args[0], *decision.stream);
}

awaitable<ServerSession::Flow> ServerSession::send_stream(const std::string& number, MessageStream& stream) {
  std::string out = format_reply(replies::retr_follows, std::to_string(stream.size()));
  net::DotEncoder encoder([&out](std::string_view s) { out.append(s); }, false);
  std::string piece;
  std::uint64_t sent = 0;
  while (true) {
    piece.clear();
    const bool more = co_await stream.next(piece);
    if (!more) {
      OPENSSL_cleanse(out.data(), out.size());
      log_.warn("event=retr message={} result=aborted sent={}", number, sent);
      co_return Flow::close;
    }
    if (piece.empty()) {
      break;
    }
    encoder.feed(piece);
    sent += piece.size();
    OPENSSL_cleanse(piece.data(), piece.size());
    const Flow flow = co_await send(out);
    OPENSSL_cleanse(out.data(), out.size());
    out.clear();
    if (flow == Flow::close) {
      co_return Flow::close;
    }
  }
  encoder.finish();
  log_.info("event=retr message={} result=delivered streamed={}", number, sent);
  const Flow flow = co_await send(out);
  co_return flow;
}

awaitable<ServerSession::Flow> ServerSession::on_stls(const Command& /*cmd*/) {
  if (conn_.tls_active() || !pop3_.stls_offered) {
    co_return co_await reply(replies::stls_unavailable);
  }
  const std::string ready = format_reply(replies::begin_tls);
  co_return co_await upgrade_to_tls(ready, "stls");
}

awaitable<ServerSession::Flow> ServerSession::on_quit(const Command& /*cmd*/) {
  if (upstream_) {
    // The provider commits DELEs now (UPDATE state); its answer goes to the PVS.
    const UpstreamReply answer = co_await upstream_->quit();
    upstream_.reset();
    if (answer.lost()) {
      const std::string line = format_reply(replies::quit_unconfirmed);
      co_await send(line);
    } else {
      co_await relay(answer);
    }
  } else {
    const std::string line = format_reply(replies::signing_off);
    co_await send(line);
  }
  enter(State::closing);
  co_return Flow::close;
}

}  // namespace kimgate::pop3
