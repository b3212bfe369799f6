// net::closed_without_data(): a balancer's health check (LOCAL header, then the close) against a
// client that speaks, and one that waits.
#include "net/proxy_read.h"

#include <gtest/gtest.h>

namespace kimgate::net {
namespace {

using namespace std::chrono_literals;

// Runs closed_without_data on the accepted side of a loopback connection; `peer` acts on the other.
template <class Peer>
bool run(Peer peer, Duration deadline, std::string* left = nullptr) {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  tcp::socket client(io);
  client.connect(acceptor.local_endpoint());
  tcp::socket server = acceptor.accept();
  peer(client);
  bool result = false;
  asio::co_spawn(
      io,
      [&]() -> awaitable<void> {
        result = co_await closed_without_data(server, deadline);
        if (left != nullptr && !result) {
          boost::system::error_code ec;
          char buf[16];
          const std::size_t n = server.read_some(asio::buffer(buf), ec);
          *left = std::string(buf, n);
        }
      },
      asio::detached);
  io.run();
  return result;
}

TEST(ClosedWithoutData, APeerThatClosesIsAHealthCheck) {
  EXPECT_TRUE(run([](tcp::socket& c) { c.close(); }, 5s));
}

TEST(ClosedWithoutData, APeerThatSpeaksIsNotAndItsBytesStay) {
  std::string left;
  EXPECT_FALSE(run([](tcp::socket& c) { asio::write(c, asio::buffer(std::string("\x16\x03\x01"))); }, 5s, &left));
  EXPECT_EQ(left, "\x16\x03\x01");
}

TEST(ClosedWithoutData, APeerThatWaitsIsNot) {
  EXPECT_FALSE(run([](tcp::socket&) {}, 50ms));
}

}  // namespace
}  // namespace kimgate::net
