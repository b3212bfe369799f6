#pragma once
// The SMTP server session towards the PVS: one coroutine per connection.
//
// States follow the client-module spec (§4.1): CONNECT (greeted, collecting AUTH) ->
// PROXY (paired 1:1 with an upstream SMTPS connection to the KIM provider) -> PROCESS
// (after DATA) -> PROXY. Legal commands per state come from one table (kCommands); every
// state change goes through enter(), which logs `old -> new`. The read loop, deadlines,
// overlong lines, the error cap and graceful stop come from net::LineSession.
//
// AUTH PLAIN/LOGIN collect the composite user name and password; the hooks (daemon/) turn
// the name into an upstream target, the session logs in upstream and answers per
// Tab_SMTP_Verbindung (235 2.7.0 / 501 5.5.4 / 504 5.7.4 / 454 4.7.0 / 535 5.7.8).
// Failed logins are counted per mailbox and client address, answered after a growing delay,
// and lock that address out of that mailbox for a while (net::LoginGuard).
// The envelope is deferred (§4.2): MAIL and RCPT are answered locally, DATA goes into the
// MessageBody the hooks provide (bounded by max_message_size; beyond it the rest is read and
// discarded and 552 5.3.4 answered), and the hooks submit the mail (process it, run the upstream transaction, decide
// the answer by the send failure policy). When the upstream connection was lost meanwhile, the
// next command gets 421 4.4.2 and the session ends (KOM-LE-A_2016).
#include <cstdint>
#include <memory>
#include <string>

#include "net/line_session.h"
#include "net/login_guard.h"
#include "smtp/client.h"
#include "smtp/command.h"
#include "smtp/replies.h"
#include "smtp/send_hooks.h"

namespace kimgate::smtp {

struct ServerSettings : net::LineSessionSettings {
  std::string hostname = "kimgate";
  bool starttls_offered = false;               // listener tls = "starttls"
  std::uint64_t max_message_size = 734003200;  // EHLO SIZE (>= 35882577, Tab_SMTP_Ant_Init); more: 552 5.3.4
  std::size_t max_recipients = 1000;
  std::size_t max_text_line = 1000;  // RFC 5321 §4.5.3.1.6, CRLF included
  ClientSettings upstream;           // tls null: logins are refused (no [fachdienst])
  SendHooks* hooks = nullptr;
  net::LoginGuard* login_guard = nullptr;
};

class ServerSession final : public net::LineSession {
 public:
  enum class State { connect, auth_plain, auth_login_user, auth_login_password, proxy, process, closing };

  ServerSession(net::Connection& conn, const ServerSettings& settings, net::StopRegistry& registry);
  ~ServerSession() override;
  State state() const { return state_; }

 protected:
  std::string greeting() const override;
  net::awaitable<Flow> on_line(std::string_view line) override;
  std::string_view line_too_long_text() const override;
  std::string_view timeout_text() const override;
  std::string_view stopping_text() const override;
  std::string_view too_many_errors_text() const override;

 private:
  using Handler = net::awaitable<Flow> (ServerSession::*)(const Command&);
  struct CommandSpec {
    Verb verb;
    Handler handler;
    bool in_connect;
    bool in_proxy;
    bool needs_tls;  // refused with 530 5.7.0 before STARTTLS on a STARTTLS listener
  };
  static const CommandSpec kCommands[];

  void enter(State next);
  net::awaitable<Flow> reply(const Reply& r);
  net::awaitable<Flow> reply_error(const Reply& r);
  net::awaitable<Flow> answer(const Answer& a);
  net::awaitable<Flow> on_sasl_line(std::string_view line);
  net::awaitable<Flow> login(const std::string& user, const std::string& password);
  // Reads the DATA body; false when the PVS went away.
  enum class BodyProblem { none, too_big, line_too_long, no_storage };
  net::awaitable<bool> read_body(MessageBody& body, BodyProblem& problem);
  void reset_transaction();

  net::awaitable<Flow> on_helo(const Command& cmd);
  net::awaitable<Flow> on_ehlo(const Command& cmd);
  net::awaitable<Flow> on_auth(const Command& cmd);
  net::awaitable<Flow> on_starttls(const Command& cmd);
  net::awaitable<Flow> on_rset(const Command& cmd);
  net::awaitable<Flow> on_noop(const Command& cmd);
  net::awaitable<Flow> on_quit(const Command& cmd);
  net::awaitable<Flow> on_mail(const Command& cmd);
  net::awaitable<Flow> on_rcpt(const Command& cmd);
  net::awaitable<Flow> on_data(const Command& cmd);
  net::awaitable<Flow> on_auth_required(const Command& cmd);
  net::awaitable<Flow> on_not_implemented(const Command& cmd);

  const ServerSettings& smtp_;
  State state_ = State::connect;
  std::string helo_;
  std::string login_user_;  // AUTH LOGIN: the user name until the password arrives
  Client upstream_;
  std::string mailbox_;
  std::shared_ptr<HookSession> hook_session_;
  std::optional<Envelope> envelope_;
};

std::string_view state_name(ServerSession::State s);

}  // namespace kimgate::smtp
