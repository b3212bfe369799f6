#pragma once
// The receive pipeline (§5.3–§5.6): what the PVS gets for one message retrieved from the KIM
// provider on behalf of the POP3-authenticated user.
//
//   no X-KOM-LE-Version            -> the message unchanged (DSNs, error mails, auto-replies)
//   unsupported X-KOM-LE-Version   -> the 4008 error mail
//   not a readable AuthEnvelopedData -> decryption error mail 02
//   recipient-emails has no entry for the user's address, no card holds a named key,
//   PIN not verified               -> decryption error mail 01
//   Konnektor or card unreachable  -> decryption error mail 03 (also when VerifyDocument cannot
//                                     be reached: nothing unverified is ever delivered)
//   DecryptDocument, signed-data entity, VerifyDocument, outer/inner headers, signed vs
//   unsigned recipient-emails      -> IntegrityCheckResult 01..09; 01/07 deliver the client mail
//                                     with the notes, everything else the security-warning mail.
//
// Every choice is made by kim::decide_receive (kim/receive_decision.h), the table that
// `kimctl message open` uses too; this file gathers the facts through the Konnektor.
//
// Every outcome is a mail: a message that fails for a temporary reason gets the spec's error
// mail and stays upstream (DELE is the PVS's choice). Parsing, base64 and building the output
// run on the worker pool; buffers that held decrypted content are wiped before returning.
#include <string>
#include <string_view>

#include "daemon/card_finder.h"
#include "daemon/receive_kas.h"
#include "kim/receive_decision.h"
#include "kim/receive_mail.h"
#include "konnektor/konnektor.h"
#include "net/asio.h"
#include "pop3/server_session.h"

namespace kimgate::daemon {

// The fetching user: the address of POP3 user name position 0 and the call context (with the
// UserId of position 5, which an eHBA needs).
struct Recipient {
  std::string address;
  konnektor::CallContext context;
};

struct ReceiveOutcome {
  std::string mail;                             // what the PVS gets
  std::unique_ptr<pop3::MessageStream> stream;  // instead of `mail`: a downloaded KAS mail (§5.7)
  std::string decryption_result;                // "" (not a KIM message), "4008", "00".."03"
  std::string integrity_result;                 // "01".."09" once decrypted
  std::string detail;                           // for logs; never content
};

struct ReceiveDeps {
  konnektor::Konnektor& konnektor;
  CardFinder& cards;
  net::asio::thread_pool& pool;
  const KasAccess* kas = nullptr;  // large mails (§5.7); null: KAS mails get the 4006 mail
  net::PeerCheck provider_check;   // the KAS's TLS certificate, like the provider's
};

net::awaitable<ReceiveOutcome> process_retrieved(const ReceiveDeps& deps, const Recipient& who,
                                                 const std::string& message);

// ---- the daemon's side of the decision table (kim/receive_decision.h) ----

// Why decryption failed, for a failed card search: unreachable Konnektor or card (03), else 01.
kim::DecryptionFailure decryption_failure_of(CardProblem p);
// Why decryption failed, for a failed DecryptDocument: a document the Konnektor cannot decrypt
// (format, GCM tag: 02), unreachable (03), card/PIN/key (01).
kim::DecryptionFailure decryption_failure_of(const konnektor::Error& e);

// A fresh Message-ID (random, no host name) and Date for a generated mail.
kim::Generated generated_now();

}  // namespace kimgate::daemon
