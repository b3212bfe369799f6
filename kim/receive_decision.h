#pragma once
// The receive decision table (§5.3–§5.6): from what decryption and verification found out to
// what the PVS gets — the message unchanged, the 4008 mail, a decryption error mail with
// X-KIM-DecryptionResult 01/02/03, the delivered client mail with X-KIM-IntegrityCheckResult
// 01/07 and the notes, or the security-warning mail with 02–06/08/09. One table, used by the
// daemon's receive pipeline and by `kimctl message open`; pure, no I/O, no crypto.
//
// Callers gather the facts (the daemon asks the Konnektor, kimctl checks locally) and
// translate their failures into the enums below; decide_receive() makes every choice, and
// received_mail() builds the mail for it with kim/receive_mail.h.
#include <optional>
#include <string>
#include <string_view>

#include "kim/receive_mail.h"

namespace kimgate::kim {

// X-KOM-LE-Version values this client module reads (A_21391-02).
bool supported_kom_le_version(std::string_view version);

// Why a KIM message could not be decrypted (Tab_Fehlertext_Entschl).
enum class DecryptionFailure {
  format,                 // 02: outer part, base64 or AuthEnvelopedData not profile-conformant, GCM tag/unwrap
  not_addressed,          // 01: recipient-emails names no key for the fetching address (KOM-LE-A_2043)
  key_unavailable,        // 01: no card holds a named key, card or PIN not usable, key operation failed
  konnektor_unreachable,  // 03: Konnektor or card did not answer (also VerifyDocument, see decisions.md)
};
std::string_view decryption_result(DecryptionFailure f);

// The verdict on a readable SignedData, in the terms of Tab_Verm_Sig_Prüf.
enum class SignatureVerdict {
  valid,                   // 01: signature and certificate status checked
  valid_status_unchecked,  // 07: mathematically correct, certificate status not checkable (4264)
  integrity_violated,      // 02: 4115
  missing,                 // 03: 4253
  format,                  // 04: 4112
  certificate_invalid,     // 05: 4206
  unmappable,              // 06: any other Konnektor answer or error
};
// A Konnektor's VerifyDocument code (0, 4264, 4115, 4253, 4112, 4206, other) as a verdict.
SignatureVerdict signature_verdict_of(int verify_code);

// What is known of a decrypted entity (§5.6), read locally except the signature verdict.
struct IntegrityFacts {
  bool signed_entity = false;         // an application/pkcs7-mime signed-data entity
  bool signed_data_readable = false;  // its DER is a SignedData (§12 item 20: CR/LF-mangled DER is not)
  SignatureVerdict verdict = SignatureVerdict::unmappable;  // only when readable
  bool inner_is_mail = false;                               // the signed content is a message/rfc822 entity
  bool headers_match = false;                               // outer/inner from/sender/reply-to/to/cc
  bool recipient_emails_match = false;                      // signed vs unsigned recipient-emails
};
// IntegrityCheckResult: 03 without a signed-data entity, 04 when its DER is not a SignedData;
// then the verdict (02..06 stop here); a content that is not a mail is 04; then 08 (headers),
// 09 (recipient-emails); else 01 or 07.
std::string_view integrity_result(const IntegrityFacts& f);
// 01 and 07 deliver the client mail; every other result is the security-warning mail.
bool integrity_delivers(std::string_view integrity_id);

struct ReceiveFacts {
  bool kim = false;                                     // the outer header has X-KOM-LE-Version
  std::string version;                                  // its value
  std::optional<DecryptionFailure> decryption_failure;  // nullopt: decrypted
  IntegrityFacts integrity;                             // after decryption
};

enum class ReceivedMail { unchanged, version_error, decryption_error, delivered, integrity_error };

struct ReceiveDecision {
  ReceivedMail mail = ReceivedMail::unchanged;
  std::string decryption_result;  // "" (not KIM, or unsupported version: 4008), "00".."03"
  std::string integrity_result;   // "01".."09" once decrypted
};
ReceiveDecision decide_receive(const ReceiveFacts& facts);

// The mail the PVS gets for `d`: `outer` is the message as retrieved, `inner` the decrypted
// client mail (or entity) once decrypted, `address` the fetching user's, `version` the
// X-KOM-LE-Version, `g` the identity of a generated mail.
std::string received_mail(const ReceiveDecision& d, std::string_view outer, std::string_view inner,
                          std::string_view address, std::string_view version, const Generated& g);

}  // namespace kimgate::kim
