#pragma once
// deliver(): §4.3 steps 10 and 11 for one KIM message — the upstream transaction on the
// session's logged-in Client, the send failure policy's decision (daemon/send_policy.h), and
// the one DSN to the sender's own mailbox that names every recipient not reached (dropped
// before sending, or refused by the provider). Returns the answer the PVS gets and logs one
// line per mail with the Message-ID, so a "delivery unknown" duplicate can be traced.
#include <string>
#include <vector>

#include "daemon/counters.h"
#include "kim/send_mail.h"
#include "smtp/send_hooks.h"
#include "smtp/transaction.h"

namespace kimgate::daemon {

struct Outgoing {
  smtp::Transaction kim_message;
  std::vector<kim::DsnRecipient> dropped;  // recipients removed before sending (4003/4004/4005)
  std::string message_id;                  // of the KIM message (= the client mail's)
  std::string original_date;               // the client mail's Date, for the DSN
};

// `result`, when given, receives what became of the KIM message itself (not of the DSN).
net::awaitable<smtp::Answer> deliver(smtp::Client& upstream, Outgoing outgoing, Counters& counters,
                                     smtp::TransactionResult* result = nullptr);

}  // namespace kimgate::daemon
