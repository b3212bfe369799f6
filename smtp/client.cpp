#include "smtp/client.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>

#include "net/dot_stream.h"
#include "net/sasl.h"

namespace kimgate::smtp {

using net::awaitable;

awaitable<UpstreamReply> Client::read_reply(net::Duration deadline) {
  UpstreamReply reply;
  if (!conn_) {
    reply.failure = "no connection to the KIM provider";
    co_return reply;
  }
  for (int lines = 0; lines < 100; ++lines) {
    const net::ReadResult r = co_await conn_->read_line(deadline);
    if (r.ec) {
      reply.failure = r.ec == net::beast::error::timeout ? "the KIM provider did not answer in time"
                                                         : "the KIM provider closed the connection";
      reply.code = 0;
      co_return reply;
    }
    if (r.line.kind != net::Line::Kind::complete) {
      reply.failure = "the KIM provider sent an overlong reply line";
      co_return reply;
    }
    const auto parsed = parse_reply_line(r.line.text);
    if (!parsed || (reply.code != 0 && parsed->code != reply.code)) {
      reply.code = 0;
      reply.failure = "the KIM provider sent a malformed reply";
      co_return reply;
    }
    reply.code = parsed->code;
    if (!parsed->enhanced.empty()) {
      reply.enhanced = parsed->enhanced;
    }
    reply.lines.push_back(parsed->text);
    if (!parsed->more) {
      co_return reply;
    }
  }
  reply.code = 0;
  reply.failure = "the KIM provider sent a reply of more than 100 lines";
  co_return reply;
}

awaitable<UpstreamReply> Client::command(const std::string& line) {
  if (!conn_) {
    UpstreamReply none;
    none.failure = "no connection to the KIM provider";
    co_return none;
  }
  const std::string wire = line + "\r\n";
  UpstreamReply reply = co_await exchange(wire, settings_.server_timeout);
  co_return reply;
}

namespace {
UpstreamReply broke_while_sending() {
  UpstreamReply lost;
  lost.failure = "the connection to the KIM provider broke while sending";
  return lost;
}
}  // namespace

awaitable<UpstreamReply> Client::exchange(const std::string& wire, net::Duration deadline) {
  const auto ec = co_await conn_->write(wire, deadline);
  if (ec) {
    conn_.reset();
    co_return broke_while_sending();
  }
  UpstreamReply reply = co_await read_reply(deadline);
  reply.written = true;
  if (reply.code == 0) {
    // A provider that timed out or sent garbage is out of step with us: nothing more goes to it.
    conn_->close();
    conn_.reset();
  }
  co_return reply;
}

awaitable<Client::LoginResult> Client::login(const std::string& host, std::uint16_t port, const std::string& helo,
                                             const std::string& mailbox, const std::string& password,
                                             std::string& detail, const net::PeerCheck& check) {
  const std::string where = host + ":" + std::to_string(port);
  host_ = host;
  const auto ex = co_await net::asio::this_coro::executor;
  std::string error;
  std::unique_ptr<net::Connection> up = co_await net::Connection::connect(
      ex, host, port, tls_ ? tls_ : settings_.tls, settings_.max_line, settings_.connect_timeout, error);
  if (!up) {
    detail = "cannot connect to the KIM provider at " + where + " (" + error + ")";
    co_return LoginResult::unreachable;
  }
  const auto tls = co_await up->start_tls_client(settings_.tls_handshake, host);
  if (tls) {
    detail = "TLS with the KIM provider at " + where +
             " failed: its certificate was not accepted or it refused our client certificate";
    co_return LoginResult::tls_failed;
  }
  if (check) {
    std::vector<std::uint8_t> der = up->peer_certificate_der();
    const std::optional<std::string> refused = co_await check(std::move(der));
    if (refused) {
      detail = "the TLS certificate of the KIM provider at " + where + " was not accepted: " + *refused;
      co_return LoginResult::tls_failed;
    }
  }
  conn_ = std::move(up);
  const UpstreamReply greeting = co_await read_reply(settings_.server_timeout);
  if (greeting.code != 220) {
    detail = "the KIM provider at " + where + " did not greet (" +
             (greeting.code ? std::to_string(greeting.code) + " " + greeting.text() : greeting.failure) + ")";
    conn_.reset();
    co_return LoginResult::unreachable;
  }
  const std::string ehlo_line = "EHLO " + helo;
  const UpstreamReply ehlo = co_await command(ehlo_line);
  if (ehlo.code != 250) {
    detail = "the KIM provider at " + where + " refused EHLO (" +
             (ehlo.code ? std::to_string(ehlo.code) + " " + ehlo.text() : ehlo.failure) + ")";
    conn_.reset();
    co_return LoginResult::unreachable;
  }
  std::string plain;
  plain.push_back('\0');
  plain += mailbox;
  plain.push_back('\0');
  plain += password;
  std::string auth_line = "AUTH PLAIN " + net::encode_base64(plain);
  OPENSSL_cleanse(plain.data(), plain.size());
  const UpstreamReply auth = co_await command(auth_line);
  OPENSSL_cleanse(auth_line.data(), auth_line.size());
  if (auth.code == 235) {
    co_return LoginResult::ok;
  }
  if (auth.code == 0) {
    detail = auth.failure;
    conn_.reset();
    co_return LoginResult::lost;
  }
  detail = "the KIM provider answered " + std::to_string(auth.code) + " " + auth.text();
  conn_.reset();
  co_return auth.transient() ? LoginResult::rejected_temporarily : LoginResult::refused;
}

awaitable<UpstreamReply> Client::send_body(const std::string& message) {
  if (!conn_) {
    UpstreamReply none;
    none.failure = "no connection to the KIM provider";
    co_return none;
  }
  // Stuffed and written in slices: the I/O thread never stuffs a whole 20 MiB KIM message in one
  // go (other sessions wait meanwhile), and no stuffed copy of the whole message exists.
  constexpr std::size_t kSlice = 256 * 1024;
  std::string wire;
  wire.reserve(std::min(message.size(), kSlice) + kSlice / 50 + 8);
  net::DotEncoder encoder([&wire](std::string_view s) { wire.append(s); });
  const std::string_view text(message);
  for (std::size_t at = 0; at < text.size(); at += kSlice) {
    encoder.feed(text.substr(at, kSlice));
    if (at + kSlice >= text.size()) {
      break;  // the last slice goes out with the terminator
    }
    const auto ec = co_await conn_->write(wire, settings_.server_timeout);
    OPENSSL_cleanse(wire.data(), wire.size());
    wire.clear();
    if (ec) {
      conn_.reset();
      co_return broke_while_sending();
    }
  }
  encoder.finish();
  UpstreamReply reply = co_await exchange(wire, settings_.server_timeout);
  OPENSSL_cleanse(wire.data(), wire.size());
  co_return reply;
}

awaitable<void> Client::quit() {
  if (!conn_) {
    co_return;
  }
  // The PVS is leaving; a provider that does not answer QUIT promptly holds nobody up.
  const net::Duration grace = std::min<net::Duration>(settings_.server_timeout, std::chrono::seconds(5));
  const std::string wire = "QUIT\r\n";
  const UpstreamReply bye = co_await exchange(wire, grace);
  (void)bye;
  if (conn_) {
    co_await conn_->shutdown(grace);
    conn_.reset();
  }
}

}  // namespace kimgate::smtp
