#pragma once
// TLS for the PVS-facing listeners: server contexts with the gemSpec_Krypt /
// BSI TR-02102-2 profile (TLS >= 1.2, ECDHE + AES-GCM, P-256/P-384/brainpool),
// optional client-certificate checking (KOM-LE-A_2181), and a self-signed
// certificate created once in the state directory when none is configured.
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "net/asio.h"

namespace kimgate::net {

struct ServerTlsOptions {
  std::filesystem::path certificate;
  std::filesystem::path key;
  std::string key_password;
  std::filesystem::path client_ca;
  bool require_client_certificate = false;
};

struct ServerTls {
  std::shared_ptr<asio::ssl::context> context;  // null on error
  std::string error;                            // a sentence naming the file and the cause
  std::string fingerprint_sha256;               // of the server certificate, "AB:CD:..."
};

ServerTls make_server_tls(const ServerTlsOptions& options);

struct SelfSigned {
  std::filesystem::path certificate;
  std::filesystem::path key;
  bool created = false;
  std::string error;
};

// Returns <dir>/pvs-tls.crt and <dir>/pvs-tls.key, creating them (RSA-3072,
// SHA-256, 3 years, key file mode 0600) when they do not exist yet.
SelfSigned ensure_self_signed(const std::filesystem::path& dir, const std::string& common_name);

// The client certificate of a TLS client context: key, leaf and chain, borrowed for the call
// (the context takes its own references). Loaded by the caller (crypto::read_pkcs12_file);
// key null: no client certificate.
struct ClientIdentity {
  EVP_PKEY* key = nullptr;
  X509* certificate = nullptr;
  std::vector<X509*> chain;
};

// TLS towards the KIM provider (KOM-LE-A_2074): mutual authentication with the client
// module's C.CM.TLS-CS, the server checked against configured trust anchors and the host
// (name or IP) the PVS named.
struct ClientTlsOptions {
  ClientIdentity identity;
  std::filesystem::path ca_file;
};

struct ClientTls {
  std::shared_ptr<asio::ssl::context> context;
  std::string error;
};

ClientTls make_client_tls(const ClientTlsOptions& options);

// The same client profile (TLS >= 1.2, cipher and group lists) with `identity` when it has a
// key, and no peer verification yet: for peers checked otherwise (the Konnektor, whose
// certificate is pinned).
ClientTls make_client_tls_base(const ClientIdentity& identity);

// Text of the most recent OpenSSL errors, for sentences.
std::string openssl_error_text();

}  // namespace kimgate::net
