#include "net/proxy_read.h"

#include <memory>

namespace kimgate::net {

awaitable<ProxyRead> read_proxy_header(tcp::socket& socket, Duration deadline) {
  ProxyRead out;
  beast::tcp_stream stream(std::move(socket));
  stream.expires_after(deadline);
  std::string bytes;
  for (;;) {
    const ProxyParse parsed = parse_proxy_header(bytes);
    if (parsed.status == ProxyParse::Status::complete) {
      out.header = parsed.header;
      break;
    }
    if (parsed.status == ProxyParse::Status::invalid) {
      out.error = parsed.error;
      break;
    }
    const std::size_t have = bytes.size();
    bytes.resize(parsed.need);
    boost::system::error_code ec;
    co_await asio::async_read(stream, asio::buffer(bytes.data() + have, parsed.need - have),
                              asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      out.error = ec == beast::error::timeout
                      ? "no PROXY protocol header within " + std::to_string(deadline.count() / 1000) + " s"
                      : "the connection ended before the PROXY protocol header was complete (" + ec.message() + ")";
      break;
    }
  }
  stream.expires_never();
  socket = stream.release_socket();
  co_return out;
}

awaitable<bool> closed_without_data(tcp::socket& socket, Duration deadline) {
  struct Watch {
    explicit Watch(tcp::socket& s) : timer(s.get_executor()) {}
    asio::steady_timer timer;
    bool expired = false;
  };
  auto watch = std::make_shared<Watch>(socket);
  watch->timer.expires_after(deadline);
  watch->timer.async_wait([watch, &socket](const boost::system::error_code& ec) {
    if (!ec) {  // still waiting when the deadline passed (a cancelled timer touches nothing)
      watch->expired = true;
      boost::system::error_code ignored;
      socket.cancel(ignored);
    }
  });
  char byte = 0;
  boost::system::error_code ec;
  const std::size_t n = co_await socket.async_receive(asio::buffer(&byte, 1), tcp::socket::message_peek,
                                                      asio::redirect_error(asio::use_awaitable, ec));
  watch->timer.cancel();
  // A peeked read of 0 bytes is the peer's close, which asio reports as eof (or a reset).
  co_return !watch->expired && n == 0 && (ec == asio::error::eof || ec == asio::error::connection_reset);
}

}  // namespace kimgate::net
