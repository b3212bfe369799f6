#pragma once
// SessionLog: key=value log lines with a per-session id, e.g.
//   session=4f2a91c0 proto=smtp peer=127.0.0.1:51234 event=state old=connect new=closing
// Callers pass only protocol facts: never AUTH payloads, passwords, PINs, keys or mail bodies.
#include <spdlog/spdlog.h>

#include <string>

namespace kimgate::net {

class SessionLog {
 public:
  SessionLog(std::string proto, std::string peer);
  const std::string& id() const { return id_; }

  template <class... Args>
  void info(fmt::format_string<Args...> f, Args&&... args) const {
    spdlog::info("{} {}", prefix_, fmt::format(f, std::forward<Args>(args)...));
  }
  template <class... Args>
  void warn(fmt::format_string<Args...> f, Args&&... args) const {
    spdlog::warn("{} {}", prefix_, fmt::format(f, std::forward<Args>(args)...));
  }
  template <class... Args>
  void debug(fmt::format_string<Args...> f, Args&&... args) const {
    if (spdlog::should_log(spdlog::level::debug)) {
      spdlog::debug("{} {}", prefix_, fmt::format(f, std::forward<Args>(args)...));
    }
  }

 private:
  std::string id_;
  std::string prefix_;
};

// A random 8-hex-digit id (also used as correlation id, KOM-LE-A_2079 ff.).
std::string new_session_id();

}  // namespace kimgate::net
