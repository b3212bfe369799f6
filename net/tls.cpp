#include "net/tls.h"

#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <system_error>

namespace kimgate::net {
namespace {

// TLS 1.2 suites of gemSpec_Krypt A_17124 family; TLS 1.3 keeps OpenSSL's AES-GCM defaults.
constexpr const char* kCipherList =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384";
constexpr const char* kCiphersuites = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384";
constexpr const char* kGroups = "P-256:P-384:brainpoolP256r1:brainpoolP384r1";

template <class T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;

std::string fingerprint(X509* cert) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  if (X509_digest(cert, EVP_sha256(), md.data(), &len) != 1) {
    return {};
  }
  std::string out;
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned int i = 0; i < len; ++i) {
    if (i != 0) {
      out += ':';
    }
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 0xF];
  }
  return out;
}

X509Ptr read_certificate(const std::filesystem::path& file) {
  FILE* f = std::fopen(file.c_str(), "rb");
  if (f == nullptr) {
    return nullptr;
  }
  X509Ptr cert(PEM_read_X509(f, nullptr, nullptr, nullptr));
  std::fclose(f);
  return cert;
}

int password_callback(char* buf, int size, int /*rwflag*/, void* userdata) {
  const auto* password = static_cast<const std::string*>(userdata);
  const int n = std::min(size, static_cast<int>(password->size()));
  std::memcpy(buf, password->data(), static_cast<std::size_t>(n));
  return n;
}

}  // namespace

std::string openssl_error_text() {
  std::string out;
  while (const unsigned long e = ERR_get_error()) {
    std::array<char, 256> buf{};
    ERR_error_string_n(e, buf.data(), buf.size());
    out += (out.empty() ? "" : "; ") + std::string(buf.data());
  }
  return out.empty() ? "no details from OpenSSL" : out;
}

ServerTls make_server_tls(const ServerTlsOptions& o) {
  ServerTls result;
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_set_cipher_list(native, kCipherList) != 1 || SSL_CTX_set_ciphersuites(native, kCiphersuites) != 1 ||
      SSL_CTX_set1_groups_list(native, kGroups) != 1) {
    result.error = "cannot set the TLS cipher profile: " + openssl_error_text();
    return result;
  }
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(native, o.certificate.c_str()) != 1) {
    result.error = "cannot load the PVS-facing certificate \"" + o.certificate.string() + "\": " + openssl_error_text();
    return result;
  }
  std::string password = o.key_password;
  SSL_CTX_set_default_passwd_cb(native, password_callback);
  SSL_CTX_set_default_passwd_cb_userdata(native, &password);
  const int key_ok = SSL_CTX_use_PrivateKey_file(native, o.key.c_str(), SSL_FILETYPE_PEM);
  SSL_CTX_set_default_passwd_cb_userdata(native, nullptr);
  OPENSSL_cleanse(password.data(), password.size());
  if (key_ok != 1) {
    result.error = "cannot load the PVS-facing key \"" + o.key.string() +
                   "\" (wrong password or format?): " + openssl_error_text();
    return result;
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    result.error = "the PVS-facing key \"" + o.key.string() + "\" does not belong to the certificate \"" +
                   o.certificate.string() + "\"";
    return result;
  }
  if (!o.client_ca.empty()) {
    if (SSL_CTX_load_verify_locations(native, o.client_ca.c_str(), nullptr) != 1) {
      result.error = "cannot load the PVS client CA \"" + o.client_ca.string() + "\": " + openssl_error_text();
      return result;
    }
    SSL_CTX_set_client_CA_list(native, SSL_load_client_CA_file(o.client_ca.c_str()));
    SSL_CTX_set_verify(native, SSL_VERIFY_PEER | (o.require_client_certificate ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0),
                       nullptr);
  }
  if (auto cert = read_certificate(o.certificate)) {
    result.fingerprint_sha256 = fingerprint(cert.get());
  }
  result.context = std::move(ctx);
  return result;
}

