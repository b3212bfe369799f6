#include "web/http_server.h"

#include <spdlog/spdlog.h>

namespace kimgate::web {

namespace asio = net::asio;
namespace beast = net::beast;
using net::awaitable;
using net::tcp;

HttpServer::HttpServer(asio::io_context& io, std::string address, std::uint16_t port, HttpLimits limits,
                       Responder responder)
    : io_(io),
      address_(std::move(address)),
      port_(port),
      limits_(limits),
      responder_(std::move(responder)),
      acceptor_(io) {}

HttpServer::~HttpServer() {
  close();
}

std::optional<std::string> HttpServer::open() {
  boost::system::error_code ec;
  const asio::ip::address address = asio::ip::make_address(address_, ec);
  if (ec) {
    return "web.address \"" + address_ + "\" is not an IP address";
  }
  const tcp::endpoint endpoint(address, port_);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) {
    acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    acceptor_.bind(endpoint, ec);
  }
  if (!ec) {
    acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    return "cannot listen for the admin page on " + address_ + ":" + std::to_string(port_) + ": " + ec.message();
  }
  bound_port_ = acceptor_.local_endpoint(ec).port();
  return std::nullopt;
}

void HttpServer::start() {
  asio::co_spawn(io_, accept_loop(), asio::detached);
}

void HttpServer::close() {
  if (acceptor_.is_open()) {
    boost::system::error_code ec;
    acceptor_.close(ec);
  }
}

awaitable<void> HttpServer::accept_loop() {
  for (;;) {
    boost::system::error_code ec;
    tcp::socket socket = co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (!acceptor_.is_open()) {
        co_return;
      }
      continue;  // e.g. EMFILE: keep serving the others
    }
    const auto on_done = [](std::exception_ptr e) {
      if (e) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          spdlog::warn("event=web_session_failed reason=\"{}\"", ex.what());
        }
      }
    };
    asio::co_spawn(io_, serve(std::move(socket)), on_done);
  }
}

Response plain_response(http::status status, std::string text, unsigned version) {
  Response res{status, version};
  res.set(http::field::content_type, "text/plain; charset=utf-8");
  res.set(http::field::cache_control, "no-store");
  res.set("X-Content-Type-Options", "nosniff");
  res.body() = std::move(text);
  res.keep_alive(false);
  res.prepare_payload();
  return res;
}

namespace {

// The answer to a request that could not be read, or nullopt when the peer just went away.
std::optional<Response> read_failure(const boost::system::error_code& ec) {
  if (ec == http::error::body_limit) {
    return plain_response(http::status::payload_too_large, "Die Anfrage ist zu groß.\n");
  }
  if (ec == http::error::header_limit) {
    return plain_response(http::status::request_header_fields_too_large, "Die Kopfzeilen der Anfrage sind zu groß.\n");
  }
  if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == beast::error::timeout ||
      ec == asio::error::connection_reset || ec == asio::error::operation_aborted) {
    return std::nullopt;
  }
  return plain_response(http::status::bad_request, "Die Anfrage ist kein gültiges HTTP/1.1.\n");
}

}  // namespace

awaitable<void> HttpServer::serve(tcp::socket socket) {
  boost::system::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  const std::string client = socket.remote_endpoint(ec).address().to_string();
  beast::tcp_stream stream(std::move(socket));
  struct Active {
    std::size_t& n;
    explicit Active(std::size_t& count) : n(count) { ++n; }
    ~Active() { --n; }
  } active(active_);
  if (active_ > limits_.connections) {
    stream.expires_after(limits_.timeout);
    Response busy = plain_response(http::status::service_unavailable, "Zu viele Verbindungen; bitte gleich erneut.\n");
    co_await http::async_write(stream, busy, asio::redirect_error(asio::use_awaitable, ec));
    co_return;
  }
  beast::flat_buffer buffer;
  for (std::size_t served = 0; served < limits_.max_requests; ++served) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(limits_.header_bytes);
    parser.body_limit(limits_.body_bytes);
    stream.expires_after(limits_.timeout);
    co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      std::optional<Response> failure = read_failure(ec);
      if (failure) {
        spdlog::info("event=web_bad_request peer={} reason=\"{}\"", client, ec.message());
        co_await http::async_write(stream, *failure, asio::redirect_error(asio::use_awaitable, ec));
      }
      break;
    }
    const Request request = parser.release();
    Response response = co_await responder_(request, client);
    const bool keep = request.keep_alive() && served + 1 < limits_.max_requests && response.keep_alive();
    response.version(request.version());
    response.keep_alive(keep);
    response.prepare_payload();
    stream.expires_after(limits_.timeout);
    co_await http::async_write(stream, response, asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !keep) {
      break;
    }
  }
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

}  // namespace kimgate::web
