#pragma once
// The POP3 client towards the KIM provider's mailbox (spec digest §5.1, §5.2): implicit TLS
// with the C.CM.TLS-CS client certificate, the greeting, USER/PASS with the mailbox name and
// the PVS's password, then one command at a time: a single-line reply, or a multi-line reply
// read with MultilineReader up to a limit, and QUIT.
//
// Replies are values: a status line is `ok` ("+OK ...") or `err` (anything else the provider
// says), and `none` when there is no reply (timeout, connection lost, overlong line), with a
// sentence in `failure`; nothing throws on peer behaviour. The line itself is kept unchanged
// so the session can relay it to the PVS (KOM-LE-A_2040). One Client per PVS session; it owns
// its connection and is used from that session's coroutine only.
#include <cstdint>
#include <memory>
#include <string>

#include "net/connection.h"

namespace kimgate::pop3 {

struct ClientSettings {
  std::shared_ptr<net::asio::ssl::context> tls;  // verifies the provider, holds C.CM.TLS-CS; null: none
  net::Duration connect_timeout = std::chrono::seconds(30);
  net::Duration tls_handshake = std::chrono::seconds(30);
  net::Duration server_timeout = std::chrono::minutes(5);  // POP3_TIMEOUT_SERVER
  std::size_t max_line = 12288;
};

// One status line from the provider.
struct UpstreamReply {
  enum class Status { ok, err, none };
  Status status = Status::none;
  std::string line;     // as received, without CRLF; empty for none
  std::string failure;  // why there is no reply (none only)
  bool ok() const { return status == Status::ok; }
  bool lost() const { return status == Status::none; }
};

// A command whose +OK is followed by a dot-terminated body (LIST, UIDL, TOP, RETR).
struct MultilineReply {
  UpstreamReply status;
  bool complete = false;  // the body was read to its terminator (only after +OK)
  std::string raw;        // the body as on the wire, terminator included (for relaying)
  std::string body;       // unstuffed, CRLF kept, without the terminator
};

class Client {
 public:
  // Each failure names its own PVS reply: unreachable (connect), tls_failed (handshake),
  // refused (greeting, USER or PASS answered -ERR), lost (no answer during the login).
  // rejected_temporarily: the provider answered PASS (or USER) with an RFC 2449/3206 code that
  // says "not now" ([SYS/TEMP], [IN-USE], [LOGIN-DELAY]): no verdict on the password.
  enum class LoginResult { ok, unreachable, tls_failed, refused, rejected_temporarily, lost };

  explicit Client(const ClientSettings& settings) : settings_(settings) {}
  // The TLS context of the next login instead of settings.tls (an account's own C.CM.TLS-CS).
  void use_tls(std::shared_ptr<net::asio::ssl::context> tls) { tls_ = std::move(tls); }
  ~Client();

  // Connect, TLS (server checked against the host the PVS named), greeting, USER `mailbox`,
  // PASS `password`. `detail` gets a sentence for the log on failure (never the password).
  // `check`, when set, judges the provider's certificate before anything is sent (tls_failed).
  net::awaitable<LoginResult> login(const std::string& host, std::uint16_t port, const std::string& mailbox,
                                    const std::string& password, std::string& detail, const net::PeerCheck& check = {});
  // One command line (without CRLF) and its status line.
  net::awaitable<UpstreamReply> command(const std::string& line);
  // One command line; after +OK its body, up to `limit` unstuffed octets (larger: incomplete).
  net::awaitable<MultilineReply> command_multiline(const std::string& line, std::uint64_t limit);
  // QUIT (the provider commits DELEs now) and its reply; the connection is closed afterwards.
  net::awaitable<UpstreamReply> quit();
  bool connected() const { return conn_ != nullptr; }
  void close() { conn_.reset(); }

 private:
  net::awaitable<UpstreamReply> read_status();

  ClientSettings settings_;
  std::shared_ptr<net::asio::ssl::context> tls_;  // null: settings_.tls
  std::unique_ptr<net::Connection> conn_;
};

}  // namespace kimgate::pop3
