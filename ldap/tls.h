#pragma once
// TLS helpers of the LDAP client (internal to ldap/): the client identity in memory
// files, and our own check of the server certificate after libldap's handshake.
//
// libldap on Debian uses GnuTLS and reads the client certificate and key from files; we
// give it memfd files (/proc/self/fd/N) so the key never touches the disk. The server
// certificate is checked against a SHA-256 pin of its DER or against a CA file with
// OpenSSL, without a host-name check (a Konnektor's certificate names its ICCSN).
#include <string>

namespace kimgate::ldap::detail {

// A sealed-in-memory file with `content`; returns the fd (or -1) — close it when done.
int memory_file(const std::string& name, const std::string& content);
std::string fd_path(int fd);  // "/proc/self/fd/N"

struct TrustCheck {
  bool trusted = false;
  bool configuration_error = false;
  std::string detail;
};
TrustCheck check_server_certificate(const std::string& der, const std::string& pin_sha256_hex,
                                    const std::string& ca_file);

}  // namespace kimgate::ldap::detail
