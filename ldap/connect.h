#pragma once
// Opening one LDAP connection (internal to ldap/): TCP connect with a deadline, libldap on
// the socket (ldap_init_fd), TLS with the Client's shared context (ldap_install_tls), our
// check of the server certificate, anonymous bind. Blocking: runs on the worker pool only.
// Every step is bounded (connect_timeout for TCP and the handshake, timeout for the bind).
#include <ldap.h>
#include <sys/time.h>

#include <mutex>
#include <string>

#include "ldap/client.h"

namespace kimgate::ldap {

// One libldap TLS context per Client, made on the first connect and shared by every
// reconnect: libldap 2.5's GnuTLS backend leaks the client key and certificates each time a
// context is made (tlsg_ctx_init), so making one per connection would grow with reconnects.
struct TlsContext {
  std::mutex mutex;
  void* ctx = nullptr;  // libldap's tls_ctx, one reference held
  TlsContext() = default;
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;
  ~TlsContext();
  // The context, made on first use; nullptr when the client certificate is unusable.
  void* get(const ClientOptions& o, const std::string& cert_path, const std::string& key_path);
};

namespace detail {

struct ConnectOutcome {
  LDAP* ld = nullptr;  // owned by the caller (ldap_destroy) when set
  int fd = -1;         // the connection's descriptor (owned by ld)
  DirectoryErrc error = DirectoryErrc::ok;
  std::string detail;
};

ConnectOutcome connect_blocking(const ClientOptions& o, const std::string& cert_path, const std::string& key_path,
                                TlsContext& tls_context);

timeval to_timeval(Duration d);

}  // namespace detail
}  // namespace kimgate::ldap
