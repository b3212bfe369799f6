#include "web/session_store.h"

#include <sys/random.h>

#include <array>
#include <cerrno>
#include <stdexcept>

namespace kimgate::web {

std::string random_token() {
  std::array<unsigned char, 32> bytes{};
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t got = ::getrandom(bytes.data() + done, bytes.size() - done, 0);
    if (got < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw std::runtime_error("getrandom failed");
    }
    done += static_cast<std::size_t>(got);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const unsigned char b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
  return out;
}

bool same_token(std::string_view a, std::string_view b) {
  if (a.size() != b.size() || a.empty()) {
    return false;
  }
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

void SessionStore::expire() {
  const Clock::time_point now = now_();
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    it = now - it->second.last_seen >= idle_ ? sessions_.erase(it) : std::next(it);
  }
}

const WebSession& SessionStore::create() {
  expire();
  while (sessions_.size() >= max_sessions_) {
    auto oldest = sessions_.begin();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
      if (it->second.last_seen < oldest->second.last_seen) {
        oldest = it;
      }
    }
    sessions_.erase(oldest);
  }
  WebSession s{random_token(), random_token(), now_()};
  std::string key = s.id;
  return sessions_.emplace(std::move(key), std::move(s)).first->second;
}

WebSession* SessionStore::touch(std::string_view id) {
  expire();
  const auto it = sessions_.find(id);
  if (it == sessions_.end()) {
    return nullptr;
  }
  it->second.last_seen = now_();
  return &it->second;
}

void SessionStore::erase(std::string_view id) {
  const auto it = sessions_.find(id);
  if (it != sessions_.end()) {
    sessions_.erase(it);
  }
}

Clock::duration LoginThrottle::delay_for(const std::string& client) const {
  const auto it = failures_.find(client);
  if (it == failures_.end() || it->second == 0) {
    return Clock::duration::zero();
  }
  const unsigned factor = 1U << std::min(it->second - 1, 3U);  // 1, 2, 4, 8
  return base_ * factor;
}

void LoginThrottle::failed(const std::string& client) {
  if (failures_.size() >= 1024 && failures_.find(client) == failures_.end()) {
    failures_.erase(failures_.begin());
  }
  ++failures_[client];
}

}  // namespace kimgate::web
