#pragma once
// The KOM-LE message layout (§4.4, §4.5): the signed content entity
// ("Content-Type: message/rfc822" + inner mail), the signed-data MIME entity that
// is encrypted, and the outer transport message with mirrored headers. Pure text
// work on raw bytes; the CMS and base64 come from crypto/.
#include <optional>
#include <string>
#include <string_view>

#include "kim/raw_message.h"

namespace kimgate::kim {

// "Content-Type: message/rfc822" CRLF CRLF + inner mail: the eContent of the SignedData.
inline constexpr std::string_view kSignedContentHeader = "Content-Type: message/rfc822\r\n\r\n";
std::string signed_content(std::string_view inner_mail);
// The inner mail back out of an eContent; nullopt unless the entity is message/rfc822.
std::optional<std::string_view> inner_mail_of(std::string_view econtent);

// The MIME entity that is encrypted: signed-data headers (Content-Transfer-Encoding: binary) + DER.
std::string signed_data_entity(std::string_view signed_data_der);
// The DER back out of that entity: the bytes after the header section, untouched.
// nullopt if the entity has no header section or is not application/pkcs7-mime.
std::optional<std::string_view> signed_data_of(std::string_view entity);

struct OuterOptions {
  std::string kom_le_version = "1.0";  // "1.5" only when the KAS was used (§12 item 5)
  std::string cm_version;              // X-KIM-CMVersion, omitted when empty
  std::string pt_version;              // X-KIM-PTVersion, omitted when empty
  std::string kon_version;             // X-KIM-KONVersion, omitted when empty
  std::string expires;                 // Expires, omitted when empty
};
// The outer KOM-LE message: From/Sender/Reply-To/To/Cc/Bcc/Date/Message-ID and every
// X-KIM-* field copied byte for byte from the inner mail, Subject: KOM-LE-Nachricht,
// X-KOM-LE-Version and the smime.p7m body (base64 lines given by the caller, CRLF-terminated).
std::optional<std::string> build_outer_message(std::string_view inner_mail, std::string_view base64_lines,
                                               const OuterOptions& options);
// The same message's header section up to and including the empty line, with room reserved for
// `body_size` more bytes: the caller appends the base64 lines in place.
std::optional<std::string> outer_message_head(std::string_view inner_mail, const OuterOptions& options,
                                              std::size_t body_size);

// The base64 body of an outer KOM-LE message (application/pkcs7-mime). nullopt when
// the message has no X-KOM-LE-Version or another content type.
struct OuterParts {
  RawMessage message;
  std::string version;          // X-KOM-LE-Version
  std::string_view smime_body;  // base64 text
};
std::optional<OuterParts> parse_outer_message(std::string_view bytes);

}  // namespace kimgate::kim
