#pragma once
// The recipient-emails attribute (OID 1.2.276.0.76.4.173, gemSMIME KOM-LE-A_2114-01..2117):
// which KIM address belongs to which RecipientInfo. Written as the gematik reference
// messages do (digest §12 item 19): the attribute's SET holds one RecipientEmail
// SEQUENCE per recipient. Read both that shape and the one-value shape whose single
// value is an inner SET wrapping the SEQUENCEs.
#include <string>
#include <vector>

#include "crypto/der.h"
#include "crypto/types.h"

namespace kimgate::crypto {

struct RecipientEmail {
  std::string address;  // IA5String, as given (not lower-cased)
  Bytes rid;            // DER IssuerAndSerialNumber
  bool operator==(const RecipientEmail&) const = default;
};

// DER of the whole Attribute ::= SEQUENCE { attrType, attrValues SET }.
Bytes encode_recipient_emails(const std::vector<RecipientEmail>& entries);

// From the attrValues SET element (the Tlv of the SET).
Result<std::vector<RecipientEmail>> parse_recipient_emails_values(const der::Tlv& attr_values);
// From the DER of the whole Attribute.
Result<std::vector<RecipientEmail>> parse_recipient_emails(der::View attribute_der);

// Same entries regardless of order (addresses compared byte for byte).
bool same_recipient_emails(std::vector<RecipientEmail> a, std::vector<RecipientEmail> b);

// The rids of entries whose address equals `address` ignoring ASCII case.
std::vector<Bytes> rids_for_address(const std::vector<RecipientEmail>& entries, const std::string& address);

}  // namespace kimgate::crypto
