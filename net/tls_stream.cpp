#include "net/tls_stream.h"

#include <openssl/err.h>
#include <sys/socket.h>

#include <cerrno>

namespace kimgate::net {

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
  if (SSL_set_fd(ssl, static_cast<int>(socket_.native_handle())) != 1) {
    SSL_free(ssl);
    return false;
  }
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
