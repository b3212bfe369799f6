#include "ldap/tls.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <memory>

#include "crypto/ossl.h"
#include "ldap/client.h"

namespace kimgate::ldap {

namespace detail {

int memory_file(const std::string& name, const std::string& content) {
  const int fd = memfd_create(name.c_str(), MFD_CLOEXEC);
  if (fd < 0) {
    return -1;
  }
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n <= 0) {
      ::close(fd);
      return -1;
    }
    done += static_cast<std::size_t>(n);
  }
  return fd;
}

std::string fd_path(int fd) {
  return "/proc/self/fd/" + std::to_string(fd);
}

namespace {
std::string normalise_hex(const std::string& s) {
  std::string out;
  for (const char c : s) {
    if (c == ':' || c == ' ') {
      continue;
    }
    out.push_back((c >= 'A' && c <= 'F') ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return out;
}
}  // namespace

TrustCheck check_server_certificate(const std::string& der, const std::string& pin_sha256_hex,
                                    const std::string& ca_file) {
  TrustCheck r;
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<X509, decltype(&X509_free)> cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())), X509_free);
  if (!cert) {
    ERR_clear_error();
    r.detail = "the server's certificate is not a DER X.509 certificate";
    return r;
  }
  if (!pin_sha256_hex.empty()) {
    std::array<unsigned char, 32> md{};
    unsigned int len = 0;
    X509_digest(cert.get(), EVP_sha256(), md.data(), &len);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string got;
    for (unsigned int i = 0; i < len; ++i) {
      got.push_back(kHex[md[i] >> 4]);
      got.push_back(kHex[md[i] & 0x0f]);
    }
    r.trusted = got == normalise_hex(pin_sha256_hex);
    if (!r.trusted) {
      r.detail = "the server's certificate (SHA-256 " + got + ") does not match directory.server_pin_sha256";
    }
    return r;
  }
  if (ca_file.empty()) {
    r.configuration_error = true;
    r.detail = "neither directory.ca_file nor directory.server_pin_sha256 is set: cannot trust the directory";
    return r;
  }
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), X509_STORE_free);
  if (X509_STORE_load_file(store.get(), ca_file.c_str()) != 1) {
    ERR_clear_error();
    r.configuration_error = true;
    r.detail = "cannot read the CA file " + ca_file;
    return r;
  }
  X509_STORE_set_flags(store.get(), X509_V_FLAG_PARTIAL_CHAIN);
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(), X509_STORE_CTX_free);
  X509_STORE_CTX_init(ctx.get(), store.get(), cert.get(), nullptr);
  r.trusted = X509_verify_cert(ctx.get()) == 1;
  if (!r.trusted) {
    r.detail = std::string("the server's certificate does not verify against ") + ca_file + ": " +
               X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
  }
  ERR_clear_error();
  return r;
}

}  // namespace detail

IdentityResult load_p12_identity(const std::string& path, const std::string& password) {
  IdentityResult r;
  const auto p12 = crypto::read_pkcs12_file(path, password);
  if (!p12.ok()) {
    r.error = "cannot use the client certificate " + p12.error;
    return r;
  }
  crypto::Pkcs12Pem pem = crypto::pkcs12_pem(*p12.value);
  r.cert_pem = std::move(pem.certificates);
  r.key_pem = std::move(pem.key);
  return r;
}

}  // namespace kimgate::ldap
