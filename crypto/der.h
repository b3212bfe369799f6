#pragma once
// A minimal DER reader and writer for the CMS structures of the KIM profile.
// The reader never copies: a Tlv points into the caller's buffer, and `raw`
// spans tag, length and contents so signed bytes can be hashed exactly as
// received. It rejects indefinite lengths only where DER is required by the
// caller; BER indefinite lengths of constructed values are accepted on read
// (BouncyCastle streams BER). Lengths are checked against the buffer.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/types.h"

namespace kimgate::crypto::der {

using View = std::span<const std::uint8_t>;

// Universal tags and the context tags the profile uses.
inline constexpr std::uint8_t kInteger = 0x02;
inline constexpr std::uint8_t kBitString = 0x03;
inline constexpr std::uint8_t kOctetString = 0x04;
inline constexpr std::uint8_t kNull = 0x05;
inline constexpr std::uint8_t kOid = 0x06;
inline constexpr std::uint8_t kUtf8String = 0x0c;
inline constexpr std::uint8_t kPrintableString = 0x13;
inline constexpr std::uint8_t kIa5String = 0x16;
inline constexpr std::uint8_t kUtcTime = 0x17;
inline constexpr std::uint8_t kGeneralizedTime = 0x18;
inline constexpr std::uint8_t kSequence = 0x30;
inline constexpr std::uint8_t kSet = 0x31;
inline constexpr std::uint8_t context(int n, bool constructed) {
  return static_cast<std::uint8_t>(0x80 | (constructed ? 0x20 : 0) | n);
}

struct Tlv {
  std::uint8_t tag = 0;
  View contents;  // for indefinite length: contents without the end-of-contents octets
  View raw;       // the whole element
  bool indefinite = false;
};

// Reads one element at the front of `in`. nullopt when malformed or truncated.
std::optional<Tlv> read(View in);

// Iterates the children of a constructed element.
class Reader {
 public:
  explicit Reader(View contents) : rest_(contents) {}
  bool done() const { return rest_.empty(); }
  // Next child; nullopt at the end or on malformed input (then failed() is true).
  std::optional<Tlv> next();
  // Next child only if it has this tag.
  std::optional<Tlv> next_if(std::uint8_t tag);
  bool failed() const { return failed_; }

 private:
  View rest_;
  bool failed_ = false;
};

// The children of a constructed element, or nullopt when any is malformed.
std::optional<std::vector<Tlv>> children(const Tlv& t);

// Content of a primitive or (BER) constructed OCTET STRING, concatenated.
std::optional<Bytes> octets(const Tlv& t);

// Dotted OID text of an OBJECT IDENTIFIER's contents ("1.2.840...").
std::string oid_text(View contents);

// ---- writer ----
// Tag and length octets of an element whose contents are `length` bytes (for writing large
// contents in place instead of copying them into every enclosing element).
Bytes header(std::uint8_t tag, std::size_t length);
Bytes tlv(std::uint8_t tag, View contents);
inline Bytes tlv(std::uint8_t tag, const Bytes& contents) {
  return tlv(tag, View(contents));
}
Bytes seq(const std::vector<Bytes>& parts);
// SET OF with elements sorted by their encodings (X.690 11.6).
Bytes set_of(std::vector<Bytes> parts);
Bytes oid(std::string_view dotted);
Bytes integer(std::uint64_t v);
Bytes octet_string(View v);
Bytes null();
Bytes ia5(std::string_view s);
// UTCTime for years 1950..2049, GeneralizedTime otherwise (RFC 5280 4.1.2.5).
Bytes time(std::int64_t unix_seconds);
Bytes concat(const std::vector<Bytes>& parts);

inline View view(const Bytes& b) {
  return View(b.data(), b.size());
}
inline Bytes copy(View v) {
  return Bytes(v.begin(), v.end());
}

}  // namespace kimgate::crypto::der
