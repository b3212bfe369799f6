#pragma once
// LoginGuard: how many wrong passwords a client address may try for one mailbox (SMTP and POP3
// alike), and how slowly. Counted per mailbox AND client address: after `max_failures`
// failures in a row from one address, that address is locked out of that mailbox for
// `lock_time` from the answer to the last failure; every other client of the mailbox keeps working, so knowing a
// (public) KIM address is not enough to lock a practice out. Each refusal is answered only after a delay that doubles
// per failure up to 8 x `failure_delay` (cf. Dovecot's auth_failure_delay).
//
// Race-free across concurrent sessions: begin() reserves an attempt, and attempts in flight
// count like failures, so no more than `max_failures` guesses per address and mailbox ever
// reach the provider. The Attempt ends as succeeded(), failed() or — for trouble that says
// nothing about the password (provider unreachable, temporary refusal) — abandoned(), which
// its destructor does when the session ends first. Mailboxes compare ASCII case-insensitively.
//
// A password that the provider accepted for this mailbox from this address within the last
// `known_good_time` is not a guess: an attempt with it does not count as in flight, so a PVS
// that opens many sessions at once with the right password is not refused for the tries its
// own sessions hold. Only a keyed hash (HMAC-SHA-256 under a key made at start-up, in memory)
// of mailbox and password is kept, never the password; a remembered password that the
// provider then refuses is forgotten and counts as a failure. A lock still refuses every
// password.
// Thread-safe; bounded (the least recently used entries are dropped).
#include <array>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace kimgate::net {

class LoginGuard {
 public:
  using Clock = std::chrono::steady_clock;
  using Fingerprint = std::array<unsigned char, 32>;
  struct Settings {
    int max_failures = 5;
    std::chrono::milliseconds lock_time = std::chrono::minutes(15);
    std::chrono::milliseconds failure_delay = std::chrono::seconds(2);
    std::chrono::milliseconds known_good_time = std::chrono::hours(1);
  };
  explicit LoginGuard(
      Settings settings, std::function<Clock::time_point()> now = [] { return Clock::now(); });

  class Attempt {
   public:
    Attempt() = default;
    Attempt(Attempt&& other) noexcept;
    Attempt& operator=(Attempt&& other) noexcept;
    Attempt(const Attempt&) = delete;
    Attempt& operator=(const Attempt&) = delete;
    ~Attempt();

    bool allowed() const { return guard_ != nullptr; }
    // When not allowed: how long the lock still lasts (0 when no lock is set: the address's
    // remaining tries are in flight in other sessions right now).
    std::chrono::milliseconds locked_for() const { return locked_for_; }
    // When not allowed: the sentence for the client (SMTP 454 4.7.0, POP3 [LOGIN-DELAY]),
    // which says whether the address is locked out and for how long, or only has to wait for
    // its other logins.
    std::string refusal(std::string_view mailbox, std::string_view client_address) const;
    void succeeded();
    // The wrong password counts; returns how long to wait before answering.
    std::chrono::milliseconds failed();
    void abandoned();

   private:
    friend class LoginGuard;
    LoginGuard* guard_ = nullptr;
    std::string key_;
    std::chrono::milliseconds locked_for_{0};
    Fingerprint fingerprint_{};
    bool known_good_ = false;  // not counted in flight
  };

  // `password` may be empty (then it is never taken for a known good one).
  Attempt begin(const std::string& mailbox, const std::string& client_address, std::string_view password = {});
  void set_settings(Settings settings);

 private:
  struct Entry {
    int failures = 0;
    int in_flight = 0;
    Clock::time_point locked_until{};
    Clock::time_point last{};
    Fingerprint known_good{};
    Clock::time_point known_good_until{};
  };
  enum class Outcome { failed, abandoned, succeeded };
  // Ends an attempt; for a failure, the delay before the answer.
  std::chrono::milliseconds finish(const Attempt& attempt, Outcome outcome);
  Fingerprint fingerprint(const std::string& key, std::string_view password) const;
  std::chrono::milliseconds delay_for(int failures) const;

  Settings settings_;
  std::function<Clock::time_point()> now_;
  std::mutex mutex_;
  std::map<std::string, Entry> entries_;
  std::array<unsigned char, 32> hmac_key_{};
};

}  // namespace kimgate::net
