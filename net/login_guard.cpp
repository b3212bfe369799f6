#include "net/login_guard.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <string>
#include <utility>

#include "net/metrics.h"

namespace kimgate::net {

namespace {
constexpr std::size_t kMaxEntries = 100000;

std::string key_of(const std::string& mailbox, const std::string& client) {
  std::string k = mailbox;
  std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return k + "\n" + client;
}
}  // namespace

LoginGuard::LoginGuard(Settings settings, std::function<Clock::time_point()> now)
    : settings_(settings), now_(std::move(now)) {
  if (RAND_bytes(hmac_key_.data(), static_cast<int>(hmac_key_.size())) != 1) {
    throw std::runtime_error("LoginGuard: no random key for the password fingerprints (RAND_bytes failed)");
  }
}

LoginGuard::Fingerprint LoginGuard::fingerprint(const std::string& key, std::string_view password) const {
  // key = mailbox + "\n" + client address; the password follows a NUL so no two inputs collide.
  std::string input = key;
  input.push_back('\0');
  input.append(password);
  Fingerprint out{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), hmac_key_.data(), static_cast<int>(hmac_key_.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), out.data(), &length);
  OPENSSL_cleanse(input.data(), input.size());
  return out;
}

void LoginGuard::set_settings(Settings settings) {
  std::lock_guard lock(mutex_);
  settings_ = settings;
}

std::chrono::milliseconds LoginGuard::delay_for(int failures) const {
  const int doublings = std::clamp(failures - 1, 0, 3);  // 1, 2, 4, 8 x
  return settings_.failure_delay * (1 << doublings);
}

LoginGuard::Attempt LoginGuard::begin(const std::string& mailbox, const std::string& client_address,
                                      std::string_view password) {
  const std::string key = key_of(mailbox, client_address);
  const Fingerprint print = password.empty() ? Fingerprint{} : fingerprint(key, password);
  std::lock_guard lock(mutex_);
  const auto now = now_();
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (entries_.size() >= kMaxEntries) {
      // Drop the least recently used entry that has nothing in flight.
      auto oldest = entries_.end();
      for (auto e = entries_.begin(); e != entries_.end(); ++e) {
        if (e->second.in_flight == 0 && (oldest == entries_.end() || e->second.last < oldest->second.last)) {
          oldest = e;
        }
      }
      if (oldest != entries_.end()) {
        entries_.erase(oldest);
      }
    }
    it = entries_.emplace(key, Entry{}).first;
  }
  Entry& e = it->second;
  e.last = now;
  Attempt a;
  if (e.locked_until > now) {
    a.locked_for_ = std::chrono::duration_cast<std::chrono::milliseconds>(e.locked_until - now);
    metrics().counter("kimgate_login_refused_locked_total").inc();
    return a;
  }
  if (e.failures >= settings_.max_failures) {
    e.failures = 0;  // the lock has run out: a fresh series of tries
  }
  a.fingerprint_ = print;
  if (!password.empty() && e.known_good_until > now && CRYPTO_memcmp(print.data(), e.known_good.data(), 32) == 0) {
    a.known_good_ = true;  // the provider took this password from here a moment ago: not a guess
    a.guard_ = this;
    a.key_ = key;
    return a;
  }
  if (e.failures + e.in_flight >= settings_.max_failures) {
    // The remaining tries are being made right now by other sessions from this address: no lock
    // (yet), locked_for_ stays 0.
    metrics().counter("kimgate_login_refused_locked_total").inc();
    return a;
  }
  ++e.in_flight;
  a.guard_ = this;
  a.key_ = key;
  return a;
}

std::chrono::milliseconds LoginGuard::finish(const Attempt& attempt, Outcome outcome) {
  std::lock_guard lock(mutex_);
  const auto it = entries_.find(attempt.key_);
  if (it == entries_.end()) {
    return std::chrono::milliseconds(0);
  }
  Entry& e = it->second;
  if (!attempt.known_good_) {
    e.in_flight = std::max(0, e.in_flight - 1);
  }
  e.last = now_();
  switch (outcome) {
    case Outcome::succeeded:
      e.failures = 0;
      e.locked_until = {};
      if (attempt.fingerprint_ != Fingerprint{}) {
        e.known_good = attempt.fingerprint_;
        e.known_good_until = e.last + settings_.known_good_time;
      }
      return std::chrono::milliseconds(0);
    case Outcome::abandoned:
      return std::chrono::milliseconds(0);
    case Outcome::failed: {
      if (attempt.known_good_) {
        e.known_good = {};  // changed at the provider since: no longer known good
        e.known_good_until = {};
      }
      ++e.failures;
      metrics().counter("kimgate_login_failures_total").inc();
      const std::chrono::milliseconds delay = delay_for(e.failures);
      if (e.failures >= settings_.max_failures) {
        metrics().counter("kimgate_login_locks_total").inc();
        e.locked_until = e.last + delay + settings_.lock_time;  // counted from the answer
      }
      return delay;
    }
  }
  return std::chrono::milliseconds(0);
}

LoginGuard::Attempt::Attempt(Attempt&& other) noexcept
    : guard_(std::exchange(other.guard_, nullptr)),
      key_(std::move(other.key_)),
      locked_for_(other.locked_for_),
      fingerprint_(other.fingerprint_),
      known_good_(other.known_good_) {}

LoginGuard::Attempt& LoginGuard::Attempt::operator=(Attempt&& other) noexcept {
  if (this != &other) {
    abandoned();
    guard_ = std::exchange(other.guard_, nullptr);
    key_ = std::move(other.key_);
    locked_for_ = other.locked_for_;
    fingerprint_ = other.fingerprint_;
    known_good_ = other.known_good_;
  }
  return *this;
}

std::string LoginGuard::Attempt::refusal(std::string_view mailbox, std::string_view client_address) const {
  std::string text;
  if (locked_for_.count() > 0) {
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(locked_for_).count() + 1;
    text.append("Too many failed logins for ").append(mailbox).append(" from ").append(client_address);
    text.append("; this address is locked out of the mailbox for ").append(std::to_string(seconds));
    return text.append(" more seconds");
  }
  text.append("Too many logins for ").append(mailbox).append(" from ").append(client_address);
  return text.append(" are being checked at this moment; try again in a few seconds");
}

LoginGuard::Attempt::~Attempt() {
  abandoned();
}

void LoginGuard::Attempt::succeeded() {
  if (guard_ != nullptr) {
    std::exchange(guard_, nullptr)->finish(*this, Outcome::succeeded);
  }
}

std::chrono::milliseconds LoginGuard::Attempt::failed() {
  if (guard_ == nullptr) {
    return std::chrono::milliseconds(0);
  }
  return std::exchange(guard_, nullptr)->finish(*this, Outcome::failed);
}

void LoginGuard::Attempt::abandoned() {
  if (guard_ != nullptr) {
    std::exchange(guard_, nullptr)->finish(*this, Outcome::abandoned);
  }
}

}  // namespace kimgate::net
