#pragma once
// LineSession: the read–dispatch loop that the PVS-facing SMTP and POP3 sessions share.
//
// run() does the implicit-TLS handshake, sends greeting(), then reads one line at a
// time under the client deadline and hands it to on_line(); it answers overlong lines,
// idle timeouts and stop requests with the protocol's texts (virtual hooks), counts
// errors up to the cap, and closes the connection at the end. A derived session keeps
// its own states, command table and handlers. Not copyable; owned by its coroutine.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "net/connection.h"
#include "net/session_log.h"
#include "net/stoppable.h"

namespace kimgate::net {

struct LineSessionSettings {
  bool implicit_tls = true;
  Duration client_timeout = std::chrono::minutes(5);
  Duration write_timeout = std::chrono::minutes(1);
  Duration tls_handshake = std::chrono::seconds(30);
  std::size_t command_line = 512;  // longer lines are refused, except AUTH lines ...
  std::size_t auth_line = 12288;   // ... which may be this long (RFC 4954 §4)
  std::uint64_t error_cap = 10;
};

// For a connection that is over a limit: the TLS handshake on an implicit-TLS listener (so the
// client can read the answer), `text` (e.g. "421 4.7.0 ...\r\n"), and close. Bounded in time.
awaitable<void> refuse_connection(Connection& conn, const LineSessionSettings& settings, std::string_view text);

class LineSession : public Stoppable {
 public:
  enum class Flow { keep, close };

  LineSession(Connection& conn, StopRegistry& registry, std::string proto, const LineSessionSettings& settings);
  LineSession(const LineSession&) = delete;
  LineSession& operator=(const LineSession&) = delete;

  awaitable<void> run();
  void request_stop() override;
  void force_close() override;

 protected:
  // The first line(s) after connect, CRLF-terminated.
  virtual std::string greeting() const = 0;
  virtual awaitable<Flow> on_line(std::string_view line) = 0;
  // Protocol texts, CRLF-terminated.
  virtual std::string_view line_too_long_text() const = 0;
  virtual std::string_view timeout_text() const = 0;
  virtual std::string_view stopping_text() const = 0;
  virtual std::string_view too_many_errors_text() const = 0;
  // Called once when the loop ends, before the connection closes.
  virtual void on_end() {}

  // Writes `text` as is; close on a write error.
  awaitable<Flow> send(std::string_view text);
  // Writes an error reply and counts it; at the cap adds too_many_errors_text() and closes.
  awaitable<Flow> send_error(std::string_view text);
  // Waits `d` without blocking the thread (e.g. before answering a failed login).
  awaitable<void> pause(Duration d);
  // Writes `ready` (e.g. "220 2.0.0 Ready to start TLS\r\n") and upgrades the connection.
  awaitable<Flow> upgrade_to_tls(std::string_view ready, std::string_view event);

  Connection& conn_;
  SessionLog log_;
  const LineSessionSettings& settings_;

 private:
  std::string proto_;  // "smtp" or "pop3", the label of kimgate_sessions_*
  Registration registration_;
  std::uint64_t errors_ = 0;
  bool waiting_for_command_ = false;
  bool stop_requested_ = false;
};

}  // namespace kimgate::net
