#pragma once
// The application rules and message edits of routing (issue 18); pure functions over the
// client mail's bytes, no I/O. Each refusal is typed and carries a sentence that names the
// file and the rule, which kimgated answers with 554 5.6.0.
//
// - attachments(): the named MIME leaves of a mail (file name from Content-Disposition
//   filename / filename*, else Content-Type name), decoded_content() undoes base64.
// - check_rule(): the service's rule from the service table — allowed file types (QS
//   sonography), the billing BSNR (sQS), begleitdatei.xml with GUID, BSNR and its anhang list
//   (1-Click).
// - choose_address(): of a directory entry's addresses, the one whose kimData application tags
//   name the application.
// - kv_connect_headers(): X-KVC-Dienstkennung / X-KVC-Sendersystem become X-KIM-* when the
//   KIM header is absent.
// - rewrite_message(): routing addresses replaced in To/Cc, headers added, the Dienstkennung
//   set; fields that need no change keep their exact bytes.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kim/raw_message.h"
#include "kim/route_services.h"

namespace kimgate::kim {

inline constexpr std::string_view kBegleitdatei = "begleitdatei.xml";
// The header in which a PVS names the BSNR a delivery is billed under (sQS, and the KV region
// of every KV delivery when present). kimgate's own; docs/decisions.md "Routing".
inline constexpr std::string_view kBillingBsnrHeader = "X-Kimgate-BSNR";

struct Attachment {
  std::string name;
  std::string content_type;  // lower-cased type/subtype
  std::string transfer_encoding;
  std::string_view body;  // raw, still transfer-encoded (a view into the mail)
};
std::vector<Attachment> attachments(const RawMessage& mail);
// The content of an attachment (base64 decoded; 7bit/8bit/binary as is); nullopt when its
// base64 is broken or it is quoted-printable (not used for the files routing reads).
std::optional<std::string> decoded_content(const Attachment& a);

enum class RuleViolation {
  none,
  file_type,     // QS sonography: a file type not allowed
  billing_bsnr,  // sQS: no billing BSNR, or the sender is not registered under it
  begleitdatei_missing,
  begleitdatei_invalid,  // not XML / not <einlieferung>
  begleitdatei_guid,
  begleitdatei_bsnr,
  begleitdatei_anhang,  // a file it lists is not attached
};
std::string_view to_string(RuleViolation v);

struct RuleInput {
  const RawMessage* mail = nullptr;
  const std::vector<Attachment>* files = nullptr;
  std::vector<std::string> sender_bsnrs;  // the BSNRs of the sender's directory entry
  std::string billing_bsnr;               // from kBillingBsnrHeader, may be empty
};
struct RuleOutcome {
  RuleViolation violation = RuleViolation::none;
  std::string sentence;  // refusal: names the file and the rule
  std::string guid;      // 1-Click: the begleitdatei's GUID
  bool test = false;     // 1-Click: testdaten=true
  bool ok() const { return violation == RuleViolation::none; }
};
RuleOutcome check_rule(const RouteService& service, const RuleInput& input);

struct AddressCandidate {
  std::string mail;
  std::vector<std::string> app_tags;  // kimData tags as written ("eAU;V1.0")
};
struct AddressChoice {
  std::string mail;    // empty: no choice, see error
  std::string reason;  // why this one
  std::string error;
};
// Prefers the addresses tagged with `app_tag` (tag compared before its ';', case-insensitive),
// then the only untagged address; several tagged: the first in order; else an error.
AddressChoice choose_address(const std::vector<AddressCandidate>& candidates, std::string_view app_tag);

struct HeaderChange {
  std::string name;
  std::string value;
  std::string reason;  // for the log and route explain
};
std::vector<HeaderChange> kv_connect_headers(const RawMessage& mail);

struct Rewrite {
  std::vector<std::pair<std::string, std::string>> addresses;  // old -> new, in To and Cc
  std::vector<HeaderChange> add_headers;
  std::string dienstkennung;  // set when not empty and the mail has none or the KIM default
};
std::string rewrite_message(const RawMessage& mail, const Rewrite& rewrite);

}  // namespace kimgate::kim
