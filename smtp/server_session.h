#pragma once
// The SMTP server session towards the PVS: one coroutine per connection.
//
// States follow the client-module spec (§4.1): CONNECT (greeted, collecting AUTH)
// -> PROXY -> PROCESS. Legal commands per state come from one table
// (server_session.cpp, kCommands); every state change goes through enter(), which
// logs `old -> new`. The read loop, deadlines, overlong lines, the error cap and
// graceful stop come from net::LineSession.
//
// This build implements the CONNECT state in full except the upstream step of
// AUTH (the send path's issue adds PROXY and PROCESS): AUTH PLAIN/LOGIN is
// answered 454 4.7.0, other mechanisms 504 5.7.4.
#include <cstdint>
#include <string>

#include "net/line_session.h"
#include "smtp/command.h"
#include "smtp/replies.h"

namespace kimgate::smtp {

struct ServerSettings : net::LineSessionSettings {
  std::string hostname = "kimgate";
  bool starttls_offered = false;               // listener tls = "starttls"
  std::uint64_t max_message_size = 734003200;  // EHLO SIZE, >= 35882577 (Tab_SMTP_Ant_Init)
};

class ServerSession final : public net::LineSession {
 public:
  enum class State { connect, closing };

  ServerSession(net::Connection& conn, const ServerSettings& settings, net::StopRegistry& registry);
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
    bool needs_tls;  // refused with 530 5.7.0 before STARTTLS on a STARTTLS listener
  };
  static const CommandSpec kCommands[];

  void enter(State next);
  net::awaitable<Flow> reply(const Reply& r);
  net::awaitable<Flow> reply_error(const Reply& r);

  net::awaitable<Flow> on_helo(const Command& cmd);
  net::awaitable<Flow> on_ehlo(const Command& cmd);
  net::awaitable<Flow> on_auth(const Command& cmd);
  net::awaitable<Flow> on_starttls(const Command& cmd);
  net::awaitable<Flow> on_ok(const Command& cmd);
  net::awaitable<Flow> on_quit(const Command& cmd);
  net::awaitable<Flow> on_auth_required(const Command& cmd);
  net::awaitable<Flow> on_not_implemented(const Command& cmd);

  const ServerSettings& smtp_;
  State state_ = State::connect;
};

std::string_view state_name(ServerSession::State s);

}  // namespace kimgate::smtp
