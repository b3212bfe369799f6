#pragma once
// The KIM knowledge the SMTP proxy needs, supplied by daemon/ (smtp/ knows nothing of KIM):
// how a composite user name becomes an upstream login (with the Konnektor context checked),
// and what a buffered client mail becomes (spec digest §4.3): the KIM message with its
// filtered envelope, or a refusal for the PVS. The session does all the protocol work.
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "net/asio.h"

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
};

struct Recipient {
  std::string address;  // addr-spec, as given
  std::string params;   // RCPT parameters (NOTIFY=, ORCPT=), preserved
};

struct Envelope {
  std::string mail_from;  // addr-spec, as given ("" for the null sender)
  std::string params;     // MAIL parameters (SIZE=, BODY=, RET=, ENVID=)
  std::vector<Recipient> recipients;
};

// One upstream transaction.
struct Transaction {
  Envelope envelope;
  std::string message;  // unstuffed, CRLF
};

struct Processed {
  // Set: the PVS gets this and nothing goes upstream (beyond RSET).
  std::optional<Answer> refusal;
  Transaction kim_message;
  // Sent after the provider accepted kim_message (DSNs to the sender, §4.11).
  std::vector<Transaction> notices;
  // Appended to the provider's 250 text, e.g. "2 of 3 recipients; DSN sent for the rest".
  std::string note;
};

class SendHooks {
 public:
  virtual ~SendHooks() = default;
  // The upstream target for a composite user name, or the answer for the PVS (501 5.5.4 for a
  // malformed name, 501 for a Konnektor context fault 4004-4006).
  virtual net::awaitable<std::variant<LoginTarget, Answer>> prepare_login(std::string user) = 0;
  // What becomes of one client mail (unstuffed, as the PVS sent it).
  virtual net::awaitable<Processed> process(std::shared_ptr<HookSession> session, Envelope envelope,
                                            std::shared_ptr<std::string> message) = 0;
};

}  // namespace kimgate::smtp
