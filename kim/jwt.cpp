#include "kim/jwt.h"

#include <openssl/evp.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "crypto/base64.h"

namespace kimgate::kim::jwt {

namespace {

constexpr std::size_t kCoordinate = 32;  // brainpoolP256r1: r and s are below 2^256

std::string_view as_chars(std::span<const std::uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// One DER INTEGER at `at` (advanced past it), as an unsigned big-endian value without leading zeros.
bool read_integer(std::span<const std::uint8_t> der, std::size_t& at, std::vector<std::uint8_t>& out,
                  std::string& error, const char* name) {
  if (at + 2 > der.size() || der[at] != 0x02) {
    error = std::string("the ECDSA signature's ") + name + " is not a DER INTEGER";
    return false;
  }
  const std::size_t length = der[at + 1];
  at += 2;
  if (length == 0 || length >= 0x80 || at + length > der.size()) {
    error = std::string("the ECDSA signature's ") + name + " has a bad length";
    return false;
  }
  const auto value = der.subspan(at, length);
  at += length;
  if ((value[0] & 0x80) != 0) {
    error = std::string("the ECDSA signature's ") + name + " is negative";
    return false;
  }
  if (length > 1 && value[0] == 0x00 && (value[1] & 0x80) == 0) {
    error = std::string("the ECDSA signature's ") + name + " is not minimally encoded";
    return false;
  }
  const auto first = std::find_if(value.begin(), value.end(), [](std::uint8_t b) { return b != 0; });
  out.assign(first, value.end());
  if (out.empty()) {
    error = std::string("the ECDSA signature's ") + name + " is zero";
    return false;
  }
  if (out.size() > kCoordinate) {
    error = std::string("the ECDSA signature's ") + name + " is longer than 32 bytes";
    return false;
  }
  return true;
}

}  // namespace

std::string_view to_string(Algorithm a) {
  return a == Algorithm::ps256 ? "PS256" : "BP256R1";
}

std::string base64url(std::string_view bytes) {
  std::string out = crypto::base64::encode(bytes);
  while (!out.empty() && out.back() == '=') {
    out.pop_back();
  }
  std::replace(out.begin(), out.end(), '+', '-');
  std::replace(out.begin(), out.end(), '/', '_');
  return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  if (text.size() % 4 == 1) {
    return std::nullopt;
  }
  std::string standard(text);
  for (char& c : standard) {
    if (c == '+' || c == '/' || c == '=') {
      return std::nullopt;
    }
    c = c == '-' ? '+' : c == '_' ? '/' : c;
  }
  standard.append((4 - standard.size() % 4) % 4, '=');
  return crypto::base64::decode(standard, crypto::base64::Whitespace::refuse);
}

std::string header_json(Algorithm alg, std::span<const std::uint8_t> aut_certificate_der) {
  nlohmann::ordered_json h;
  h["alg"] = to_string(alg);
  h["typ"] = "JWT";
  h["x5c"] = nlohmann::ordered_json::array({crypto::base64::encode(as_chars(aut_certificate_der))});
  return h.dump();
}

std::string body_json(std::int64_t now, std::optional<std::uint64_t> jwt_expiration) {
  const std::uint64_t lifetime = std::min(jwt_expiration.value_or(kMaxLifetime), kMaxLifetime);
  nlohmann::ordered_json b;
  b["nbf"] = now - kNotBeforeSkew;
  b["iat"] = now;
  b["exp"] = now + static_cast<std::int64_t>(lifetime);
  return b.dump();
}

std::string signing_input(Algorithm alg, std::span<const std::uint8_t> aut_certificate_der, std::int64_t now,
                          std::optional<std::uint64_t> jwt_expiration) {
  return base64url(header_json(alg, aut_certificate_der)) + "." + base64url(body_json(now, jwt_expiration));
}

std::vector<std::uint8_t> digest(std::string_view signing_input) {
  std::vector<std::uint8_t> out(EVP_MAX_MD_SIZE);
  unsigned int length = 0;
  if (EVP_Digest(signing_input.data(), signing_input.size(), out.data(), &length, EVP_sha256(), nullptr) != 1) {
    return {};  // OpenSSL without SHA-256 is a broken installation; an empty digest cannot be signed
  }
  out.resize(length);
  return out;
}

std::optional<std::vector<std::uint8_t>> ecdsa_der_to_raw(std::span<const std::uint8_t> der, std::string& error) {
  if (der.size() < 2 || der[0] != 0x30) {
    error = "the ECDSA signature is not a DER SEQUENCE";
    return std::nullopt;
  }
  std::size_t at = 2;
  std::size_t length = der[1];
  if (length == 0x81) {
    if (der.size() < 3 || der[2] < 0x80) {
      error = "the ECDSA signature's SEQUENCE length is not minimally encoded";
      return std::nullopt;
    }
    length = der[2];
    at = 3;
  } else if (length >= 0x80) {
    error = "the ECDSA signature's SEQUENCE length is too long";
    return std::nullopt;
  }
  if (at + length != der.size()) {
    error = "the ECDSA signature's SEQUENCE length does not match its size";
    return std::nullopt;
  }
  std::vector<std::uint8_t> r;
  std::vector<std::uint8_t> s;
  if (!read_integer(der, at, r, error, "r") || !read_integer(der, at, s, error, "s")) {
    return std::nullopt;
  }
  if (at != der.size()) {
    error = "the ECDSA signature has bytes after s";
    return std::nullopt;
  }
  std::vector<std::uint8_t> raw(2 * kCoordinate, 0);
  std::copy(r.begin(), r.end(), raw.begin() + static_cast<std::ptrdiff_t>(kCoordinate - r.size()));
  std::copy(s.begin(), s.end(), raw.end() - static_cast<std::ptrdiff_t>(s.size()));
  return raw;
}

std::optional<std::string> finish(std::string_view signing_input, Algorithm alg,
                                  std::span<const std::uint8_t> signature, std::string& error) {
  if (signing_input.empty() || std::count(signing_input.begin(), signing_input.end(), '.') != 1) {
    error = "the signing input is not header.body";
    return std::nullopt;
  }
  std::vector<std::uint8_t> value(signature.begin(), signature.end());
  if (alg == Algorithm::bp256r1) {
    std::string why;
    std::optional<std::vector<std::uint8_t>> raw = ecdsa_der_to_raw(signature, why);
    if (!raw && signature.size() != 2 * kCoordinate) {
      error = why;
      return std::nullopt;
    }
    if (raw) {
      value = std::move(*raw);
    }
  } else if (signature.size() < 128 || signature.size() > 1024) {
    error = "the RSA signature has " + std::to_string(signature.size()) + " bytes, not 128 to 1024";
    return std::nullopt;
  }
  return std::string(signing_input) + "." + base64url(as_chars(value));
}

}  // namespace kimgate::kim::jwt
