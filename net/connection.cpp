#include "net/connection.h"

#include <array>

namespace kimgate::net {

void set_no_delay(tcp::socket& socket) {
  boost::system::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
}

namespace {
std::string endpoint_text(const tcp::socket& s) {
  boost::system::error_code ec;
  const auto ep = s.remote_endpoint(ec);
  if (ec) {
    return "?";
  }
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}
}  // namespace

Connection::Connection(tcp::socket socket, std::shared_ptr<asio::ssl::context> tls, std::size_t max_line)
    : stream_(std::move(socket)),
      op_timer_(stream_.socket().get_executor()),
      read_timer_(stream_.socket().get_executor()),
      tls_(std::move(tls)),
      lines_(max_line) {
  op_deadline_->stream = &stream_;
  peer_ = endpoint_text(stream_.socket());
  boost::system::error_code ec;
  set_no_delay(stream_.socket());
  const auto ep = stream_.socket().remote_endpoint(ec);
  peer_address_ = ec ? std::string("?") : ep.address().to_string();
}

Connection::~Connection() {
  op_deadline_->stream = nullptr;
}

void Connection::arm(Duration deadline) {
  const std::shared_ptr<Deadline> state = op_deadline_;
  const std::uint64_t generation = ++state->generation;
  state->expired = false;
  op_timer_.expires_after(deadline);
  const auto on_deadline = [state, generation](const boost::system::error_code& ec) {
    if (!ec && generation == state->generation && state->stream != nullptr) {
      state->expired = true;
      state->stream->abort();  // a peer that does not read or write in time is gone
    }
  };
  op_timer_.async_wait(on_deadline);
}

boost::system::error_code Connection::finish(boost::system::error_code ec) {
  ++op_deadline_->generation;  // a deadline handler already queued must not end the connection
  op_timer_.cancel();
  if (ec && op_deadline_->expired) {
    return beast::error::timeout;
  }
  return ec;
}

awaitable<boost::system::error_code> Connection::start_tls(Duration deadline) {
  lines_.take_rest();  // plaintext pipelined after STARTTLS must never count as encrypted input
  const boost::system::error_code ec = co_await handshake(true, deadline);
  co_return ec;
}

awaitable<boost::system::error_code> Connection::handshake(bool server, Duration deadline) {
  if (!stream_.attached() && !stream_.attach(tls_->native_handle(), server)) {
    co_return boost::system::error_code(asio::error::no_memory);
  }
  arm(deadline);
  const boost::system::error_code handshake_ec = co_await stream_.handshake();
  const boost::system::error_code ec = finish(handshake_ec);
  if (!ec) {
    tls_active_ = true;
  }
  co_return ec;
}

awaitable<std::unique_ptr<Connection>> Connection::connect(asio::any_io_executor ex, const std::string& host,
                                                           std::uint16_t port, std::shared_ptr<asio::ssl::context> tls,
                                                           std::size_t max_line, Duration deadline,
                                                           std::string& error) {
  boost::system::error_code ec;
  tcp::resolver resolver(ex);
  const std::string service = std::to_string(port);
  const auto endpoints = co_await resolver.async_resolve(host, service, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    error = "cannot resolve " + host + ": " + ec.message();
    co_return nullptr;
  }
  beast::tcp_stream stream(ex);
  stream.expires_after(deadline);
  co_await stream.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    error = "cannot connect to " + host + ":" + service + ": " + ec.message();
    co_return nullptr;
  }
  stream.expires_never();
  co_return std::make_unique<Connection>(stream.release_socket(), std::move(tls), max_line);
}

awaitable<Connection::TlsClient> Connection::connect_tls(asio::any_io_executor ex, const std::string& host,
                                                         std::uint16_t port, std::shared_ptr<asio::ssl::context> tls,
                                                         std::size_t max_line, Duration connect_deadline,
                                                         Duration handshake_deadline) {
  TlsClient out;
  const std::string where = host + ":" + std::to_string(port);
  std::string error;
  std::unique_ptr<Connection> conn =
      co_await connect(std::move(ex), host, port, std::move(tls), max_line, connect_deadline, error);
  if (!conn) {
    out.failure = TlsClient::Failure::connect;
    out.error = "cannot connect to the KIM provider at " + where + " (" + error + ")";
    co_return out;
  }
  const auto ec = co_await conn->start_tls_client(handshake_deadline, host);
  if (ec) {
    out.failure = TlsClient::Failure::tls;
    out.error = "TLS with the KIM provider at " + where + " failed: " + ec.message();
    co_return out;
  }
  out.connection = std::move(conn);
  co_return out;
}