ClientTls make_client_tls_base(const ClientIdentity& identity) {
  ClientTls result;
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  // A_17239: prefer ECC when the server offers both; the TLS 1.2 list puts ECDSA first.
  if (SSL_CTX_set_cipher_list(native, kCipherList) != 1 || SSL_CTX_set1_groups_list(native, kGroups) != 1) {
    result.error = "cannot set the TLS cipher profile: " + openssl_error_text();
    return result;
  }
  if (identity.key != nullptr) {
    bool used = identity.certificate != nullptr && SSL_CTX_use_certificate(native, identity.certificate) == 1 &&
                SSL_CTX_use_PrivateKey(native, identity.key) == 1;
    for (X509* c : identity.chain) {
      used = used && SSL_CTX_add1_chain_cert(native, c) == 1;
    }
    if (!used) {
      result.error = "the client certificate does not fit its key: " + openssl_error_text();
      return result;
    }
  }
  result.context = std::move(ctx);
  return result;
}

ClientTls make_client_tls(const ClientTlsOptions& o) {
  ClientTls result = make_client_tls_base(o.identity);
  if (!result.context) {
    return result;
  }
  SSL_CTX* native = result.context->native_handle();
  if (o.ca_file.empty() || SSL_CTX_load_verify_locations(native, o.ca_file.c_str(), nullptr) != 1) {
    result.context.reset();
    result.error = "cannot load the trust anchors for the KIM provider \"" + o.ca_file.string() + "\"";
    return result;
  }
  SSL_CTX_set_verify(native, SSL_VERIFY_PEER, nullptr);
  return result;
}

SelfSigned ensure_self_signed(const std::filesystem::path& dir, const std::string& common_name) {
  SelfSigned out{dir / "pvs-tls.crt", dir / "pvs-tls.key", false, {}};
  std::error_code fs_ec;
  if (std::filesystem::exists(out.certificate, fs_ec) && std::filesystem::exists(out.key, fs_ec)) {
    return out;
  }
  std::filesystem::create_directories(dir, fs_ec);
  if (fs_ec) {
    out.error = "cannot create the state directory \"" + dir.string() + "\": " + fs_ec.message();
    return out;
  }
  PkeyPtr key(EVP_RSA_gen(3072));
  X509Ptr cert(X509_new());
  if (!key || !cert) {
    out.error = "cannot generate a key pair: " + openssl_error_text();
    return out;
  }
  X509_set_version(cert.get(), 2);
  std::array<unsigned char, 16> serial{};
  RAND_bytes(serial.data(), static_cast<int>(serial.size()));
  serial[0] &= 0x7F;
  BIGNUM* bn = BN_bin2bn(serial.data(), static_cast<int>(serial.size()), nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 60L * 60 * 24 * 365 * 3);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("kimgate"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                             -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, cert.get(), cert.get(), nullptr, nullptr, 0);
  const std::string san = "DNS:" + common_name + ",DNS:localhost,IP:127.0.0.1,IP:::1";
  for (const auto& [nid, value] :
       {std::pair{NID_subject_alt_name, san.c_str()}, std::pair{NID_basic_constraints, "critical,CA:FALSE"},
        std::pair{NID_key_usage, "critical,digitalSignature,keyEncipherment"},
        std::pair{NID_ext_key_usage, "serverAuth"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value);
    if (ext == nullptr) {
      out.error = "cannot build certificate extension: " + openssl_error_text();
      return out;
    }
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
    out.error = "cannot sign the self-signed certificate: " + openssl_error_text();
    return out;
  }
  // The key file is created 0600 before anything is written to it.
  const int fd = ::open(out.key.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  FILE* kf = fd < 0 ? nullptr : ::fdopen(fd, "wb");
  if (kf == nullptr) {
    out.error = "cannot write \"" + out.key.string() + "\": " + std::strerror(errno);
    return out;
  }
  const bool key_written = PEM_write_PrivateKey(kf, key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
  std::fclose(kf);
  FILE* cf = std::fopen(out.certificate.c_str(), "wb");
  const bool cert_written = cf != nullptr && PEM_write_X509(cf, cert.get()) == 1;
  if (cf != nullptr) {
    std::fclose(cf);
  }
  if (!key_written || !cert_written) {
    out.error = "cannot write the self-signed certificate to \"" + dir.string() + "\"";
    std::filesystem::remove(out.key, fs_ec);
    std::filesystem::remove(out.certificate, fs_ec);
    return out;
  }
  out.created = true;
  return out;
}

}  // namespace kimgate::net
