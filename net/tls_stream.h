#pragma once
// TlsStream: a TCP socket with an optional OpenSSL session on it, for net::Connection. The SSL
// object reads and writes the non-blocking socket itself (own BIO, MSG_NOSIGNAL); when it wants to read or
// write, the coroutine waits for the socket's readiness (tcp::socket::async_wait) and asks again.
//
// Why not asio::ssl::stream: it keeps two 17 KiB buffers of its own and a 2 x 17 KiB BIO pair per
// connection for as long as the connection lives, ~68 KiB per TLS connection that an idle session
// holds in full (an authenticated SMTP session has two: the PVS's and the provider's). Here the
// only buffers are OpenSSL's record buffers, and SSL_MODE_RELEASE_BUFFERS frees them whenever no
// record is half read or half written, i.e. while a session idles (benchmarks.md S8).
//
// Deadlines are the owner's business: it cancels (cancel(): pending waits end with
// operation_aborted) or ends the connection (abort(): shutdown(2) on the socket, which keeps the
// descriptor so that the SSL object never writes to a reused number; close() releases it).
// Owned by one coroutine at a time; one read and one write may be pending together.
#include <openssl/ssl.h>

#include <cstddef>
#include <string_view>

#include "net/asio.h"

namespace kimgate::net {

class TlsStream {
 public:
  explicit TlsStream(tcp::socket socket);
  ~TlsStream();
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;

  tcp::socket& socket() { return socket_; }
  // Starts TLS on the socket with `context` (the stream takes its own reference), as server or
  // client; no I/O yet. False when OpenSSL could not make the session.
  bool attach(SSL_CTX* context, bool server);
  // The SSL object once attached (for SNI, host checks, the peer's certificate), else null.
  SSL* native_handle() const { return ssl_; }
  bool attached() const { return ssl_ != nullptr; }

  awaitable<boost::system::error_code> handshake();
  // At least one byte into `out` (fewer than its size when less is there); eof at the peer's
  // close_notify or end of stream.
  awaitable<boost::system::error_code> read_some(asio::mutable_buffer out, std::size_t& n);
  // All of `data`.
  awaitable<boost::system::error_code> write(std::string_view data);
  // Sends close_notify (without waiting for the peer's: the connection closes next anyway).
  awaitable<void> shutdown();

  void cancel();
  void abort();
  void close();

 private:
  // The socket readiness that SSL_get_error() asked for, or the error it reports.
  awaitable<boost::system::error_code> wait_for(int ssl_result);

  tcp::socket socket_;
  SSL* ssl_ = nullptr;
  bool closed_ = false;
};

}  // namespace kimgate::net
