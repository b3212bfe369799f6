#include "pop3/client.h"

#include <openssl/crypto.h>

#include "pop3/multiline.h"

namespace kimgate::pop3 {

using net::awaitable;

namespace {

UpstreamReply no_reply(std::string failure) {
  UpstreamReply r;
  r.failure = std::move(failure);
  return r;
}

}  // namespace

Client::~Client() = default;

awaitable<UpstreamReply> Client::read_status() {
  if (!conn_) {
    co_return no_reply("no connection to the KIM provider");
  }
  const net::ReadResult r = co_await conn_->read_line(settings_.server_timeout);
  if (r.ec) {
    co_return no_reply(r.ec == net::beast::error::timeout ? "the KIM provider did not answer in time"
                                                          : "the KIM provider closed the connection");
  }
  if (r.line.kind != net::Line::Kind::complete) {
    co_return no_reply("the KIM provider sent an overlong status line");
  }
  UpstreamReply reply;
  reply.status = r.line.text.rfind("+OK", 0) == 0 ? UpstreamReply::Status::ok : UpstreamReply::Status::err;
  reply.line = r.line.text;
  co_return reply;
}

awaitable<UpstreamReply> Client::command(const std::string& line) {
  if (!conn_) {
    co_return no_reply("no connection to the KIM provider");
  }
  std::string wire = line + "\r\n";
  const auto ec = co_await conn_->write(wire, settings_.server_timeout);
  OPENSSL_cleanse(wire.data(), wire.size());  // PASS goes through here
  if (ec) {
    co_return no_reply("the connection to the KIM provider broke while sending");
  }
  UpstreamReply reply = co_await read_status();
  co_return reply;
}

awaitable<MultilineReply> Client::command_multiline(const std::string& line, std::uint64_t limit) {
  MultilineReply out;
  UpstreamReply status = co_await command(line);
  out.status = std::move(status);
  if (!out.status.ok()) {
    co_return out;
  }
  MultilineReader reader(limit);
  while (reader.status() == MultilineReader::Status::more) {
    std::string chunk;
    const auto ec = co_await conn_->read_some(chunk, settings_.server_timeout);
    if (ec && chunk.empty()) {
      out.status.failure = ec == net::beast::error::timeout ? "the KIM provider stopped sending in the middle"
                                                            : "the KIM provider closed the connection in the middle";
      co_return out;
    }
    reader.feed(chunk);
    OPENSSL_cleanse(chunk.data(), chunk.size());
  }
  if (reader.status() != MultilineReader::Status::done) {
    OPENSSL_cleanse(reader.body().data(), reader.body().size());
    out.status.failure = "the reply is larger than " + std::to_string(limit) + " octets";
    co_return out;
  }
  out.complete = true;
  out.raw = reader.raw();
  out.body = std::move(reader.body());
  co_return out;
}

awaitable<UpstreamReply> Client::quit() {
  const std::string line = "QUIT";
  UpstreamReply reply = co_await command(line);
  conn_.reset();
  co_return reply;
}

namespace {
// A refused USER/PASS: temporary when its RFC 2449/3206 response code says so (Dovecot answers
// its per-user connection limit with [IN-USE] or [SYS/TEMP]), else a wrong user or password.
Client::LoginResult refusal_of(std::string_view line) {
  for (std::string_view code : {"[SYS/TEMP]", "[IN-USE]", "[LOGIN-DELAY]"}) {
    if (line.find(code) != std::string_view::npos) {
      return Client::LoginResult::rejected_temporarily;
    }
  }
  return Client::LoginResult::refused;
}
}  // namespace

awaitable<Client::LoginResult> Client::login(const std::string& host, std::uint16_t port, const std::string& mailbox,
                                             const std::string& password, std::string& detail,
                                             const net::PeerCheck& check) {
  const std::string where = host + ":" + std::to_string(port);
  const auto ex = co_await net::asio::this_coro::executor;
  net::Connection::TlsClient up =
      co_await net::Connection::connect_tls(ex, host, port, tls_ ? tls_ : settings_.tls, settings_.max_line,
                                            settings_.connect_timeout, settings_.tls_handshake);
  if (!up.connection) {
    detail = up.error;
    co_return up.failure == net::Connection::TlsClient::Failure::tls ? LoginResult::tls_failed
                                                                     : LoginResult::unreachable;
  }
  if (check) {
    std::vector<std::uint8_t> der = up.connection->peer_certificate_der();
    const std::optional<std::string> refused = co_await check(std::move(der));
    if (refused) {
      detail = "the TLS certificate of the KIM provider at " + where + " was not accepted: " + *refused;
      co_return LoginResult::tls_failed;
    }
  }
  conn_ = std::move(up.connection);
  // Every co_await result is bound to a local first (g++ 12, see docs/decisions.md).
  const UpstreamReply greeting = co_await read_status();
  if (!greeting.ok()) {
    detail = greeting.lost() ? greeting.failure : "the KIM provider at " + where + " did not greet: " + greeting.line;
    conn_.reset();
    co_return greeting.lost() ? LoginResult::lost : LoginResult::refused;
  }
  const std::string user_line = "USER " + mailbox;
  const UpstreamReply user = co_await command(user_line);
  if (!user.ok()) {
    detail = user.lost() ? user.failure : "USER refused: " + user.line;
    conn_.reset();
    co_return user.lost() ? LoginResult::lost : refusal_of(user.line);
  }
  std::string pass_line = "PASS " + password;
  const UpstreamReply pass = co_await command(pass_line);
  OPENSSL_cleanse(pass_line.data(), pass_line.size());
  if (!pass.ok()) {
    detail = pass.lost() ? pass.failure : "PASS refused: " + pass.line;
    conn_.reset();
    co_return pass.lost() ? LoginResult::lost : refusal_of(pass.line);
  }
  co_return LoginResult::ok;
}

}  // namespace kimgate::pop3
