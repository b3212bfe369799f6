#pragma once
// The POP3 server session towards the PVS: one coroutine per connection.
//
// States per the client-module spec (§5.1, §5.2): CONNECT (AUTHORIZATION, collecting
// USER/PASS or AUTH PLAIN with the composite user name) -> PROXY (TRANSACTION, paired 1:1
// with an upstream POP3S connection to the KIM provider) -> closing. Legal commands per
// state come from one table (kCommands); enter() logs `old -> new`. The read loop,
// deadlines, overlong lines, the error cap and graceful stop come from net::LineSession.
//
// PROXY relays STAT, LIST, UIDL, DELE, RSET, NOOP and QUIT; TOP n m goes upstream as
// TOP n 0 and comes back without MIME-Version (§5.2, Thunderbird); RETR passes mail
// through the session's MailboxHooks, which decide what the PVS gets (pop3/ knows no KIM).
// DELE takes effect upstream only when the PVS's QUIT is relayed; a PVS that disconnects
// without QUIT commits nothing. The session speaks only to the PVS: every upstream exchange
// goes through pop3::Client, and every text of its own comes from pop3/replies.h.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "net/line_session.h"
#include "net/login_guard.h"
#include "pop3/client.h"
#include "pop3/command.h"
#include "pop3/mailbox_view.h"
#include "pop3/replies.h"

namespace kimgate::pop3 {

// Where and as whom to log in upstream, from the PVS's user name.
struct LoginTarget {
  std::string host;
  std::uint16_t port = 0;
  std::string mailbox;
  net::PeerCheck check_provider;                 // the provider's TLS certificate, before USER/PASS (empty: none)
  std::shared_ptr<net::asio::ssl::context> tls;  // the account's own C.CM.TLS-CS; null: the configured one
};

// A message too large to hold in memory, produced piece by piece (unstuffed). next() fills
// `piece` (cleared by the caller) and returns true, with an empty piece at the end; false aborts:
// the session then closes the connection without the final ".", so the PVS cannot take a
// truncated message for a whole one.
class MessageStream {
 public:
  virtual ~MessageStream() = default;
  virtual std::uint64_t size() const = 0;  // octets, unstuffed (for "+OK <n> octets")
  virtual net::awaitable<bool> next(std::string& piece) = 0;
};

// What the PVS gets for RETR: the message (possibly transformed), or a refusal text for -ERR
// (the message then stays on the server and is processed again on the next RETR).
struct RetrDecision {
  bool deliver = false;
  std::string message;                    // unstuffed; delivered dot-stuffed
  std::unique_ptr<MessageStream> stream;  // instead of `message` when set
  std::string refusal;                    // "-ERR ..." without CRLF
};

// The per-session half of the hooks, made at login for one authenticated user name; the
// session owns it until it ends.
class MailboxHooks {
 public:
  virtual ~MailboxHooks() = default;
  // Decides what the PVS receives for a retrieved message (`message` unstuffed, as upstream sent it).
  virtual net::awaitable<RetrDecision> on_retrieved(const std::string& message) = 0;
  // Called once when the provider accepted the login, with the password the PVS used (never
  // logged; the hooks may need it for the provider's other services).
  virtual void authenticated(const std::string& /*password*/) {}
  // Receive filtering: when filtered() is true the session shows this login only the messages
  // the hooks call visible (MailboxView). For each message of the maildrop it asks
  // known_visibility(uid) first and, when that has no answer, fetches the message's header
  // section with TOP n 0 and asks visible(uid, headers).
  virtual bool filtered() const { return false; }
  virtual std::optional<bool> known_visibility(const std::string& /*uid*/) { return std::nullopt; }
  virtual bool visible(const std::string& /*uid*/, std::string_view /*headers*/) { return true; }
};

// What a user name resolves to: where to log in, and the hooks for the session's messages.
struct LoginPlan {
  LoginTarget target;
  std::unique_ptr<MailboxHooks> mailbox;
};

// The KIM knowledge the proxy needs, supplied by daemon/ (pop3/ knows nothing of KIM).
class ProxyHooks {
 public:
  virtual ~ProxyHooks() = default;
  // The login plan for a composite user name, or a sentence for -ERR (called before the
  // upstream connection is opened; may ask the Konnektor about the call context).
  virtual net::awaitable<std::variant<LoginPlan, std::string>> resolve_user(const std::string& user) = 0;
};

struct ServerSettings : net::LineSessionSettings {
  std::string hostname = "kimgate";
  bool stls_offered = false;
  // Upstream (the KIM provider's POP3S); upstream.tls null: not configured.
  ClientSettings upstream;
  std::uint64_t max_message_size = 734003200;
  std::uint64_t header_section = 1 << 20;
  ProxyHooks* hooks = nullptr;             // null: logins are refused (no upstream configured)
  net::LoginGuard* login_guard = nullptr;  // failed logins per mailbox and client address (shared with SMTP)
};

class ServerSession final : public net::LineSession {
 public:
  enum class State { connect, proxy, closing };

  ServerSession(net::Connection& conn, const ServerSettings& settings, net::StopRegistry& registry);
  ~ServerSession() override;

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
    bool needs_tls;
  };
  static const CommandSpec kCommands[];

  void enter(State next);
  // A reply of the table (replies.h), with its "{}" filled by `detail`; -ERR counts towards the
  // error cap.
  net::awaitable<Flow> reply(const Reply& r);
  net::awaitable<Flow> reply_with(const Reply& r, const std::string& detail);
  // A status line of the provider, relayed unchanged.
  net::awaitable<Flow> relay(const UpstreamReply& r);
  net::awaitable<Flow> login(const std::string& user, const std::string& password);
  // The provider is gone: -ERR to the PVS and close.
  net::awaitable<Flow> upstream_lost(const Command& cmd, const std::string& failure);

  net::awaitable<Flow> on_capa(const Command& cmd);
  net::awaitable<Flow> on_user(const Command& cmd);
  net::awaitable<Flow> on_pass(const Command& cmd);
  net::awaitable<Flow> on_auth(const Command& cmd);
  net::awaitable<Flow> on_stls(const Command& cmd);
  net::awaitable<Flow> on_quit(const Command& cmd);
  net::awaitable<Flow> on_relay(const Command& cmd);
  net::awaitable<Flow> on_relay_multiline(const Command& cmd);
  net::awaitable<Flow> on_top(const Command& cmd);
  net::awaitable<Flow> send_stream(const std::string& number, MessageStream& stream);
  net::awaitable<Flow> on_retr(const Command& cmd);
  // Receive filtering (server_session_view.cpp): the view built after login, the commands it
  // answers itself (STAT, LIST, UIDL, DELE, RSET), and the provider's number of a PVS number.
  net::awaitable<std::optional<std::string>> build_view();
  net::awaitable<Flow> on_view_command(const Command& cmd);
  std::optional<std::string> upstream_number(const std::string& n) const;

  const ServerSettings& pop3_;
  State state_ = State::connect;
  std::string user_;
  bool awaiting_sasl_ = false;
  std::unique_ptr<Client> upstream_;
  std::unique_ptr<MailboxHooks> mailbox_;
  std::optional<MailboxView> view_;  // set for a filtered login
};

}  // namespace kimgate::pop3
