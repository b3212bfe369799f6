#include "net/tls_stream.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdint>

namespace kimgate::net {

namespace {
// A socket BIO that writes with MSG_NOSIGNAL: OpenSSL's own socket BIO uses write(2), which
// raises SIGPIPE on a connection the peer has reset; a library must not depend on the process
// ignoring it.
int socket_of(BIO* bio) {
  return static_cast<int>(reinterpret_cast<std::intptr_t>(BIO_get_data(bio)));
}

int bio_write(BIO* bio, const char* data, int size) {
  BIO_clear_retry_flags(bio);
  const ssize_t n = ::send(socket_of(bio), data, static_cast<std::size_t>(size), MSG_NOSIGNAL);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
    BIO_set_retry_write(bio);
  }
  return static_cast<int>(n);
}

int bio_read(BIO* bio, char* data, int size) {
  BIO_clear_retry_flags(bio);
  const ssize_t n = ::recv(socket_of(bio), data, static_cast<std::size_t>(size), 0);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
    BIO_set_retry_read(bio);
  }
  return static_cast<int>(n);
}

long bio_ctrl(BIO* /*bio*/, int command, long /*num*/, void* /*ptr*/) {
  return command == BIO_CTRL_FLUSH ? 1 : 0;
}

int bio_create(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

const BIO_METHOD* socket_method() {
  static BIO_METHOD* const method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR, "kimgate socket");
    BIO_meth_set_write(m, bio_write);
    BIO_meth_set_read(m, bio_read);
    BIO_meth_set_ctrl(m, bio_ctrl);
    BIO_meth_set_create(m, bio_create);
    return m;
  }();
  return method;
}
}  // namespace

TlsStream::TlsStream(tcp::socket socket) : socket_(std::move(socket)) {}

TlsStream::~TlsStream() {
  if (ssl_ != nullptr) {
    SSL_free(ssl_);  // before the socket closes: SSL_free writes nothing
  }
}

bool TlsStream::attach(SSL_CTX* context, bool server) {
  boost::system::error_code ec;
  socket_.native_non_blocking(true, ec);
  if (ec || closed_) {
    return false;
  }
  SSL* ssl = SSL_new(context);
  if (ssl == nullptr) {
    return false;
  }
  // OpenSSL's record buffers (~17 KiB each way) go back to the heap whenever no record is in
  // flight, i.e. while the session waits for its peer.
  SSL_set_mode(ssl, SSL_MODE_RELEASE_BUFFERS);
  BIO* bio = BIO_new(socket_method());
  if (bio == nullptr) {
    SSL_free(ssl);
    return false;
  }
  BIO_set_data(bio, reinterpret_cast<void*>(static_cast<std::intptr_t>(socket_.native_handle())));
  SSL_set_bio(ssl, bio, bio);  // the SSL object owns the BIO; the BIO never closes the socket
  if (server) {
    SSL_set_accept_state(ssl);
  } else {
    SSL_set_connect_state(ssl);
  }
  if (ssl_ != nullptr) {
    SSL_free(ssl_);
  }
  ssl_ = ssl;
  return true;
}

awaitable<boost::system::error_code> TlsStream::wait_for(int ssl_result) {
  const int saved_errno = errno;
  const int reason = SSL_get_error(ssl_, ssl_result);
  boost::system::error_code ec;
  switch (reason) {
    case SSL_ERROR_WANT_READ:
      co_await socket_.async_wait(tcp::socket::wait_read, asio::redirect_error(asio::use_awaitable, ec));
      co_return ec;
    case SSL_ERROR_WANT_WRITE:
      co_await socket_.async_wait(tcp::socket::wait_write, asio::redirect_error(asio::use_awaitable, ec));
      co_return ec;
    case SSL_ERROR_ZERO_RETURN:
      co_return asio::error::eof;
    case SSL_ERROR_SYSCALL:
      ERR_clear_error();
      co_return saved_errno != 0 ? boost::system::error_code(saved_errno, boost::system::system_category())
                                 : boost::system::error_code(asio::error::eof);
    default: {
      const unsigned long code = ERR_get_error();
      ERR_clear_error();
      if (ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
        co_return asio::ssl::error::stream_truncated;  // as asio::ssl::stream reports it
      }
      co_return boost::system::error_code(static_cast<int>(code != 0 ? code : SSL_R_UNKNOWN_PROTOCOL),
                                          asio::error::get_ssl_category());
    }
  }
}