awaitable<boost::system::error_code> Connection::start_tls_client(Duration deadline, const std::string& host) {
  if (!stream_.attach(tls_->native_handle(), false)) {
    co_return boost::system::error_code(asio::error::no_memory);
  }
  SSL* ssl = stream_.native_handle();
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);  // an IP literal is checked against the certificate's IP SANs
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  if (ec) {
    SSL_set_tlsext_host_name(ssl, host.c_str());
    X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
  } else {
    X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
  }
  const boost::system::error_code handshaken = co_await handshake(false, deadline);
  co_return handshaken;
}

awaitable<boost::system::error_code> Connection::read_some(std::string& out, Duration deadline) {
  std::string rest = lines_.take_rest();
  if (!rest.empty()) {
    out.append(rest);
    co_return boost::system::error_code{};
  }
  std::array<char, 16384> chunk{};
  std::size_t n = 0;
  arm(deadline);
  const boost::system::error_code read_ec = co_await stream_.read_some(asio::buffer(chunk), n);
  const boost::system::error_code ec = finish(read_ec);
  out.append(chunk.data(), n);
  co_return ec;
}

awaitable<ReadResult> Connection::read_line(Duration deadline) {
  ReadResult result;
  std::array<char, 4096> chunk{};
  // The deadline covers the whole line: a peer that trickles one byte at a time does not
  // restart it with every read.
  const auto end = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    if (auto line = lines_.next()) {
      result.line = std::move(*line);
      co_return result;
    }
    const std::uint64_t generation = ++read_generation_;
    read_timed_out_ = false;
    read_timer_.expires_at(end);
    const auto on_deadline = [this, generation](const boost::system::error_code& ec) {
      if (!ec && generation == read_generation_) {
        read_timed_out_ = true;
        stream_.cancel();
      }
    };
    read_timer_.async_wait(on_deadline);
    std::size_t n = 0;
    result.ec = co_await stream_.read_some(asio::buffer(chunk), n);
    ++read_generation_;  // a deadline handler already queued must not cancel the next read
    read_timer_.cancel();
    if (read_timed_out_ && result.ec == asio::error::operation_aborted) {
      result.ec = beast::error::timeout;
    }
    if (result.ec) {
      co_return result;
    }
    lines_.feed(std::string_view(chunk.data(), n));
  }
}

awaitable<boost::system::error_code> Connection::write(std::string_view data, Duration deadline) {
  arm(deadline);
  const boost::system::error_code write_ec = co_await stream_.write(data);
  const boost::system::error_code ec = finish(write_ec);
  co_return ec;
}

awaitable<void> Connection::shutdown(Duration deadline) {
  if (tls_active_) {
    arm(deadline);
    co_await stream_.shutdown();
    finish({});
  }
  close();
}

void Connection::close() {
  stream_.close();
}

X509* Connection::peer_certificate() const {
  if (!tls_active_) {
    return nullptr;
  }
  return SSL_get1_peer_certificate(stream_.native_handle());
}

std::string Connection::peer_certificate_subject() const {
  X509* cert = peer_certificate();
  if (cert == nullptr) {
    return {};
  }
  std::array<char, 512> buf{};
  X509_NAME_oneline(X509_get_subject_name(cert), buf.data(), static_cast<int>(buf.size()));
  X509_free(cert);
  return buf.data();
}

std::vector<std::uint8_t> Connection::peer_certificate_der() const {
  X509* cert = peer_certificate();
  if (cert == nullptr) {
    return {};
  }
  unsigned char* buf = nullptr;
  const int n = i2d_X509(cert, &buf);
  std::vector<std::uint8_t> der(buf, buf + (n > 0 ? n : 0));
  OPENSSL_free(buf);
  X509_free(cert);
  return der;
}

}  // namespace kimgate::net
