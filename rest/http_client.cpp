#include "rest/http_client.h"

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <array>
#include <cctype>

#include "rest/url.h"

namespace kimgate::rest {

namespace {

using boost::system::error_code;
using TlsStream = asio::ssl::stream<net::beast::tcp_stream>;
using Failure = Response::Failure;

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

bool is_token(std::string_view s) {
  constexpr std::string_view extra = "!#$%&'*+-.^_`|~";
  if (s.empty()) {
    return false;
  }
  for (const char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && extra.find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

bool is_field_value(std::string_view s) {
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) {
      return false;
    }
  }
  return true;
}

bool is_target(std::string_view s) {
  if (s.empty() || s.front() != '/') {
    return false;
  }
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) {
      return false;
    }
  }
  return true;
}

bool is_timeout(const error_code& ec) {
  return ec == net::beast::error::timeout;
}

bool is_end_of_stream(const error_code& ec) {
  return ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
}

std::vector<std::uint8_t> peer_certificate_der(TlsStream& stream) {
  std::vector<std::uint8_t> der;
  X509* cert = SSL_get1_peer_certificate(stream.native_handle());
  if (cert == nullptr) {
    return der;
  }
  const int n = i2d_X509(cert, nullptr);
  if (n > 0) {
    der.resize(static_cast<std::size_t>(n));
    unsigned char* p = der.data();
    i2d_X509(cert, &p);
  }
  X509_free(cert);
  return der;
}

// One exchange's state: the stream and where we are, so each step is a short function.
class Exchange {
 public:
  Exchange(asio::any_io_executor ex, const Endpoint& at, const ClientSettings& settings)
      : ex_(ex), at_(at), settings_(settings), where_(host_port(at.host, at.port)), stream_(ex, *settings.tls) {}

  Response& out() { return out_; }

  bool fail(Failure failure, const std::string& sentence) {
    out_.failure = failure;
    out_.error = sentence;
    return false;
  }

