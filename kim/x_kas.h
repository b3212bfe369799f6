#pragma once
// The x-kas JSON structure (KIM 1.5, A_19359-07; api-kim Attachment_schema.json): the only body
// part of a KAS mail's inner message, {link, k, hash, size}. Pure: no I/O, never throws.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kimgate::kim {

struct KasReference {
  std::string link;  // the sharedLink of addMailData (absolute https URL)
  std::string k;     // base64 AES-256-GCM key
  std::string hash;  // base64 SHA-256 of the plaintext mail data
  std::uint64_t size = 0;
};

// A parsed structure or an error sentence; ok() tells which.
struct XKasParsed {
  std::optional<KasReference> value;
  std::string error;
  bool ok() const { return value.has_value(); }
};

// Accepts compact or pretty JSON with surrounding whitespace; all four members required, link and
// k and hash strings, size a non-negative integer; other members are ignored.
XKasParsed parse_x_kas(std::string_view json);
// Compact one-line JSON in the order link, k, hash, size.
std::string format_x_kas(const KasReference& ref);

}  // namespace kimgate::kim
