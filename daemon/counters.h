#pragma once
// Counters: named event counts of one kimgated process (mails sent, refused, DSNs, ...), bumped
// where a decision is made (the send failure policy names its counter per row) and read by the
// control socket's "status" and shown on /metrics as kimgate_events_total{event="<name>"}.
// Thread-safe; owned by the Server, passed by reference.
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "net/metrics.h"

namespace kimgate::daemon {

class Counters {
 public:
  void add(std::string_view name, std::uint64_t n = 1) {
    net::metrics().counter("kimgate_events_total", {name}).inc(n);
    const std::lock_guard<std::mutex> lock(mutex_);
    auto it = values_.find(name);
    if (it == values_.end()) {
      it = values_.emplace(std::string(name), 0).first;
    }
    it->second += n;
  }
  std::map<std::string, std::uint64_t, std::less<>> snapshot() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return values_;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::uint64_t, std::less<>> values_;
};

}  // namespace kimgate::daemon