  net::awaitable<bool> connect() {
    error_code ec;
    std::vector<tcp::endpoint> endpoints;
    if (at_.address.empty()) {
      tcp::resolver resolver(ex_);
      const auto results = co_await resolver.async_resolve(at_.host, std::to_string(at_.port),
                                                           asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        co_return fail(Failure::resolve, "cannot resolve " + at_.host + " (" + ec.message() + ")");
      }
      for (const auto& r : results) {
        endpoints.push_back(r.endpoint());
      }
    } else {
      const auto address = asio::ip::make_address(at_.address, ec);
      if (ec) {
        co_return fail(Failure::resolve, "the address \"" + at_.address + "\" of " + where_ + " is not an IP address");
      }
      endpoints.emplace_back(address, at_.port);
    }
    auto& lowest = net::beast::get_lowest_layer(stream_);
    lowest.expires_after(settings_.connect_timeout);
    co_await lowest.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      const std::string cause = is_timeout(ec) ? "timed out" : ec.message();
      co_return fail(Failure::connect, "cannot connect to " + where_ + " (" + cause + ")");
    }
    lowest.socket().set_option(tcp::no_delay(true), ec);
    co_return true;
  }

  net::awaitable<bool> handshake() {
    SSL* ssl = stream_.native_handle();
    error_code ec;
    asio::ip::make_address(at_.host, ec);
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    if (ec) {
      SSL_set_tlsext_host_name(ssl, at_.host.c_str());
      X509_VERIFY_PARAM_set1_host(param, at_.host.c_str(), at_.host.size());
    } else {
      X509_VERIFY_PARAM_set1_ip_asc(param, at_.host.c_str());
    }
    net::beast::get_lowest_layer(stream_).expires_after(settings_.inactivity);
    co_await stream_.async_handshake(asio::ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (is_timeout(ec)) {
        co_return fail(Failure::timeout, "the TLS handshake with " + where_ + " timed out");
      }
      co_return fail(Failure::tls, "TLS with " + where_ + " failed (" + ec.message() + ")");
    }
    if (settings_.check) {
      std::vector<std::uint8_t> der = peer_certificate_der(stream_);
      const std::optional<std::string> verdict = co_await settings_.check(std::move(der));
      if (verdict) {
        co_return fail(Failure::peer_check, "the TLS certificate of " + where_ + " was refused: " + *verdict);
      }
    }
    co_return true;
  }

  template <typename Buffers>
  net::awaitable<error_code> write(const Buffers& buffers) {
    error_code ec;
    net::beast::get_lowest_layer(stream_).expires_after(settings_.inactivity);
    co_await asio::async_write(stream_, buffers, asio::redirect_error(asio::use_awaitable, ec));
    co_return ec;
  }

  // Sends head and body; false with out_ set on failure. A write error is kept in write_error_
  // so that a response the server sent before closing (401, 413, 507) can still be read.
  net::awaitable<bool> send(const std::string& head, const Request& request) {
    if (request.stream == nullptr) {
      const std::array<asio::const_buffer, 2> whole{asio::buffer(head), asio::buffer(request.body)};
      write_error_ = co_await write(whole);
      co_return true;
    }
    write_error_ = co_await write(asio::buffer(head));
    const bool chunked = !request.stream_length.has_value();
    std::uint64_t sent = 0;
    while (!write_error_) {
      const Piece piece = co_await request.stream->next();
      if (!piece.error.empty()) {
        co_return fail(Failure::source, "the request body for " + where_ + " failed: " + piece.error);
      }
      if (piece.end) {
        break;
      }
      if (piece.data.empty()) {
        continue;
      }
      sent += piece.data.size();
      if (!chunked && sent > *request.stream_length) {
        co_return fail(Failure::source, "the request body for " + where_ + " is longer than the announced " +
                                            std::to_string(*request.stream_length) + " bytes");
      }
      if (chunked) {
        std::array<char, 20> size{};
        const int n = std::snprintf(size.data(), size.size(), "%zx\r\n", piece.data.size());
        const std::array<asio::const_buffer, 3> chunk{asio::buffer(size.data(), static_cast<std::size_t>(n)),
                                                      asio::buffer(piece.data.data(), piece.data.size()),
                                                      asio::buffer("\r\n", 2)};
        write_error_ = co_await write(chunk);
      } else {
        write_error_ = co_await write(asio::buffer(piece.data.data(), piece.data.size()));
      }
    }
    if (write_error_) {
      co_return true;
    }
    if (chunked) {
      write_error_ = co_await write(asio::buffer("0\r\n\r\n", 5));
    } else if (sent != *request.stream_length) {
      co_return fail(Failure::source, "the request body for " + where_ + " ended after " + std::to_string(sent) +
                                          " of the announced " + std::to_string(*request.stream_length) + " bytes");
    }
    co_return true;
  }

  // Hands parsed body bytes to the sink or the string; false with out_ set when the sink refuses.
  net::awaitable<bool> deliver(ResponseReader& reader, BodySink* sink) {
    if (sink != nullptr && !status_told_ && reader.header_done()) {
      status_told_ = true;
      sink->on_status(reader.status());
    }
    std::string body = reader.take_body();
    if (body.empty()) {
      co_return true;
    }
    if (sink == nullptr) {
      out_.body.append(body);
      co_return true;
    }
    const std::string refused = co_await sink->write(body);
    if (!refused.empty()) {
      co_return fail(Failure::sink, "the response body from " + where_ + " could not be stored: " + refused);
    }
    co_return true;
  }

  net::awaitable<bool> receive(bool head_request, BodySink* sink) {
    ResponseReader reader(settings_.max_header,
                          sink == nullptr ? std::optional<std::uint64_t>(settings_.max_body) : std::nullopt,
                          head_request);
    std::string buffer;
    std::array<char, 16384> chunk{};
    for (;;) {
      ResponseReader::Fed fed = reader.feed(buffer);
      buffer.erase(0, fed.consumed);
      bool delivered = co_await deliver(reader, sink);
      if (!delivered) {
        co_return false;
      }
      if (fed.state == ResponseReader::State::error) {
        co_return fail(fed.failure, where_ + " sent a bad response: " + fed.error);
      }
      if (fed.state == ResponseReader::State::done) {
        break;
      }
      error_code ec;
      net::beast::get_lowest_layer(stream_).expires_after(settings_.inactivity);
      const std::size_t n =
          co_await stream_.async_read_some(asio::buffer(chunk), asio::redirect_error(asio::use_awaitable, ec));
      buffer.append(chunk.data(), n);
      if (is_end_of_stream(ec)) {
        fed = reader.feed(buffer);
        buffer.erase(0, fed.consumed);
        if (fed.state == ResponseReader::State::more) {
          fed = reader.feed_eof();
        }
        delivered = co_await deliver(reader, sink);
        if (!delivered) {
          co_return false;
        }
        if (fed.state != ResponseReader::State::done) {
          const std::string why = fed.error.empty() ? "the connection closed early" : fed.error;
          co_return fail(fed.failure == Failure::none ? Failure::protocol : fed.failure,
                         where_ + " sent a bad response: " + why);
        }
        break;
      }
      if (ec) {
        if (is_timeout(ec)) {
          co_return fail(Failure::timeout, where_ + " sent nothing for " +
                                               std::to_string(settings_.inactivity.count()) + " ms (response)");
        }
        if (write_error_ && !reader.header_done()) {
          co_return fail(Failure::connect, "the connection to " + where_ + " broke while sending the request (" +
                                               write_error_.message() + ")");
        }
        co_return fail(Failure::connect,
                       "the connection to " + where_ + " broke while reading the response (" + ec.message() + ")");
      }
    }
    out_.status = reader.status();
    out_.headers = reader.headers();
    out_.content_length = reader.content_length();
    co_return true;
  }

  const error_code& write_error() const { return write_error_; }
  const std::string& where() const { return where_; }

  void close() {
    error_code ec;
    auto& sock = net::beast::get_lowest_layer(stream_).socket();
    sock.shutdown(tcp::socket::shutdown_both, ec);
    sock.close(ec);
  }

 private:
  using tcp = net::tcp;
  asio::any_io_executor ex_;
  const Endpoint& at_;
  const ClientSettings& settings_;
  std::string where_;
  TlsStream stream_;
  Response out_;
  error_code write_error_;
  bool status_told_ = false;
};

}  // namespace

