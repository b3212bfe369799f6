#pragma once
// The SMTP server session towards the PVS: one coroutine per connection.
//
// States follow the client-module spec (§4.1): CONNECT (greeted, collecting
// AUTH) -> PROXY -> PROCESS. Legal commands per state come from one table
// (server_session.cpp, kCommands); every state change goes through enter(),
// which logs `old -> new`. Deadlines come from ServerSettings.
//
// This build implements the CONNECT state in full except the upstream step of
// AUTH (the send path's issue adds PROXY and PROCESS): AUTH PLAIN/LOGIN is
// answered 454 4.7.0, other mechanisms 504 5.7.4.
#include <chrono>
#include <cstdint>
#include <string>

#include "net/connection.h"
#include "net/session_log.h"
#include "net/stoppable.h"
#include "smtp/command.h"
#include "smtp/replies.h"

namespace kimgate::smtp {

using Duration = std::chrono::milliseconds;

struct ServerSettings {
  std::string hostname = "kimgate";
  bool implicit_tls = true;       // TLS from the first byte (the spec's default)
  bool starttls_offered = false;  // listener tls = "starttls"
  std::uint64_t max_message_size = 734003200;  // EHLO SIZE, >= 35882577 (Tab_SMTP_Ant_Init)
  Duration client_timeout = std::chrono::minutes(5);  // SMTP_TIMEOUT_CLIENT
  Duration write_timeout = std::chrono::minutes(1);
  Duration tls_handshake = std::chrono::seconds(30);
  std::size_t command_line = 512;
  std::size_t auth_line = 12288;
  std::uint64_t error_cap = 10;
};

class ServerSession final : public net::Stoppable {
 public:
  enum class State { handshake, connect, closing };

  ServerSession(net::Connection& conn, const ServerSettings& settings, net::StopRegistry& registry);
  net::awaitable<void> run();

  void request_stop() override;
  void force_close() override;
  State state() const { return state_; }

 private:
  enum class Flow { keep, close };
  using Handler = net::awaitable<Flow> (ServerSession::*)(const Command&);
  struct CommandSpec {
    Verb verb;
    Handler handler;
    bool needs_tls;  // refused with 530 5.7.0 before STARTTLS on a STARTTLS listener
  };
  static const CommandSpec kCommands[];

  void enter(State next);
  net::awaitable<Flow> dispatch(const Command& cmd);
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

  net::Connection& conn_;
  const ServerSettings& settings_;
  net::SessionLog log_;
  net::Registration registration_;
  State state_ = State::handshake;
  std::uint64_t errors_ = 0;
  bool waiting_for_command_ = false;
  bool stop_requested_ = false;
};

std::string_view state_name(ServerSession::State s);

}  // namespace kimgate::smtp
