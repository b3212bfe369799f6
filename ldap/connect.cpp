#include "ldap/connect.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openldap.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "ldap/tls.h"

extern "C" void ldap_pvt_tls_ctx_free(void* ctx);  // exported by libldap, declared in ldap_pvt.h only

namespace kimgate::ldap {

TlsContext::~TlsContext() {
  if (ctx != nullptr) {
    ldap_pvt_tls_ctx_free(ctx);
  }
}

void* TlsContext::get(const ClientOptions& o, const std::string& cert_path, const std::string& key_path) {
  const std::lock_guard<std::mutex> lock(mutex);
  if (ctx != nullptr) {
    return ctx;
  }
  LDAP* tmpl = nullptr;
  if (ldap_initialize(&tmpl, o.url.c_str()) != LDAP_SUCCESS || tmpl == nullptr) {
    return nullptr;
  }
  const int never = LDAP_OPT_X_TLS_NEVER;  // we check the server certificate ourselves
  ldap_set_option(tmpl, LDAP_OPT_X_TLS_REQUIRE_CERT, &never);
  if (!cert_path.empty()) {
    ldap_set_option(tmpl, LDAP_OPT_X_TLS_CERTFILE, cert_path.c_str());
    ldap_set_option(tmpl, LDAP_OPT_X_TLS_KEYFILE, key_path.c_str());
  }
  const int is_server = 0;
  if (ldap_set_option(tmpl, LDAP_OPT_X_TLS_NEWCTX, &is_server) == LDAP_OPT_SUCCESS) {
    ldap_get_option(tmpl, LDAP_OPT_X_TLS_CTX, &ctx);  // takes a reference
  }
  ldap_destroy(tmpl);
  return ctx;
}

namespace detail {

timeval to_timeval(Duration d) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(d.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((d.count() % 1000) * 1000);
  return tv;
}

namespace {

ConnectOutcome fail(LDAP* ld, DirectoryErrc error, std::string detail) {
  if (ld != nullptr) {
    ldap_destroy(ld);
  }
  ConnectOutcome out;
  out.error = error;
  out.detail = std::move(detail);
  return out;
}

// TCP connect with a deadline (libldap's own connect path cannot bound the TLS handshake
// without spinning: with a network timeout and synchronous connects it retries the
// non-blocking handshake in a busy loop). Returns a connected non-blocking socket or -1.
int tcp_connect(const std::string& url, Duration timeout, std::string& error) {
  LDAPURLDesc* desc = nullptr;
  if (ldap_url_parse(url.c_str(), &desc) != LDAP_URL_SUCCESS || desc == nullptr || desc->lud_host == nullptr) {
    if (desc != nullptr) {
      ldap_free_urldesc(desc);
    }
    error = "directory URL '" + url + "' is not usable";
    return -1;
  }
  const std::string host = *desc->lud_host != '\0' ? desc->lud_host : "localhost";
  const int port = desc->lud_port != 0 ? desc->lud_port : (std::string(desc->lud_scheme) == "ldaps" ? 636 : 389);
  ldap_free_urldesc(desc);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_family = AF_UNSPEC;
  addrinfo* found = nullptr;
  const int gai = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
  if (gai != 0) {
    error = "cannot resolve " + host + ": " + ::gai_strerror(gai);
    return -1;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int fd = -1;
  error = "cannot connect to " + host + ":" + std::to_string(port);
  for (addrinfo* ai = found; ai != nullptr && fd < 0; ai = ai->ai_next) {
    fd = ::socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      continue;
    }
    int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd p{fd, POLLOUT, 0};
      rc = ::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(0, left.count())));
      int so_error = 0;
      socklen_t len = sizeof so_error;
      if (rc == 1 && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len) == 0 && so_error == 0) {
        rc = 0;
      } else {
        error += rc == 0 ? ": timed out" : std::string(": ") + std::strerror(so_error != 0 ? so_error : errno);
        rc = -1;
      }
    } else if (rc != 0) {
      error += std::string(": ") + std::strerror(errno);
    }
    if (rc != 0) {
      ::close(fd);
      fd = -1;
    }
    if (fd >= 0) {
      // Each LDAP request is one small write; do not let Nagle hold it for a delayed ACK.
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
  }
  ::freeaddrinfo(found);
  return fd;
}

}  // namespace