std::optional<std::string> Response::header(std::string_view name) const {
  for (const Header& h : headers) {
    if (iequals(h.name, name)) {
      return h.value;
    }
  }
  return std::nullopt;
}

std::string_view to_string(Response::Failure f) {
  switch (f) {
    case Failure::none:
      return "none";
    case Failure::resolve:
      return "resolve";
    case Failure::connect:
      return "connect";
    case Failure::tls:
      return "tls";
    case Failure::peer_check:
      return "peer_check";
    case Failure::timeout:
      return "timeout";
    case Failure::protocol:
      return "protocol";
    case Failure::too_large:
      return "too_large";
    case Failure::source:
      return "source";
    case Failure::sink:
      return "sink";
  }
  return "unknown";
}

std::optional<std::string> format_request_head(const Endpoint& at, const Request& request, std::string& error) {
  if (!is_token(request.method)) {
    error = "the request method is not an HTTP token";
    return std::nullopt;
  }
  if (!is_target(request.target)) {
    error = "the request target is not an absolute path without spaces or control characters";
    return std::nullopt;
  }
  std::string head = request.method + " " + request.target + " HTTP/1.1\r\n";
  const std::string host = host_port(at.host, at.port);
  head.append("Host: ").append(at.port == 443 ? host.substr(0, host.rfind(':')) : host).append("\r\n");
  for (const Header& h : request.headers) {
    if (!is_token(h.name) || !is_field_value(h.value)) {
      error = "the request header \"" + (is_token(h.name) ? h.name : std::string("?")) + "\" is malformed";
      return std::nullopt;
    }
    for (const std::string_view reserved : {"Host", "Content-Length", "Transfer-Encoding", "Connection"}) {
      if (iequals(h.name, reserved)) {
        error = "the request header " + h.name + " is set by exchange()";
        return std::nullopt;
      }
    }
    head.append(h.name).append(": ").append(h.value).append("\r\n");
  }
  if (request.stream != nullptr) {
    if (request.stream_length) {
      head.append("Content-Length: ").append(std::to_string(*request.stream_length)).append("\r\n");
    } else {
      head.append("Transfer-Encoding: chunked\r\n");
    }
  } else if (!request.body.empty() || request.method == "POST" || request.method == "PUT" ||
             request.method == "PATCH") {
    head.append("Content-Length: ").append(std::to_string(request.body.size())).append("\r\n");
  }
  head.append("Connection: close\r\n\r\n");
  return head;
}

std::string basic_authorization(std::string_view user, std::string_view password) {
  std::string plain;
  plain.append(user).append(":").append(password);
  std::string encoded(4 * ((plain.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                                reinterpret_cast<const unsigned char*>(plain.data()), static_cast<int>(plain.size()));
  OPENSSL_cleanse(plain.data(), plain.size());
  encoded.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return "Basic " + encoded;
}

net::awaitable<Response> exchange(asio::any_io_executor ex, const Endpoint& at, const ClientSettings& settings,
                                  Request request, BodySink* sink) {
  const std::string where = host_port(at.host, at.port);
  if (!settings.tls) {
    Response out;
    out.failure = Failure::tls;
    out.error = "no TLS client context for " + where;
    co_return out;
  }
  std::string error;
  const std::optional<std::string> head = format_request_head(at, request, error);
  if (!head) {
    Response out;
    out.failure = Failure::protocol;
    out.error = "the request to " + where + " cannot be sent: " + error;
    co_return out;
  }
  Exchange exchange(ex, at, settings);
  // Each step sets out()'s failure when it returns false; no co_await inside a condition (g++ 12).
  const bool connected = co_await exchange.connect();
  if (connected) {
    const bool secured = co_await exchange.handshake();
    if (secured) {
      const bool sent = co_await exchange.send(*head, request);
      if (sent && is_timeout(exchange.write_error())) {
        exchange.fail(Failure::timeout,
                      where + " took nothing for " + std::to_string(settings.inactivity.count()) + " ms (request)");
      } else if (sent) {
        const bool received = co_await exchange.receive(request.method == "HEAD", sink);
        (void)received;
      }
    }
  }
  exchange.close();
  Response out = std::move(exchange.out());
  co_return out;
}

}  // namespace kimgate::rest
