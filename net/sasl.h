#pragma once
// Pure SASL decoding for the PVS-facing AUTH commands (RFC 4616 PLAIN, the LOGIN
// mechanism of RFC 4954 practice). No I/O; base64 through crypto/base64.h (OpenSSL, strict).
//
// Credentials wipe their password when destroyed. Errors are sentences meant for the
// reply text; they never contain the credentials themselves.
#include <optional>
#include <string>
#include <string_view>

namespace kimgate::net {

struct Credentials {
  std::string user;      // authcid: for KIM the composite user name
  std::string password;  // passed unchanged to the provider
  Credentials() = default;
  Credentials(std::string u, std::string p) : user(std::move(u)), password(std::move(p)) {}
  Credentials(const Credentials&) = delete;
  Credentials& operator=(const Credentials&) = delete;
  Credentials(Credentials&& o) noexcept;
  Credentials& operator=(Credentials&& o) noexcept;
  ~Credentials();
};

struct SaslResult {
  std::optional<Credentials> credentials;
  std::string error;  // set when credentials is empty
};

// Strict base64 (RFC 4648, padding required, no whitespace); nullopt on anything else.
std::optional<std::string> decode_base64(std::string_view text);
std::string encode_base64(std::string_view bytes);

// A PLAIN response "authzid NUL authcid NUL passwd" in base64 ("=" is the empty response).
// authzid must be empty or equal to authcid: kimgate does not act on behalf of someone else.
SaslResult decode_plain(std::string_view base64);

// One LOGIN step: the base64 user name or password; nullopt with error on bad input.
struct LoginStep {
  std::optional<std::string> value;
  std::string error;
};
LoginStep decode_login_step(std::string_view base64);

// RFC 4954 §4: a client answers "*" to cancel the exchange.
inline bool is_cancel(std::string_view line) {
  return line == "*";
}

}  // namespace kimgate::net
