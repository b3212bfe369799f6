#pragma once
// The one base64 codec (RFC 4648 §4) of kimgate, on OpenSSL's EVP_EncodeBlock/EVP_DecodeBlock
// (never mimetic's decoder, which misdecodes '|'). Decoding is strict: only the alphabet,
// '=' padding only at the end, a length that is a multiple of 4; whitespace is refused (SASL)
// or skipped (MIME bodies: CR, LF, SP, TAB). Its own library (kimgate_crypto_base64, OpenSSL
// only), so net/'s SASL decoder uses it without the CMS code.
#include <optional>
#include <string>
#include <string_view>

namespace kimgate::crypto::base64 {

enum class Whitespace { refuse, skip };

std::string encode(std::string_view bytes);
// The decoded bytes, or nullopt with a sentence in `error` (when given).
std::optional<std::string> decode(std::string_view text, Whitespace whitespace, std::string* error = nullptr);

}  // namespace kimgate::crypto::base64
