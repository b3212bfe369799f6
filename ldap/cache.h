#pragma once
// A bounded cache with per-entry expiry, for VZD results (vzd-ldap.md §6). Pure: the
// caller passes the current time, so tests need no clock and no sleeps.
//
// put() stores a value until `expires`; get() returns it while now < expires and drops
// it otherwise. At max_entries the least recently used entry goes first. erase_if()
// drops entries by predicate (e.g. when the Konnektor reported a cached certificate
// invalid). Not thread-safe: owned by one io_context thread.
#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace kimgate::ldap {

using SteadyTime = std::chrono::steady_clock::time_point;

template <typename V>
class TtlCache {
 public:
  explicit TtlCache(std::size_t max_entries) : max_(max_entries == 0 ? 1 : max_entries) {}

  const V* get(const std::string& key, SteadyTime now) {
    const auto it = index_.find(key);
    if (it == index_.end()) {
      return nullptr;
    }
    if (now >= it->second->expires) {
      order_.erase(it->second);
      index_.erase(it);
      return nullptr;
    }
    order_.splice(order_.begin(), order_, it->second);  // most recently used first
    return &it->second->value;
  }

  void put(const std::string& key, V value, SteadyTime expires) {
    const auto it = index_.find(key);
    if (it != index_.end()) {
      it->second->value = std::move(value);
      it->second->expires = expires;
      order_.splice(order_.begin(), order_, it->second);
      return;
    }
    while (index_.size() >= max_) {
      index_.erase(order_.back().key);
      order_.pop_back();
    }
    order_.push_front(Node{key, std::move(value), expires});
    index_.emplace(key, order_.begin());
  }

  bool erase(const std::string& key) {
    const auto it = index_.find(key);
    if (it == index_.end()) {
      return false;
    }
    order_.erase(it->second);
    index_.erase(it);
    return true;
  }

  std::size_t erase_if(const std::function<bool(const V&)>& pred) {
    std::size_t n = 0;
    for (auto it = order_.begin(); it != order_.end();) {
      if (pred(it->value)) {
        index_.erase(it->key);
        it = order_.erase(it);
        ++n;
      } else {
        ++it;
      }
    }
    return n;
  }

  std::size_t size() const { return index_.size(); }

 private:
  struct Node {
    std::string key;
    V value;
    SteadyTime expires;
  };
  std::size_t max_;
  std::list<Node> order_;
  std::unordered_map<std::string, typename std::list<Node>::iterator> index_;
};

}  // namespace kimgate::ldap
