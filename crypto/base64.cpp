#include "crypto/base64.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>
#include <cstdint>

namespace kimgate::crypto::base64 {

namespace {

// The class of each byte: one table look-up per input byte instead of a chain of comparisons.
enum : std::uint8_t { kInvalid, kAlphabet, kPad, kSpace };
constexpr std::array<std::uint8_t, 256> make_classes() {
  std::array<std::uint8_t, 256> t{};
  for (int c = 'A'; c <= 'Z'; ++c) {
    t[static_cast<std::size_t>(c)] = kAlphabet;
  }
  for (int c = 'a'; c <= 'z'; ++c) {
    t[static_cast<std::size_t>(c)] = kAlphabet;
  }
  for (int c = '0'; c <= '9'; ++c) {
    t[static_cast<std::size_t>(c)] = kAlphabet;
  }
  t['+'] = kAlphabet;
  t['/'] = kAlphabet;
  t['='] = kPad;
  for (const char c : {'\r', '\n', ' ', '\t'}) {
    t[static_cast<unsigned char>(c)] = kSpace;
  }
  return t;
}
constexpr std::array<std::uint8_t, 256> kClasses = make_classes();

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
  std::string clean(text.size(), '\0');
  char* to = clean.data();
  std::size_t pad = 0;
  for (const char c : text) {
    switch (kClasses[static_cast<unsigned char>(c)]) {
      case kAlphabet:
        if (pad > 0) {
          return fail(error, "base64 padding in the middle");
        }
        *to++ = c;
        break;
      case kPad:
        ++pad;
        *to++ = c;
        break;
      case kSpace:
        if (whitespace == Whitespace::skip) {
          break;
        }
        [[fallthrough]];
      default:
        return fail(error, "invalid base64 character");
    }
  }
  clean.resize(static_cast<std::size_t>(to - clean.data()));
  if (clean.size() % 4 != 0) {
    return fail(error, "base64 length is not a multiple of 4");
  }
  if (pad > 2) {
    return fail(error, "base64 padding in the middle");
  }
  // EVP_DecodeBlock writes 3 bytes per quantum (zeros for the padding), straight into the result.
  std::string result(clean.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(result.data()),
                                reinterpret_cast<const unsigned char*>(clean.data()), static_cast<int>(clean.size()));
  if (n < 0 || static_cast<std::size_t>(n) < pad) {
    OPENSSL_cleanse(result.data(), result.size());
    return fail(error, "invalid base64");
  }
  result.resize(static_cast<std::size_t>(n) - pad);
  return result;
}

}  // namespace kimgate::crypto::base64
