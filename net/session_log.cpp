#include "net/session_log.h"

#include <openssl/rand.h>

#include <array>

namespace kimgate::net {

std::string new_session_id() {
  std::array<unsigned char, 4> raw{};
  RAND_bytes(raw.data(), static_cast<int>(raw.size()));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (unsigned char b : raw) {
    id += kHex[b >> 4];
    id += kHex[b & 0xF];
  }
  return id;
}

SessionLog::SessionLog(std::string proto, std::string peer)
    : id_(new_session_id()), prefix_("session=" + id_ + " proto=" + proto + " peer=" + peer) {}

}  // namespace kimgate::net
