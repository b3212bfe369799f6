#pragma once
// ldap::Client — one LDAPS connection to the VZD (the Konnektor's LDAP proxy) on libldap,
// used from coroutines on one io_context without ever blocking it.
//
// - Connect, TLS handshake and the anonymous bind run on the bounded worker pool
//   (net::run_blocking), each step bounded (TCP connect and handshake by connect_timeout,
//   bind by timeout); searches are sent with ldap_search_ext and their answers read
//   with ldap_result(zero timeout) whenever the connection's descriptor (LDAP_OPT_DESC)
//   is readable, so any number of searches share the connection.
// - TLS: the client certificate (C.CM.TLS-CS) is presented; the server certificate is
//   checked by us after the handshake against a SHA-256 pin of its DER or against the CA
//   file (no host-name check: a Konnektor's certificate names its ICCSN, not a host).
// - At most max_in_flight searches are on the wire; answers are read before each request
//   is sent, so a write never meets a full buffer (libldap cannot resume a partial write).
// - Every search has a deadline; on expiry it is abandoned and fails with `timeout`.
//   When the server goes away every search in flight fails with `unavailable` and the
//   next search connects again.
// - Errors are values (DirectoryErrc + a sentence); nothing throws on server behaviour.
//
// Create with Client::create (shared ownership keeps the reader alive); call close() to
// end the connection. All member functions must be called on the io_context's thread;
// the libldap handle is only touched there (or on the pool while no one else can see it).
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ldap/entry.h"
#include "net/asio.h"

namespace kimgate::ldap {

using Duration = std::chrono::milliseconds;

enum class DirectoryErrc {
  ok,
  unavailable,         // cannot connect, connection lost: the send path answers 451
  timeout,             // no answer within the deadline
  server_not_trusted,  // server certificate matches neither the pin nor the CA file
  configuration,       // bad URL, unreadable client certificate, no trust anchor
  search_failed,       // the server answered the search with an error
};
std::string_view to_string(DirectoryErrc e);

struct ClientOptions {
  std::string url;  // ldaps://host:port (ldap:// only for debugging)
  std::string base_dn = "dc=data,dc=vzd";
  std::string client_cert_pem;  // certificate (+ chain), PEM; empty: no client certificate
  std::string client_key_pem;   // its private key, PEM (kept in memory files, never on disk)
  std::string ca_file;
  std::string server_pin_sha256;  // hex SHA-256 of the server certificate's DER
  Duration timeout = std::chrono::seconds(30);
  Duration connect_timeout = std::chrono::seconds(10);
  int size_limit = 100;            // the VZD's cap
  std::size_t max_in_flight = 16;  // searches on the wire at once; more wait for a slot
};

struct SearchResult {
  DirectoryErrc error = DirectoryErrc::ok;
  std::string detail;
  std::vector<RawEntry> entries;
  bool truncated = false;  // size limit reached: more entries exist
  bool ok() const { return error == DirectoryErrc::ok; }
};

struct TlsContext;  // connect.h

class Client : public std::enable_shared_from_this<Client> {
 public:
  static std::shared_ptr<Client> create(net::asio::any_io_executor ex, net::asio::thread_pool& pool,
                                        ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  net::awaitable<SearchResult> search(std::string filter, std::vector<std::string> attributes);
  void close();

  std::uint64_t connects() const { return connects_; }
  std::size_t in_flight() const { return pending_.size(); }

  struct Pending;

 private:
  Client(net::asio::any_io_executor ex, net::asio::thread_pool& pool, ClientOptions options);
  net::awaitable<SearchResult> ensure_connected();
  static net::awaitable<void> read_loop(std::shared_ptr<Client> self,
                                        std::shared_ptr<net::asio::posix::stream_descriptor> desc,
                                        std::uint64_t generation);
  bool drain();
  net::awaitable<bool> wait_for_slot(std::chrono::steady_clock::time_point deadline);
  void wake_slot_waiter();
  void complete(int msgid, void* message);
  void drop(DirectoryErrc error, const std::string& detail);

  net::asio::any_io_executor ex_;
  net::asio::thread_pool& pool_;
  ClientOptions options_;
  std::shared_ptr<TlsContext> tls_;  // shared with a connect job still on the pool
  int cert_fd_ = -1;                 // memfds holding the client certificate and key (never on disk)
  int key_fd_ = -1;
  void* ld_ = nullptr;  // LDAP*
  std::shared_ptr<net::asio::posix::stream_descriptor> desc_;
  std::uint64_t generation_ = 0;
  std::uint64_t connects_ = 0;
  bool connecting_ = false;
  std::uint64_t attempt_ = 0;  // finished connect attempts
  struct {
    DirectoryErrc error = DirectoryErrc::ok;
    std::string detail;
  } last_connect_;
  std::shared_ptr<net::asio::steady_timer> connected_signal_;
  std::map<int, std::shared_ptr<Pending>> pending_;
  std::deque<std::shared_ptr<net::asio::steady_timer>> slot_waiters_;
};

// Reads a PKCS#12 file (C.CM.TLS-CS) into the PEM text ClientOptions wants.
struct IdentityResult {
  std::string cert_pem;
  std::string key_pem;
  std::string error;
};
IdentityResult load_p12_identity(const std::string& path, const std::string& password);

}  // namespace kimgate::ldap
