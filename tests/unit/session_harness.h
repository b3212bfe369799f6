#pragma once
// Runs a real server session coroutine against a scripted client on 127.0.0.1 port 0.
// The client is a coroutine too; both run on one io_context until the script ends.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "net/asio.h"
#include "net/connection.h"
#include "net/stoppable.h"
#include "net/tls.h"

namespace kimgate::testing {

namespace asio = net::asio;
using net::awaitable;
using net::tcp;

// A TLS server context from a self-signed certificate made once per test binary.
inline std::shared_ptr<asio::ssl::context> test_server_tls() {
  static std::shared_ptr<asio::ssl::context> ctx = [] {
    const auto dir = std::filesystem::path(::testing::TempDir()) / "kimgate-session-tls";
    const net::SelfSigned self = net::ensure_self_signed(dir, "kimgate.test");
    EXPECT_TRUE(self.error.empty()) << self.error;
    net::ServerTlsOptions o;
    o.certificate = self.certificate;
    o.key = self.key;
    net::ServerTls tls = net::make_server_tls(o);
    EXPECT_TRUE(tls.context) << tls.error;
    return tls.context;
  }();
  return ctx;
}

// The client side: plain TCP that can switch to TLS, reading CRLF lines.
class Client {
 public:
  explicit Client(asio::io_context& io) : ctx_(asio::ssl::context::tls_client), stream_(io, ctx_) {
    ctx_.set_verify_mode(asio::ssl::verify_none);
  }
  tcp::socket& socket() { return stream_.next_layer(); }

  awaitable<void> start_tls() {
    co_await stream_.async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
    tls_ = true;
  }
  awaitable<void> send(const std::string& data) {
    if (tls_) {
      co_await asio::async_write(stream_, asio::buffer(data), asio::use_awaitable);
    } else {
      co_await asio::async_write(stream_.next_layer(), asio::buffer(data), asio::use_awaitable);
    }
  }
  // One line without CRLF; "" with eof_ set when the server closed.
  awaitable<std::string> line() {
    if (eof_) {
      co_return std::string{};
    }
    boost::system::error_code ec;
    std::size_t n = 0;
    if (tls_) {
      n = co_await asio::async_read_until(stream_, asio::dynamic_buffer(buf_), "\r\n",
                                          asio::redirect_error(asio::use_awaitable, ec));
    } else {
      n = co_await asio::async_read_until(stream_.next_layer(), asio::dynamic_buffer(buf_), "\r\n",
                                          asio::redirect_error(asio::use_awaitable, ec));
    }
    if (ec) {
      eof_ = true;
      co_return std::string{};
    }
    std::string l = buf_.substr(0, n - 2);
    buf_.erase(0, n);
    co_return l;
  }
  // A whole SMTP reply (multi-line joined with '\n').
  awaitable<std::string> smtp_reply() {
    std::string all;
    for (;;) {
      std::string l = co_await line();
      all += (all.empty() ? "" : "\n") + l;
      if (l.size() < 4 || l[3] != '-') {
        co_return all;
      }
    }
  }
  bool closed() const { return eof_; }

 private:
  asio::ssl::context ctx_;
  asio::ssl::stream<tcp::socket> stream_;
  std::string buf_;
  bool tls_ = false;
  bool eof_ = false;
};

// Accepts one connection, runs `server(conn)`, runs `script(client)`; returns when both ended.
using ServerFn = std::function<awaitable<void>(net::Connection&)>;
using ScriptFn = std::function<awaitable<void>(Client&)>;

inline void run_session(const ServerFn& server, const ScriptFn& script) {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto port = acceptor.local_endpoint().port();
  const auto server_side = [&]() -> awaitable<void> {
    tcp::socket s = co_await acceptor.async_accept(asio::use_awaitable);
    net::Connection conn(std::move(s), test_server_tls(), 12288);
    co_await server(conn);
  };
  Client client(io);
  const auto client_side = [&]() -> awaitable<void> {
    co_await client.socket().async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                                           asio::use_awaitable);
    co_await script(client);
    boost::system::error_code ec;
    client.socket().close(ec);  // like a PVS after 221: do not leave the server waiting for close_notify
  };
  const auto rethrow = [](std::exception_ptr e) {
    if (e) {
      std::rethrow_exception(e);
    }
  };
  asio::co_spawn(io, server_side(), rethrow);
  asio::co_spawn(io, client_side(), rethrow);
  io.run();
}

// Runs `Session` (constructed from the connection, `settings` and a registry) against `script`,
// and checks that the session left the registry when it ended.
template <class Session, class Settings>
void run_server_session(const Settings& settings, const ScriptFn& script, net::StopRegistry* reg = nullptr) {
  net::StopRegistry local;
  net::StopRegistry& registry = reg != nullptr ? *reg : local;
  const auto server = [&](net::Connection& conn) -> awaitable<void> {
    Session session(conn, settings, registry);
    co_await session.run();
  };
  run_session(server, script);
  EXPECT_EQ(registry.size(), 0u) << "the session left the registry";
}

}  // namespace kimgate::testing
