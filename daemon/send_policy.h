#pragma once
// The send failure policy: the one table that decides what an upstream outcome means for the
// sender (cf. Postfix's smtp_trouble.c). Pure: no I/O, unit-tested row by row.
//
// Input: the typed outcome of the KIM message's upstream transaction (smtp/transaction.h) and
// the recipients dropped before it was sent (no certificate, 4003/4004/4005). Output: the
// Decision — the PVS's reply (code, enhanced code, a sentence naming the cause), the DSN rows
// (which recipients the sender's DSN must name, with status and diagnostic), the log event and
// the counter to bump. Rules (docs/decisions.md, "send failure policy"):
// - 250 only when every recipient was accepted upstream or is named in a DSN the provider
//   accepted; a DSN that cannot be delivered turns the answer into 451 4.3.0 (the PVS resends:
//   a duplicate is better than a loss).
// - Nothing delivered: the provider's class is relayed (4xx -> retry, 5xx -> final), no DSN.
// - Lost before the end of data: 421 4.4.2 and close (KOM-LE-A_2016); lost after it: 451 4.4.2,
//   delivery unknown, the Message-ID named so a duplicate can be recognised.
#include <string>
#include <string_view>
#include <vector>

#include "kim/send_mail.h"
#include "smtp/send_hooks.h"
#include "smtp/transaction.h"

namespace kimgate::daemon {

enum class SendSituation {
  delivered,         // every recipient accepted
  delivered_partly,  // some accepted; the others (refused upstream or dropped before) in a DSN
  sender_refused,    // MAIL FROM refused
  all_refused_permanently,
  all_refused_temporarily,
  data_refused,      // DATA not answered 354
  message_refused,   // the end of data answered 4xx/5xx
  lost,              // connection lost before the end of data
  delivery_unknown,  // lost after the end of data was sent
  dsn_failed,        // delivered_partly, but the provider did not accept the DSN
};

// One row of the table. code 0 / enhanced "": the provider's code / enhanced code is relayed
// (mended to its class: 421 becomes 451, a mismatching enhanced code X.0.0).
struct PolicyRow {
  SendSituation situation;
  int code;
  std::string_view enhanced;
  std::string_view sentence;  // {reply} {stage} {message_id} {accepted} {total} are filled in
  bool dsn;                   // the refused and dropped recipients go into one DSN
  std::string_view event;     // log event
  std::string_view counter;   // Counters name
};

const PolicyRow& policy_row(SendSituation s);

struct Decision {
  SendSituation situation = SendSituation::delivered;
  smtp::Answer answer;
  std::vector<kim::DsnRecipient> dsn;  // empty: no DSN
  std::string_view event;
  std::string_view counter;
  std::size_t accepted = 0;  // for delivered_partly: how many the provider took, of how many
  std::size_t total = 0;
};

// X-KIM-Fehlermeldung vendor codes for recipients refused by the provider (§4.11: vendor codes
// start with X; the spec has none for this case).
inline constexpr std::string_view kRefusedPermanently = "X10";
inline constexpr std::string_view kRefusedTemporarily = "X11";

// The decision for the KIM message's transaction. `dropped` are the recipients removed before
// sending; `message_id` is the KIM message's Message-ID.
Decision decide(const smtp::TransactionOutcome& outcome, const std::vector<kim::DsnRecipient>& dropped,
                std::string_view message_id);
// The decision once the DSN of `first` was tried: unchanged when the provider accepted it.
Decision decide_after_dsn(const Decision& first, const smtp::TransactionOutcome& dsn_outcome,
                          std::string_view message_id);
// The DSN rows for the recipients the provider refused (X10/X11, Diagnostic-Code "smtp; ...").
std::vector<kim::DsnRecipient> refused_rows(const smtp::TransactionOutcome& outcome);

}  // namespace kimgate::daemon
