#pragma once
// Read deadlines cancel only the read, so the caller can still reply; write and
// handshake deadlines close the connection (a peer that does not read is gone).
//
// Connection: one accepted TCP connection of a PVS session, plaintext or TLS,
// with an upgrade to TLS for STARTTLS/STLS, line reads bounded by LineBuffer
// and a deadline on every read, write and handshake (timers of its own; Boost
// 1.74 has no awaitable || nor cancellation slots). TLS is net::TlsStream, which
// holds no buffers while the connection idles.
//
// Errors are values: every operation returns an error_code; nothing throws on
// peer behaviour. Owned by exactly one session coroutine.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "net/asio.h"
#include "net/line_buffer.h"
#include "net/tls_stream.h"

namespace kimgate::net {

using Duration = std::chrono::milliseconds;

// A further check of a server's TLS certificate (DER) after the handshake and before anything
// else is sent (e.g. the Konnektor's VerifyCertificate, KOM-LE-A_2075-01): nullopt accepts it,
// a sentence refuses it. Empty function: no further check.
using PeerCheck = std::function<awaitable<std::optional<std::string>>(std::vector<std::uint8_t> der)>;

// TCP_NODELAY on a connected or accepted socket. kimgate writes whole replies and whole
// messages at once, so Nagle's algorithm only adds a delayed-ACK wait (~40 ms) before the last
// partial TLS record of a message; every TCP connection kimgate makes or accepts sets it.
void set_no_delay(tcp::socket& socket);

struct ReadResult {
  boost::system::error_code ec;  // beast::error::timeout on deadline, asio::error::eof on close
  Line line;
};

class Connection {
 public:
  Connection(tcp::socket socket, std::shared_ptr<asio::ssl::context> tls, std::size_t max_line);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  // Connects to host:port within `deadline`; nullptr with `error` set on failure.
  static awaitable<std::unique_ptr<Connection>> connect(asio::any_io_executor ex, const std::string& host,
                                                        std::uint16_t port, std::shared_ptr<asio::ssl::context> tls,
                                                        std::size_t max_line, Duration deadline, std::string& error);

  // connect() and start_tls_client() in one, for the clients towards the KIM provider (implicit
  // TLS). `failure` says which step failed, `error` says why in a sentence naming host:port.
  struct TlsClient {
    enum class Failure { none, connect, tls };
    std::unique_ptr<Connection> connection;  // null on failure
    Failure failure = Failure::none;
    std::string error;
  };
  static awaitable<TlsClient> connect_tls(asio::any_io_executor ex, const std::string& host, std::uint16_t port,
                                          std::shared_ptr<asio::ssl::context> tls, std::size_t max_line,
                                          Duration connect_deadline, Duration handshake_deadline);

  // Server-side TLS handshake (implicit TLS, or after STARTTLS). Drops any buffered plaintext first.
  awaitable<boost::system::error_code> start_tls(Duration deadline);
  // Client-side TLS handshake towards `host` (SNI for names; the certificate must name the host
  // or IP). The context must verify peers (make_client_tls).
  awaitable<boost::system::error_code> start_tls_client(Duration deadline, const std::string& host);
  // Reads raw bytes (after any buffered line data) into `out`; for bodies that are not lines.
  awaitable<boost::system::error_code> read_some(std::string& out, Duration deadline);
  bool tls_active() const { return tls_active_; }

  // The next line; `deadline` bounds the whole line, however the peer splits it.
  awaitable<ReadResult> read_line(Duration deadline);
  awaitable<boost::system::error_code> write(std::string_view data, Duration deadline);

  // TLS close_notify (best effort, bounded) and socket close.
  awaitable<void> shutdown(Duration deadline);
  void close();
  // Aborts a pending read or write (it completes with operation_aborted).
  void cancel() { stream_.cancel(); }

  void set_max_line(std::size_t max) { lines_.set_max(max); }
  const std::string& peer() const { return peer_; }  // "address:port"
  const std::string& peer_address() const { return peer_address_; }
  // The client as a PROXY protocol header named it (net/proxy_read.h), instead of the load
  // balancer that connected: what the login lock, the connection limits and the logs see.
  void set_peer(const std::string& address, std::uint16_t port) {
    peer_address_ = address;
    peer_ = address + ":" + std::to_string(port);
  }
  // The peer's TLS certificate subject, empty without one.
  std::string peer_certificate_subject() const;
  // The peer's TLS certificate (DER), empty without one.
  std::vector<std::uint8_t> peer_certificate_der() const;

 private:
  // The peer's TLS certificate (a new reference the caller frees), null without TLS or one.
  X509* peer_certificate() const;
  // The TLS handshake as server or client within `deadline`; marks the connection TLS when it succeeds.
  awaitable<boost::system::error_code> handshake(bool server, Duration deadline);
  // A deadline for a handshake, write or body read: when it passes first, the connection is
  // ended (TlsStream::abort) and finish() reports beast::error::timeout.
  struct Deadline {
    TlsStream* stream = nullptr;  // nulled when the connection goes
    std::uint64_t generation = 0;
    bool expired = false;
  };
  void arm(Duration deadline);
  boost::system::error_code finish(boost::system::error_code ec);

  TlsStream stream_;
  asio::steady_timer op_timer_;
  std::shared_ptr<Deadline> op_deadline_ = std::make_shared<Deadline>();
  // Read deadlines use our own timer that cancels the read instead of ending the connection:
  // after an idle timeout the session must still be able to send 421 / -ERR.
  asio::steady_timer read_timer_;
  std::uint64_t read_generation_ = 0;
  bool read_timed_out_ = false;
  std::shared_ptr<asio::ssl::context> tls_;
  bool tls_active_ = false;
  LineBuffer lines_;
  std::string peer_;
  std::string peer_address_;
};

}  // namespace kimgate::net