// Runs on the worker pool: TCP connect, TLS handshake, server check, anonymous bind; every
// step bounded by connect_timeout or timeout.
ConnectOutcome connect_blocking(const ClientOptions& o, const std::string& cert_path, const std::string& key_path,
                                TlsContext& tls_context) {
  std::string error;
  const int fd = tcp_connect(o.url, o.connect_timeout, error);
  if (fd < 0) {
    return fail(nullptr, DirectoryErrc::unavailable, error);
  }
  LDAP* ld = nullptr;
  if (ldap_init_fd(fd, LDAP_PROTO_TCP, o.url.c_str(), &ld) != LDAP_SUCCESS || ld == nullptr) {
    ::close(fd);
    return fail(nullptr, DirectoryErrc::configuration, "directory URL '" + o.url + "' is not usable");
  }
  const int v3 = LDAP_VERSION3;
  ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
  ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
  // With CONNECT_ASYNC and a network timeout, libldap waits for the handshake with poll()
  // and gives up after the timeout instead of retrying it in a loop.
  ldap_set_option(ld, LDAP_OPT_CONNECT_ASYNC, LDAP_OPT_ON);
  const timeval net_timeout = to_timeval(o.connect_timeout);
  ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &net_timeout);
  const timeval op_timeout = to_timeval(o.timeout);
  ldap_set_option(ld, LDAP_OPT_TIMEOUT, &op_timeout);
  void* ctx = tls_context.get(o, cert_path, key_path);
  if (ctx == nullptr || ldap_set_option(ld, LDAP_OPT_X_TLS_CTX, ctx) != LDAP_OPT_SUCCESS) {
    return fail(ld, DirectoryErrc::configuration, "the client certificate for the directory is not usable");
  }
  int rc = LDAP_SUCCESS;
  const bool tls = o.url.rfind("ldaps://", 0) == 0;
  if (tls) {
    rc = ldap_install_tls(ld);
    if (rc != LDAP_SUCCESS) {
      return fail(ld, DirectoryErrc::unavailable,
                  "TLS handshake with the directory at " + o.url + " failed: " + ldap_err2string(rc));
    }
    berval peer{};
    std::string der;
    if (ldap_get_option(ld, LDAP_OPT_X_TLS_PEERCERT, &peer) == LDAP_OPT_SUCCESS && peer.bv_val != nullptr) {
      der.assign(peer.bv_val, peer.bv_len);
      ber_memfree(peer.bv_val);
    }
    if (der.empty()) {
      return fail(ld, DirectoryErrc::server_not_trusted, "the directory at " + o.url + " sent no certificate");
    }
    const auto trust = detail::check_server_certificate(der, o.server_pin_sha256, o.ca_file);
    if (!trust.trusted) {
      return fail(ld, trust.configuration_error ? DirectoryErrc::configuration : DirectoryErrc::server_not_trusted,
                  trust.detail);
    }
  }
  berval empty{};
  rc = ldap_sasl_bind_s(ld, "", LDAP_SASL_SIMPLE, &empty, nullptr, nullptr, nullptr);
  if (rc != LDAP_SUCCESS) {
    const bool down = rc == LDAP_SERVER_DOWN || rc == LDAP_TIMEOUT || rc == LDAP_CONNECT_ERROR;
    return fail(ld, down ? DirectoryErrc::unavailable : DirectoryErrc::search_failed,
                std::string("anonymous bind to the directory failed: ") + ldap_err2string(rc));
  }
  // The socket stays non-blocking: reads on the io_context never wait (libldap returns
  // "keep looking" on EAGAIN).
  ConnectOutcome out;
  out.ld = ld;
  out.fd = fd;
  return out;
}

}  // namespace detail
}  // namespace kimgate::ldap
