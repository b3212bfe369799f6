#pragma once
// The steps of the send path that talk to the VZD and the Konnektor (spec digest §4.3 steps
// 4, 7, 8), each returning either its result or the smtp::Answer the PVS gets:
// - check_sender(): From (and Sender) must name exactly the MAIL FROM address (A_23422).
// - look_up_recipients(): ENC certificates of the sender and every recipient from the VZD,
//   each recipient's checked with the Konnektor's VerifyCertificate; recipients without a
//   usable certificate are dropped with their X-KIM-Fehlermeldung code (4003, 4005) for the
//   DSN; a sender without one refuses the message (553).
// - sign_and_encrypt(): SMC-B of the context (GetCards, GetPinStatus, VerifyPin), SignDocument
//   with the recipient-emails attribute, EncryptDocument for every certificate, base64 lines.
#include <optional>
#include <string>
#include <vector>

#include "crypto/types.h"
#include "daemon/card_finder.h"
#include "daemon/certificate_verdicts.h"
#include "kim/raw_message.h"
#include "kim/send_mail.h"
#include "konnektor/konnektor.h"
#include "smtp/send_hooks.h"

namespace kimgate::ldap {
class Directory;
}

namespace kimgate::daemon {

std::optional<smtp::Answer> check_sender(const kim::RawMessage& mail, const std::string& mail_from);

struct EncryptionTarget {
  std::string address;
  std::vector<crypto::Bytes> certificates;  // DER, every chosen ENC certificate of the address
};

struct Recipients {
  std::optional<smtp::Answer> refusal;
  std::vector<smtp::Recipient> deliverable;  // RCPT entries (parameters kept), in order
  std::vector<kim::DsnRecipient> dropped;
  std::vector<EncryptionTarget> encryption;  // the sender and every deliverable recipient
  std::string sender_telematik_id;
  bool sender_is_hba = false;
};
// How recipients' certificates are verified (KOM-LE-A_2024 style): VerifyCertificate through
// the session's Konnektor, answers cached. A certificate found INVALID (revoked, not from the
// TI) is not used; a recipient left without one is dropped (4003). INCONCLUSIVE is used, logged.
struct CertificateCheck {
  konnektor::Konnektor* konnektor = nullptr;
  konnektor::CallContext context;
  CertificateVerdicts* verdicts = nullptr;
};
net::awaitable<Recipients> look_up_recipients(ldap::Directory& directory, const smtp::Envelope& envelope,
                                              bool ecc_capable, CertificateCheck check);

struct SealInput {
  konnektor::Konnektor* konnektor = nullptr;
  CardFinder* cards = nullptr;  // the Konnektor's card finder (shared with the receive path)
  konnektor::CallContext context;
  // The eContent to sign (kim::kSignedContentHeader + the prepared inner mail); the caller keeps
  // it alive.
  std::string_view econtent;
  std::vector<EncryptionTarget> targets;
  // Sign with the SMC-B whose certificate carries this TelematikID (the sender's VZD entry); for
  // an eHBA-bound mailbox (sender_is_hba) with the first SMC-B of the context.
  std::string sender_telematik_id;
  bool sender_is_hba = false;
  net::asio::thread_pool* pool = nullptr;  // the signed-data entity is made here (null: inline)
};
struct SealOutput {
  std::optional<smtp::Answer> refusal;
  konnektor::Bytes enveloped;  // the AuthEnvelopedData (DER)
};
net::awaitable<SealOutput> sign_and_encrypt(const SealInput& input);

// The answer when no SMC-B can sign (card missing, PIN, Konnektor).
smtp::Answer signing_card_refusal(const CardSearch& search, const std::string& telematik_id);
// The answer for a Konnektor error during `what` ("signing", "encryption", ...).
smtp::Answer konnektor_refusal(const konnektor::Error& e, std::string_view what);

}  // namespace kimgate::daemon
