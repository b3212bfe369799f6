#pragma once
// The SMTP client towards the KIM provider's MTA (spec digest §2.2, §4.1, §4.2): implicit TLS
// with the C.CM.TLS-CS client certificate, EHLO, AUTH PLAIN with the mailbox name and the
// unchanged password, then one transaction per message (MAIL, RCPT..., DATA, body, ".").
//
// parse_reply_line() is the pure part: one reply line "250-text" / "250 text" into code,
// continuation flag, enhanced status code and text. The Client reads multi-line replies
// with it under SMTP_TIMEOUT_SERVER; a timeout or a broken connection is a reply with
// code 0 and `failure` set, never an exception. One Client per PVS session; it owns its
// connection and is used from that session's coroutine only.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/connection.h"
#include "smtp/reply_line.h"

namespace kimgate::smtp {

struct UpstreamReply {
  int code = 0;  // 0: no reply (timeout, connection lost, garbage); see failure
  std::string enhanced;
  std::vector<std::string> lines;  // the text of every line
  std::string failure;             // why there is no reply
  bool written = false;            // the request (command or body) was written completely
  bool positive() const { return code >= 200 && code < 400; }
  bool transient() const { return code >= 400 && code < 500; }
  std::string text() const { return lines.empty() ? std::string() : lines.back(); }
};

struct ClientSettings {
  std::shared_ptr<net::asio::ssl::context> tls;  // verifies the provider, holds C.CM.TLS-CS
  net::Duration connect_timeout = std::chrono::seconds(30);
  net::Duration tls_handshake = std::chrono::seconds(30);
  net::Duration server_timeout = std::chrono::minutes(5);  // SMTP_TIMEOUT_SERVER
  std::size_t max_line = 4096;
};

class Client {
 public:
  enum class LoginResult { ok, unreachable, tls_failed, refused, rejected_temporarily, lost };

  explicit Client(const ClientSettings& settings) : settings_(settings) {}
  // The TLS context of the next login instead of settings.tls (an account's own C.CM.TLS-CS).
  void use_tls(std::shared_ptr<net::asio::ssl::context> tls) { tls_ = std::move(tls); }

  // Connect, TLS, greeting, EHLO `helo`, AUTH PLAIN. `detail` gets a sentence on failure.
  // `check`, when set, judges the provider's certificate before anything is sent (tls_failed).
  net::awaitable<LoginResult> login(const std::string& host, std::uint16_t port, const std::string& helo,
                                    const std::string& mailbox, const std::string& password, std::string& detail,
                                    const net::PeerCheck& check = {});
  // One command line (without CRLF), and its reply.
  net::awaitable<UpstreamReply> command(const std::string& line);
  // After a 354: the message (unstuffed, any line ends), dot-stuffed with CRLF, and the final reply.
  // `written` in the reply tells whether the final "." went out (then the provider may have the mail).
  net::awaitable<UpstreamReply> send_body(const std::string& message);
  // QUIT (best effort, its reply awaited for at most a few seconds) and close.
  net::awaitable<void> quit();
  // False before login and after the connection broke or timed out (the connection is dropped then).
  bool connected() const { return conn_ != nullptr; }
  // The host of the last login (the provider's label on /metrics).
  const std::string& host() const { return host_; }

 private:
  net::awaitable<UpstreamReply> read_reply(net::Duration deadline);
  // Writes `wire` as is and reads the reply; drops the connection when no reply comes.
  net::awaitable<UpstreamReply> exchange(const std::string& wire, net::Duration deadline);

  const ClientSettings& settings_;
  std::shared_ptr<net::asio::ssl::context> tls_;  // null: settings_.tls
  std::unique_ptr<net::Connection> conn_;
  std::string host_;
};

}  // namespace kimgate::smtp
