#pragma once
// The KIM knowledge the SMTP proxy needs, supplied by daemon/ (smtp/ knows nothing of KIM):
// how a composite user name becomes an upstream login (with the Konnektor context checked),
// and what becomes of a buffered client mail (spec digest §4.3): submit() turns it into the
// KIM message, runs the upstream transaction(s) on the session's logged-in Client and returns
// the one answer the PVS gets. The session speaks to the PVS; it does no upstream I/O of its
// own beyond login and QUIT.
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "net/asio.h"
#include "smtp/client.h"
#include "smtp/transaction.h"

namespace kimgate::smtp {

// A reply with owned text (the table in replies.h holds constants).
struct Answer {
  int code = 0;
  std::string enhanced;
  std::string text;
};

// Per-session state of the hooks (e.g. the parsed user name); opaque to the session.
struct HookSession {
  virtual ~HookSession() = default;
};

struct LoginTarget {
  std::string host;
  std::uint16_t port = 0;
  std::string mailbox;  // position 0 of the user name, for upstream AUTH
  std::shared_ptr<HookSession> session;
  net::PeerCheck check_provider;                 // the provider's TLS certificate, before AUTH (empty: none)
  std::shared_ptr<net::asio::ssl::context> tls;  // the account's own C.CM.TLS-CS; null: the configured one
};

// Where DATA goes while the PVS sends it: the hooks decide (memory, or a sealed spool file for
// mails that do not fit in memory); the session only appends.
class MessageBody {
 public:
  virtual ~MessageBody() = default;
  // false when nothing more can be kept (disk full): the session answers 452 4.3.1.
  virtual bool append(std::string_view data) = 0;
  virtual std::uint64_t size() const = 0;
  // Work append() may leave for later (writing to disk): the session awaits it after each read
  // and once more at the end of the data (final), so a body on disk never holds up the I/O
  // thread. false: nothing more can be kept (452 4.3.1). Default: append() did all of it.
  virtual net::awaitable<bool> settle(bool /*final*/) { co_return true; }
};

// A body in memory (the default of SendHooks::new_body(); wiped on destruction).
class StringBody final : public MessageBody {
 public:
  ~StringBody() override;
  bool append(std::string_view data) override;
  std::uint64_t size() const override { return text.size(); }
  std::string text;
};

class SendHooks {
 public:
  virtual ~SendHooks() = default;
  // A fresh body for the next DATA.
  virtual std::unique_ptr<MessageBody> new_body() { return std::make_unique<StringBody>(); }
  // Called once after the provider accepted the PVS's login, with the password it used (the
  // hooks may need it for the provider's other services, e.g. the KAS; never logged).
  virtual void authenticated(HookSession& /*session*/, const std::string& /*password*/) {}
  // The upstream target for a composite user name, or the answer for the PVS (501 5.5.4 for a
  // malformed name, 501 for a Konnektor context fault 4004-4006).
  virtual net::awaitable<std::variant<LoginTarget, Answer>> prepare_login(std::string user) = 0;
  // What becomes of one client mail (unstuffed, as the PVS sent it): the reply to the PVS's end
  // of data. `upstream` is the session's Client, logged in; when it is no longer connected
  // afterwards, the session ends (421) at the PVS's next command.
  virtual net::awaitable<Answer> submit(std::shared_ptr<HookSession> session, Client& upstream, Envelope envelope,
                                        std::unique_ptr<MessageBody> message) = 0;
};

}  // namespace kimgate::smtp
