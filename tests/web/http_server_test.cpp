// HttpServer on 127.0.0.1 port 0 against raw sockets: hard limits on headers and body (413/431
// before the responder sees anything), malformed requests (400), a stalled client cut at the
// deadline, keep-alive, and TCP_NODELAY on the server's side of each connection.
#include "web/http_server.h"

#include <gtest/gtest.h>
#include <netinet/tcp.h>

#include <atomic>
#include <thread>

namespace kimgate::web {
namespace {

namespace asio = net::asio;
using net::tcp;

struct ServerFixture : ::testing::Test {
  void SetUp() override {
    HttpLimits limits;
    limits.header_bytes = 1024;
    limits.body_bytes = 2048;
    limits.timeout = std::chrono::milliseconds(500);
    const auto responder = [this](const Request& request, const std::string& client) -> net::awaitable<Response> {
      ++calls;
      Response r{http::status::ok, 11};
      r.body() = "seen " + std::string(request.target()) + " from " + client + " body " +
                 std::to_string(request.body().size());
      co_return r;
    };
    server = std::make_unique<HttpServer>(io, "127.0.0.1", 0, limits, responder);
    ASSERT_FALSE(server->open().has_value());
    server->start();
    thread = std::thread([this] { io.run(); });
  }
  void TearDown() override {
    const auto stop = [this] {
      server->close();
      io.stop();
    };
    asio::post(io, stop);
    thread.join();
  }

  // Sends raw bytes and reads until the server closes or `timeout` passes.
  std::string exchange(const std::string& bytes, std::chrono::milliseconds timeout = std::chrono::seconds(3)) {
    asio::io_context client_io;
    tcp::socket s(client_io);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server->port()));
    const timeval tv{static_cast<time_t>(timeout.count() / 1000),
                     static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
    ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    boost::system::error_code ec;
    asio::write(s, asio::buffer(bytes), ec);
    std::string out;
    char buf[4096];
    for (;;) {
      const std::size_t n = s.read_some(asio::buffer(buf), ec);
      if (ec) {
        break;
      }
      out.append(buf, n);
    }
    return out;
  }

  asio::io_context io;
  std::unique_ptr<HttpServer> server;
  std::thread thread;
  std::atomic<int> calls{0};
};

TEST_F(ServerFixture, AnswersAndKeepsTheConnectionWhenAsked) {
  const std::string out = exchange(
      "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(out.find("seen /a from 127.0.0.1 body 0"), std::string::npos);
  EXPECT_NE(out.find("seen /b from 127.0.0.1"), std::string::npos);
  EXPECT_EQ(calls.load(), 2);
}

TEST_F(ServerFixture, OversizedBodyIs413BeforeTheResponder) {
  const std::string out =
      exchange("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" + std::string(5000, 'a'));
  EXPECT_EQ(out.rfind("HTTP/1.1 413", 0), 0U) << out;
  EXPECT_EQ(calls.load(), 0);
}

TEST_F(ServerFixture, BodyAtTheLimitIsAccepted) {
  const std::string out = exchange("POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 2048\r\n\r\n" +
                                   std::string(2048, 'a'));
  EXPECT_NE(out.find("body 2048"), std::string::npos) << out;
}

TEST_F(ServerFixture, OversizedHeadersAre431) {
  const std::string out = exchange("GET / HTTP/1.1\r\nHost: x\r\nX-Long: " + std::string(2000, 'b') + "\r\n\r\n");
  EXPECT_EQ(out.rfind("HTTP/1.1 431", 0), 0U) << out;
  EXPECT_EQ(calls.load(), 0);
}

TEST_F(ServerFixture, GarbageIs400) {
  const std::string out = exchange("HELO example\r\n\r\n");
  EXPECT_EQ(out.rfind("HTTP/1.1 400", 0), 0U) << out;
  EXPECT_EQ(calls.load(), 0);
}

TEST_F(ServerFixture, StalledClientIsCutAtTheDeadline) {
  const auto start = std::chrono::steady_clock::now();
  const std::string out = exchange("GET / HTTP/1.1\r\nHost: x\r\n", std::chrono::seconds(5));
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(out.empty()) << out;
  EXPECT_GE(took, std::chrono::milliseconds(400));
  EXPECT_LT(took, std::chrono::seconds(4));
}

TEST_F(ServerFixture, RefusesAnAddressThatIsNotAnIp) {
  HttpServer other(io, "localhost", 0, HttpLimits{}, nullptr);
  const auto err = other.open();
  ASSERT_TRUE(err.has_value());
  EXPECT_NE(err->find("not an IP address"), std::string::npos);
}

}  // namespace
}  // namespace kimgate::web
