#pragma once
// HttpServer: a small HTTP/1.1 server on Boost.Beast for the admin page. One coroutine per
// connection reads a request with hard limits (header and body size) under a deadline, asks the
// Responder for the answer, writes it, and keeps the connection open while the client wants
// (at most `max_requests` per connection). Oversized requests get 413/431, malformed ones 400,
// and the connection is closed; a client that stalls is cut at the deadline. TCP_NODELAY is set
// on every connection. The Responder owns everything above the bytes (routing, login, pages).
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "net/asio.h"
// after net/asio.h (which includes <utility> first)
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace kimgate::web {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;
// `client` is the peer's address ("127.0.0.1"), for the login throttle and logs.
using Responder = std::function<net::awaitable<Response>(const Request& request, const std::string& client)>;

struct HttpLimits {
  std::uint32_t header_bytes = 8 * 1024;
  std::uint64_t body_bytes = 64 * 1024;
  std::chrono::milliseconds timeout{30000};  // per request: read, respond, write
  std::size_t connections = 32;              // at once; more get 503
  std::size_t max_requests = 100;            // per connection
};

class HttpServer {
 public:
  HttpServer(net::asio::io_context& io, std::string address, std::uint16_t port, HttpLimits limits,
             Responder responder);
  ~HttpServer();
  // Binds the listening socket; a sentence on failure. Port 0 picks a free port (see port()).
  std::optional<std::string> open();
  void start();
  void close();
  std::uint16_t port() const { return bound_port_; }

 private:
  net::awaitable<void> accept_loop();
  net::awaitable<void> serve(net::tcp::socket socket);

  net::asio::io_context& io_;
  std::string address_;
  std::uint16_t port_;
  std::uint16_t bound_port_ = 0;
  HttpLimits limits_;
  Responder responder_;
  net::tcp::acceptor acceptor_;
  std::size_t active_ = 0;
};

// A plain-text response with the given status (used for protocol errors).
Response plain_response(http::status status, std::string text, unsigned version = 11);

}  // namespace kimgate::web
