#pragma once
// An in-process TLS server for the typed REST clients' tests: it answers a scripted sequence of
// connections, one reply each, and records every request it read (method, target, headers, body).
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "net/tls.h"
#include "rest/http_client.h"

namespace kimgate::rest::test_server {

namespace http = boost::beast::http;
using net::tcp;

struct Seen {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

class ScriptedServer {
 public:
  ScriptedServer(asio::io_context& io, std::vector<std::string> replies)
      : acceptor_(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)), replies_(std::move(replies)) {
    const auto dir = std::filesystem::path(::testing::TempDir()) / "kimgate-rest-scripted-tls";
    const net::SelfSigned self = net::ensure_self_signed(dir, "kimgate.test");
    net::ServerTlsOptions o;
    o.certificate = self.certificate;
    o.key = self.key;
    server_tls_ = net::make_server_tls(o).context;
    client_tls_ = net::make_client_tls(net::ClientTlsOptions{{}, self.certificate}).context;
    asio::co_spawn(io, serve(), asio::detached);
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  ClientSettings settings() const {
    ClientSettings s;
    s.tls = client_tls_;
    s.inactivity = std::chrono::seconds(5);
    return s;
  }
  std::vector<Seen> seen;

 private:
  net::awaitable<void> serve() {
    for (const std::string& reply : replies_) {
      boost::system::error_code ec;
      tcp::socket socket = co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      asio::ssl::stream<tcp::socket> stream(std::move(socket), *server_tls_);
      co_await stream.async_handshake(asio::ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, ec));
      boost::beast::flat_buffer buffer;
      http::request_parser<http::string_body> parser;
      co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
      Seen s;
      s.method = std::string(parser.get().method_string());
      s.target = std::string(parser.get().target());
      for (const auto& f : parser.get()) {
        std::string name(f.name_string());
        std::transform(name.begin(), name.end(), name.begin(), ::tolower);
        s.headers[name] = std::string(f.value());
      }
      s.body = parser.get().body();
      seen.push_back(std::move(s));
      co_await asio::async_write(stream, asio::buffer(reply), asio::redirect_error(asio::use_awaitable, ec));
      stream.next_layer().close(ec);
    }
    acceptor_.close();  // a further connection is refused: proves a cache answered
  }

  tcp::acceptor acceptor_;
  std::vector<std::string> replies_;
  std::shared_ptr<asio::ssl::context> server_tls_;
  std::shared_ptr<asio::ssl::context> client_tls_;
};

inline std::string json_reply(const std::string& status, const std::string& body) {
  return "HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

// Runs the io_context until `task` is done (the scripted server keeps waiting for connections).
template <typename T>
T run_on(asio::io_context& io, net::awaitable<T> task) {
  T out{};
  bool done = false;
  auto wrap = [&]() -> net::awaitable<void> {
    out = co_await std::move(task);
    done = true;
  };
  asio::co_spawn(io, wrap(), asio::detached);
  io.restart();
  while (!done && io.run_one() > 0) {
  }
  return out;
}

}  // namespace kimgate::rest::test_server
