#pragma once
// SessionStore: the admin page's logins. A session is a random 256-bit id (the cookie) with
// its own random 256-bit CSRF token; it ends at logout or after `idle` without a request.
// LoginThrottle: how long a login attempt from one client address waits, doubled per failure
// in a row (at most 8 x the base delay), reset by a success. Both are owned by one WebApp and
// used from its strand only; the clock is injected so that tests can move time.
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace kimgate::web {

using Clock = std::chrono::steady_clock;
using NowFn = std::function<Clock::time_point()>;

// 32 random bytes as 64 lower-case hex digits (getrandom); throws only when the kernel has none.
std::string random_token();

// Constant-time comparison of two tokens.
bool same_token(std::string_view a, std::string_view b);

struct WebSession {
  std::string id;
  std::string csrf;
  Clock::time_point last_seen;
  bool english = false;  // the admin asked for English error texts (?lang=en)
};

class SessionStore {
 public:
  SessionStore(Clock::duration idle, NowFn now, std::size_t max_sessions = 32)
      : idle_(idle), now_(std::move(now)), max_sessions_(max_sessions) {}

  // A new session; the oldest is dropped when max_sessions are open.
  const WebSession& create();
  // The live session with this id (its idle time restarts), or nullptr when unknown or expired.
  WebSession* touch(std::string_view id);
  void erase(std::string_view id);
  std::size_t size() const { return sessions_.size(); }

 private:
  void expire();

  Clock::duration idle_;
  NowFn now_;
  std::size_t max_sessions_;
  std::map<std::string, WebSession, std::less<>> sessions_;
};

class LoginThrottle {
 public:
  explicit LoginThrottle(Clock::duration base) : base_(base) {}
  // How long an attempt from `client` must wait before it is checked.
  Clock::duration delay_for(const std::string& client) const;
  void failed(const std::string& client);
  void succeeded(const std::string& client) { failures_.erase(client); }

 private:
  Clock::duration base_;
  std::map<std::string, unsigned> failures_;  // bounded: at most 1024 clients remembered
};

}  // namespace kimgate::web
