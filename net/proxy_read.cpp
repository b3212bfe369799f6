#include "net/proxy_read.h"

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

}  // namespace kimgate::net
