#pragma once
// The POP3 server session towards the PVS: one coroutine per connection.
//
// States per the client-module spec (§5.1): CONNECT (AUTHORIZATION, collecting
// USER/PASS or AUTH PLAIN) -> PROXY (TRANSACTION) -> UPDATE. Legal commands per
// state come from one table (kCommands); enter() logs `old -> new`.
//
// This build implements the CONNECT state (Tab_POP3_Ant_Init) except the
// upstream login, which the receive path's issue adds: PASS and AUTH PLAIN are
// answered `-ERR [SYS/TEMP]`.
#include <chrono>
#include <cstdint>
#include <string>

#include "net/connection.h"
#include "net/session_log.h"
#include "net/stoppable.h"
#include "pop3/command.h"

namespace kimgate::pop3 {

using Duration = std::chrono::milliseconds;

struct ServerSettings {
  std::string hostname = "kimgate";
  bool implicit_tls = true;
  bool stls_offered = false;
  Duration client_timeout = std::chrono::minutes(5);  // POP3_TIMEOUT_CLIENT
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

 private:
  enum class Flow { keep, close };
  using Handler = net::awaitable<Flow> (ServerSession::*)(const Command&);
  struct CommandSpec {
    Verb verb;
    Handler handler;
    bool needs_tls;
  };
  static const CommandSpec kCommands[];

  void enter(State next);
  net::awaitable<Flow> dispatch(const Command& cmd);
  net::awaitable<Flow> send(std::string_view text);
  net::awaitable<Flow> error(std::string_view text);

  net::awaitable<Flow> on_capa(const Command& cmd);
  net::awaitable<Flow> on_user(const Command& cmd);
  net::awaitable<Flow> on_pass(const Command& cmd);
  net::awaitable<Flow> on_auth(const Command& cmd);
  net::awaitable<Flow> on_stls(const Command& cmd);
  net::awaitable<Flow> on_quit(const Command& cmd);

  net::Connection& conn_;
  const ServerSettings& settings_;
  net::SessionLog log_;
  net::Registration registration_;
  State state_ = State::handshake;
  std::uint64_t errors_ = 0;
  bool user_given_ = false;
  bool waiting_for_command_ = false;
  bool stop_requested_ = false;
};

}  // namespace kimgate::pop3
