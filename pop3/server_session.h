#pragma once
// The POP3 server session towards the PVS: one coroutine per connection.
//
// States per the client-module spec (§5.1): CONNECT (AUTHORIZATION, collecting
// USER/PASS or AUTH PLAIN) -> PROXY (TRANSACTION) -> UPDATE. Legal commands per
// state come from one table (kCommands); enter() logs `old -> new`. The read loop,
// deadlines, overlong lines, the error cap and graceful stop come from
// net::LineSession.
//
// This build implements the CONNECT state (Tab_POP3_Ant_Init) except the
// upstream login, which the receive path's issue adds: PASS and AUTH PLAIN are
// answered `-ERR [SYS/TEMP]`.
#include <string>

#include "net/line_session.h"
#include "pop3/command.h"

namespace kimgate::pop3 {

struct ServerSettings : net::LineSessionSettings {
  std::string hostname = "kimgate";
  bool stls_offered = false;
};

class ServerSession final : public net::LineSession {
 public:
  enum class State { connect, closing };

  ServerSession(net::Connection& conn, const ServerSettings& settings, net::StopRegistry& registry);

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
    bool needs_tls;
  };
  static const CommandSpec kCommands[];

  void enter(State next);
  net::awaitable<Flow> ok(std::string_view text);
  net::awaitable<Flow> err(std::string_view text);

  net::awaitable<Flow> on_capa(const Command& cmd);
  net::awaitable<Flow> on_user(const Command& cmd);
  net::awaitable<Flow> on_pass(const Command& cmd);
  net::awaitable<Flow> on_auth(const Command& cmd);
  net::awaitable<Flow> on_stls(const Command& cmd);
  net::awaitable<Flow> on_quit(const Command& cmd);

  const ServerSettings& pop3_;
  State state_ = State::connect;
  bool user_given_ = false;
};

}  // namespace kimgate::pop3
