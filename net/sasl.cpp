#include "net/sasl.h"

#include <openssl/crypto.h>

#include "crypto/base64.h"

namespace kimgate::net {

namespace {
void wipe(std::string& s) {
  if (!s.empty()) {
    OPENSSL_cleanse(s.data(), s.size());
    s.clear();
  }
}
}  // namespace

Credentials::Credentials(Credentials&& o) noexcept : user(std::move(o.user)), password(std::move(o.password)) {
  wipe(o.password);
}

Credentials& Credentials::operator=(Credentials&& o) noexcept {
  if (this != &o) {
    wipe(password);
    user = std::move(o.user);
    password = std::move(o.password);
    wipe(o.password);
  }
  return *this;
}

Credentials::~Credentials() {
  wipe(password);
}

std::optional<std::string> decode_base64(std::string_view text) {
  return crypto::base64::decode(text, crypto::base64::Whitespace::refuse);
}

std::string encode_base64(std::string_view bytes) {
  return crypto::base64::encode(bytes);
}

SaslResult decode_plain(std::string_view base64) {
  SaslResult r;
  std::optional<std::string> raw = base64 == "=" ? std::optional<std::string>("") : decode_base64(base64);
  if (!raw) {
    r.error = "the PLAIN response is not valid base64";
    return r;
  }
  const std::size_t first = raw->find('\0');
  const std::size_t second = first == std::string::npos ? std::string::npos : raw->find('\0', first + 1);
  if (second == std::string::npos || raw->find('\0', second + 1) != std::string::npos) {
    r.error = "the PLAIN response must be authzid NUL authcid NUL password";
  } else {
    const std::string_view authzid(raw->data(), first);
    const std::string_view authcid(raw->data() + first + 1, second - first - 1);
    const std::string_view password(raw->data() + second + 1, raw->size() - second - 1);
    if (authcid.empty() || password.empty()) {
      r.error = "the PLAIN response lacks the user name or the password";
    } else if (!authzid.empty() && authzid != authcid) {
      r.error = "an authorization identity different from the user name is not supported";
    } else {
      r.credentials.emplace(std::string(authcid), std::string(password));
    }
  }
  wipe(*raw);
  return r;
}

LoginStep decode_login_step(std::string_view base64) {
  LoginStep step;
  std::optional<std::string> raw = decode_base64(base64);
  if (!raw) {
    step.error = "the LOGIN response is not valid base64";
  } else if (raw->empty() || raw->find('\0') != std::string::npos) {
    step.error = "the LOGIN response is empty or contains NUL";
    wipe(*raw);
  } else {
    step.value = std::move(raw);
  }
  return step;
}

}  // namespace kimgate::net
