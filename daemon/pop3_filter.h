#pragma once
// Receive filtering's daemon side (issue 18; kim/receive_filter.h, pop3/mailbox_view.h): which
// application filter a POP3 login gets from the configuration, and the outer Dienstkennung of
// each message already looked at, remembered per mailbox and UIDL across sessions so that a
// message's headers are fetched with TOP n 0 once, not at every login.
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "conf/config.h"
#include "kim/receive_filter.h"
#include "kim/user_name.h"

namespace kimgate::daemon {

// Thread-safe and bounded: at `max_entries` it starts afresh (the next logins read headers
// again), which keeps memory at about 100 B per message of the largest mailboxes.
class DienstkennungCache {
 public:
  explicit DienstkennungCache(std::size_t max_entries = 250000) : max_entries_(max_entries) {}
  // Outer nullopt: never seen; inner nullopt: seen, without a Dienstkennung.
  std::optional<std::optional<std::string>> find(std::string_view mailbox, std::string_view uid) const;
  void put(std::string_view mailbox, std::string_view uid, const std::optional<std::string>& dienstkennung);
  std::size_t size() const;

 private:
  static std::string key(std::string_view mailbox, std::string_view uid);

  std::size_t max_entries_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::uint16_t> entries_;  // 0: none, k: values_[k - 1]
  std::vector<std::string> values_;                         // each distinct Dienstkennung once
};

// The filter of the first entry naming this login's mailbox, workplace and client system;
// nullopt when no entry does (the login sees the whole mailbox).
std::optional<kim::ApplicationFilter> select_filter(const std::vector<conf::ReceiveFilter>& filters,
                                                    const kim::UserName& login);

// One login's judge: the filter, and the cache shared by all sessions.
class LoginFilter {
 public:
  LoginFilter(kim::ApplicationFilter filter, std::string mailbox, DienstkennungCache& cache)
      : filter_(std::move(filter)), mailbox_(std::move(mailbox)), cache_(cache) {}
  std::optional<bool> known(const std::string& uid) const;
  bool judge(const std::string& uid, std::string_view headers);

 private:
  kim::ApplicationFilter filter_;
  std::string mailbox_;
  DienstkennungCache& cache_;
};

}  // namespace kimgate::daemon