awaitable<boost::system::error_code> TlsStream::handshake() {
  if (closed_ || ssl_ == nullptr) {
    co_return asio::error::bad_descriptor;
  }
  for (;;) {
    ERR_clear_error();
    errno = 0;
    const int r = SSL_do_handshake(ssl_);
    if (r == 1) {
      co_return boost::system::error_code{};
    }
    const boost::system::error_code ec = co_await wait_for(r);
    if (ec) {
      co_return ec;
    }
  }
}

awaitable<boost::system::error_code> TlsStream::read_some(asio::mutable_buffer out, std::size_t& n) {
  n = 0;
  if (closed_) {
    co_return asio::error::bad_descriptor;
  }
  if (ssl_ == nullptr) {
    boost::system::error_code ec;
    n = co_await socket_.async_read_some(out, asio::redirect_error(asio::use_awaitable, ec));
    co_return ec;
  }
  for (;;) {
    ERR_clear_error();
    errno = 0;
    const int r = SSL_read_ex(ssl_, out.data(), out.size(), &n);
    if (r == 1) {
      co_return boost::system::error_code{};
    }
    n = 0;
    const boost::system::error_code ec = co_await wait_for(r);
    if (ec) {
      co_return ec;
    }
  }
}

awaitable<boost::system::error_code> TlsStream::write(std::string_view data) {
  if (closed_) {
    co_return asio::error::bad_descriptor;
  }
  if (data.empty()) {
    co_return boost::system::error_code{};
  }
  if (ssl_ == nullptr) {
    boost::system::error_code ec;
    co_await asio::async_write(socket_, asio::buffer(data.data(), data.size()),
                               asio::redirect_error(asio::use_awaitable, ec));
    co_return ec;
  }
  for (;;) {
    ERR_clear_error();
    errno = 0;
    std::size_t written = 0;
    // Without SSL_MODE_ENABLE_PARTIAL_WRITE this succeeds only once all of `data` is out; a retry
    // after WANT_WRITE passes the same buffer, as OpenSSL requires.
    const int r = SSL_write_ex(ssl_, data.data(), data.size(), &written);
    if (r == 1) {
      co_return boost::system::error_code{};
    }
    const boost::system::error_code ec = co_await wait_for(r);
    if (ec) {
      co_return ec;
    }
  }
}

awaitable<void> TlsStream::shutdown() {
  if (closed_ || ssl_ == nullptr) {
    co_return;
  }
  for (int tries = 0; tries < 8; ++tries) {
    ERR_clear_error();
    errno = 0;
    const int r = SSL_shutdown(ssl_);
    if (r >= 0) {
      co_return;  // 0: our close_notify is out; the peer's is not awaited
    }
    if (SSL_get_error(ssl_, r) != SSL_ERROR_WANT_WRITE) {
      ERR_clear_error();
      co_return;
    }
    boost::system::error_code ec;
    co_await socket_.async_wait(tcp::socket::wait_write, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      co_return;
    }
  }
}

void TlsStream::cancel() {
  boost::system::error_code ignored;
  socket_.cancel(ignored);
}

void TlsStream::abort() {
  if (closed_) {
    return;
  }
  // shutdown(2), not close(2): the descriptor stays ours until close(), so the SSL object can
  // never touch another connection that reused the number.
  ::shutdown(static_cast<int>(socket_.native_handle()), SHUT_RDWR);
  cancel();
}

void TlsStream::close() {
  if (closed_) {
    return;
  }
  closed_ = true;
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

}  // namespace kimgate::net
