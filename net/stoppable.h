#pragma once
// Stoppable: what the daemon needs from a live session to shut down gracefully.
// Sessions register an instance with a StopRegistry for their lifetime. All on the
// io_context's single protocol thread, so no locking.
#include <cstddef>
#include <functional>
#include <set>

namespace kimgate::net {

class Stoppable {
 public:
  virtual ~Stoppable() = default;
  // Finish the current transaction, then say goodbye (421 / -ERR) and close; idle sessions close at once.
  virtual void request_stop() = 0;
  // Close now, whatever state the session is in (the shutdown deadline passed).
  virtual void force_close() = 0;
};

class StopRegistry {
 public:
  void add(Stoppable* s) { live_.insert(s); }
  void remove(Stoppable* s) {
    live_.erase(s);
    if (live_.empty() && on_empty_) {
      auto cb = std::move(on_empty_);
      on_empty_ = nullptr;
      cb();
    }
  }
  std::size_t size() const { return live_.size(); }
  void request_stop_all() {
    const auto copy = live_;
    for (auto* s : copy) {
      s->request_stop();
    }
  }
  void force_close_all() {
    const auto copy = live_;
    for (auto* s : copy) {
      s->force_close();
    }
  }
  // Called once when the last session has gone (immediately if none is live).
  void when_empty(std::function<void()> cb) {
    if (live_.empty()) {
      cb();
    } else {
      on_empty_ = std::move(cb);
    }
  }

 private:
  std::set<Stoppable*> live_;
  std::function<void()> on_empty_;
};

// RAII membership of a session in a registry.
class Registration {
 public:
  Registration(StopRegistry& r, Stoppable* s) : r_(r), s_(s) { r_.add(s_); }
  ~Registration() { r_.remove(s_); }
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;

 private:
  StopRegistry& r_;
  Stoppable* s_;
};

}  // namespace kimgate::net
