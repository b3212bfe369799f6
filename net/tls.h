#pragma once
// TLS for the PVS-facing listeners: server contexts with the gemSpec_Krypt /
// BSI TR-02102-2 profile (TLS >= 1.2, ECDHE + AES-GCM, P-256/P-384/brainpool),
// optional client-certificate checking (KOM-LE-A_2181), and a self-signed
// certificate created once in the state directory when none is configured.
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

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

// TLS towards the KIM provider (KOM-LE-A_2074): mutual authentication with the client
// module's C.CM.TLS-CS from a PKCS#12 file, the server checked against configured trust
// anchors and the host (name or IP) the PVS named.
struct ClientTlsOptions {
  std::filesystem::path client_p12;
  std::string p12_password;
  std::filesystem::path ca_file;
};

struct ClientTls {
  std::shared_ptr<asio::ssl::context> context;
  std::string error;
};

ClientTls make_client_tls(const ClientTlsOptions& options);

// The same client profile (TLS >= 1.2, cipher and group lists) with the certificate and key of
// `client_p12` when it is not empty, and no peer verification yet: for peers checked otherwise
// (the Konnektor, whose certificate is pinned). `what` names the certificate in the sentence.
ClientTls make_client_tls_base(const std::filesystem::path& client_p12, const std::string& p12_password,
                               std::string_view what);

// Text of the most recent OpenSSL errors, for sentences.
std::string openssl_error_text();

}  // namespace kimgate::net
