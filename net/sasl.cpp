#include "net/sasl.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <vector>

namespace kimgate::net {

namespace {
void wipe(std::string& s) {
  if (!s.empty()) {
    OPENSSL_cleanse(s.data(), s.size());
    s.clear();
  }
}
bool is_base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
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
  if (text.size() % 4 != 0) {
    return std::nullopt;
  }
  std::size_t pad = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '=') {
      if (i + 2 < text.size()) {
        return std::nullopt;  // '=' only in the last two positions
      }
      ++pad;
    } else if (pad > 0 || !is_base64_char(c)) {
      return std::nullopt;
    }
  }
  std::vector<unsigned char> out(text.size() / 4 * 3 + 1);
  const int n =
      EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0 || static_cast<std::size_t>(n) < pad) {
    return std::nullopt;
  }
  std::string result(reinterpret_cast<const char*>(out.data()), static_cast<std::size_t>(n) - pad);
  OPENSSL_cleanse(out.data(), out.size());
  return result;
}

std::string encode_base64(std::string_view bytes) {
  std::vector<unsigned char> out((bytes.size() + 2) / 3 * 4 + 1);
  const int n =
      EVP_EncodeBlock(out.data(), reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  return std::string(reinterpret_cast<const char*>(out.data()), static_cast<std::size_t>(n));
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
