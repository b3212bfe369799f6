#include "smtp/login_guard.h"

#include <algorithm>
#include <cctype>

namespace kimgate::smtp {

namespace {
constexpr std::size_t kMaxEntries = 100000;
}

LoginGuard::LoginGuard(int max_failures, std::chrono::milliseconds lock_time, std::function<Clock::time_point()> now)
    : max_failures_(max_failures), lock_time_(lock_time), now_(std::move(now)) {}

std::string LoginGuard::key(const std::string& mailbox) {
  std::string k = mailbox;
  std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return k;
}

std::chrono::milliseconds LoginGuard::locked_for(const std::string& mailbox) {
  std::lock_guard lock(mutex_);
  const auto it = entries_.find(key(mailbox));
  if (it == entries_.end()) {
    return std::chrono::milliseconds(0);
  }
  const auto now = now_();
  if (it->second.locked_until > now) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(it->second.locked_until - now);
  }
  if (it->second.failures >= max_failures_) {
    it->second.failures = 0;  // the lock has run out: a fresh series of tries
  }
  return std::chrono::milliseconds(0);
}

void LoginGuard::failed(const std::string& mailbox) {
  std::lock_guard lock(mutex_);
  const auto now = now_();
  if (entries_.size() >= kMaxEntries && entries_.find(key(mailbox)) == entries_.end()) {
    const auto oldest = std::min_element(entries_.begin(), entries_.end(),
                                         [](const auto& a, const auto& b) { return a.second.last < b.second.last; });
    entries_.erase(oldest);
  }
  Entry& e = entries_[key(mailbox)];
  e.last = now;
  ++e.failures;
  if (e.failures >= max_failures_) {
    e.locked_until = now + lock_time_;
  }
}

void LoginGuard::succeeded(const std::string& mailbox) {
  std::lock_guard lock(mutex_);
  entries_.erase(key(mailbox));
}

}  // namespace kimgate::smtp
