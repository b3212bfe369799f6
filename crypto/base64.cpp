#include "crypto/base64.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <vector>

namespace kimgate::crypto::base64 {

namespace {

bool in_alphabet(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

std::optional<std::string> fail(std::string* error, const char* sentence) {
  if (error != nullptr) {
    *error = sentence;
  }
  return std::nullopt;
}

}  // namespace

std::string encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::string> decode(std::string_view text, Whitespace whitespace, std::string* error) {
  std::string clean;
  clean.reserve(text.size());
  std::size_t pad = 0;
  for (const char c : text) {
    if (whitespace == Whitespace::skip && (c == '\r' || c == '\n' || c == ' ' || c == '\t')) {
      continue;
    }
    if (c == '=') {
      ++pad;
    } else if (!in_alphabet(c)) {
      return fail(error, "invalid base64 character");
    } else if (pad > 0) {
      return fail(error, "base64 padding in the middle");
    }
    clean.push_back(c);
  }
  if (clean.size() % 4 != 0) {
    return fail(error, "base64 length is not a multiple of 4");
  }
  if (pad > 2) {
    return fail(error, "base64 padding in the middle");
  }
  std::vector<unsigned char> out(clean.size() / 4 * 3 + 1);
  const int n =
      EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(clean.data()), static_cast<int>(clean.size()));
  if (n < 0 || static_cast<std::size_t>(n) < pad) {
    OPENSSL_cleanse(out.data(), out.size());
    return fail(error, "invalid base64");
  }
  std::string result(reinterpret_cast<const char*>(out.data()), static_cast<std::size_t>(n) - pad);
  OPENSSL_cleanse(out.data(), out.size());
  return result;
}

}  // namespace kimgate::crypto::base64
