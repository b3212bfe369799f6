#pragma once
// LoginGuard: after `max_failures` failed logins in a row for one mailbox, further logins
// for that mailbox are refused until `lock_time` has passed (as the KVen's portals do);
// a successful login resets the count. Mailboxes are compared ASCII case-insensitively.
// Other mailboxes are unaffected. Thread-safe; bounded (oldest entries dropped).
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace kimgate::smtp {

class LoginGuard {
 public:
  using Clock = std::chrono::steady_clock;
  LoginGuard(
      int max_failures, std::chrono::milliseconds lock_time,
      std::function<Clock::time_point()> now = [] { return Clock::now(); });

  // Zero when a login may be tried, else how long the lock still lasts.
  std::chrono::milliseconds locked_for(const std::string& mailbox);
  void failed(const std::string& mailbox);
  void succeeded(const std::string& mailbox);

 private:
  struct Entry {
    int failures = 0;
    Clock::time_point locked_until{};
    Clock::time_point last{};
  };
  static std::string key(const std::string& mailbox);

  int max_failures_;
  std::chrono::milliseconds lock_time_;
  std::function<Clock::time_point()> now_;
  std::mutex mutex_;
  std::map<std::string, Entry> entries_;
};

}  // namespace kimgate::smtp
