// The PVS-facing SMTP and POP3 sessions, run for real on 127.0.0.1 with the input as the
// client's bytes: split into chunks the input chooses (down to one byte per read, which is
// what a slow sender looks like to the session), over-long lines, AUTH continuations, and an
// early end. The session must never crash, and every answer line must be a protocol reply.
//
// Input: byte 0 picks the protocol (even: SMTP, odd: POP3), byte 1 the chunk size (1-64), the
// rest is what the client sends; then the client half-closes and reads until the server closes.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>

#include "net/asio.h"
#include "net/connection.h"
#include "net/stoppable.h"
#include "net/tls.h"
#include "pop3/server_session.h"
#include "smtp/server_session.h"

namespace {

namespace asio = kimgate::net::asio;
using kimgate::net::awaitable;
using kimgate::net::tcp;

std::shared_ptr<asio::ssl::context> unused_tls() {
  static auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  return ctx;
}

void check_reply_lines(std::string_view out, bool smtp) {
  std::size_t pos = 0;
  while (pos < out.size()) {
    const std::size_t end = out.find("\r\n", pos);
    if (end == std::string_view::npos) {
      std::abort();  // every answer ends in CRLF
    }
    const std::string_view line = out.substr(pos, end - pos);
    if (line.size() > 1024) {
      std::abort();
    }
    if (smtp) {
      if (line.size() < 4 || line[0] < '2' || line[0] > '5' || (line[3] != ' ' && line[3] != '-')) {
        std::abort();
      }
    } else if (!(line.rfind("+OK", 0) == 0 || line.rfind("-ERR", 0) == 0 || line.rfind("+ ", 0) == 0 || line == "+" ||
                 line == ".")) {
      // POP3: status lines, SASL continuations, and the terminator of CAPA's list
      if (line.empty() || line[0] == '+' || line[0] == '-') {
        std::abort();
      }
    }
    pos = end + 2;
  }
}

template <typename Session, typename Settings>
awaitable<void> serve(tcp::socket socket, const Settings& settings, kimgate::net::StopRegistry& registry) {
  kimgate::net::Connection conn(std::move(socket), unused_tls(), settings.auth_line);
  Session session(conn, settings, registry);
  co_await session.run();
}

awaitable<void> client(tcp::socket& socket, std::string_view input, std::size_t chunk, std::string& out) {
  boost::system::error_code ec;
  for (std::size_t pos = 0; pos < input.size() && !ec; pos += chunk) {
    const std::string_view piece = input.substr(pos, chunk);
    co_await asio::async_write(socket, asio::buffer(piece.data(), piece.size()),
                               asio::redirect_error(asio::use_awaitable, ec));
    co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);  // let the session read
  }
  socket.shutdown(tcp::socket::shutdown_send, ec);
  for (;;) {
    char buf[4096];
    const std::size_t n =
        co_await socket.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
    out.append(buf, n);
    if (ec || out.size() > (8u << 20)) {
      break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) {
    return 0;
  }
  const bool smtp = data[0] % 2 == 0;
  const std::size_t chunk = 1 + data[1] % 64;
  const std::string_view input(reinterpret_cast<const char*>(data + 2), size - 2);

  asio::io_context io(1);
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  tcp::socket client_socket(io);
  client_socket.connect(acceptor.local_endpoint());
  tcp::socket server_socket = acceptor.accept();
  kimgate::net::StopRegistry registry;
  std::string out;

  kimgate::smtp::ServerSettings smtp_settings;
  kimgate::pop3::ServerSettings pop3_settings;
  for (kimgate::net::LineSessionSettings* s : {static_cast<kimgate::net::LineSessionSettings*>(&smtp_settings),
                                               static_cast<kimgate::net::LineSessionSettings*>(&pop3_settings)}) {
    s->implicit_tls = false;
    s->client_timeout = std::chrono::milliseconds(200);
    s->write_timeout = std::chrono::milliseconds(200);
    s->error_cap = 10;
  }
  if (smtp) {
    asio::co_spawn(io, serve<kimgate::smtp::ServerSession>(std::move(server_socket), smtp_settings, registry),
                   asio::detached);
  } else {
    asio::co_spawn(io, serve<kimgate::pop3::ServerSession>(std::move(server_socket), pop3_settings, registry),
                   asio::detached);
  }
  asio::co_spawn(io, client(client_socket, input, chunk, out), asio::detached);
  io.run();
  check_reply_lines(out, smtp);
  return 0;
}
