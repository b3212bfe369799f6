#include "daemon/pop3_filter.h"

#include <algorithm>
#include <cctype>

#include "kim/raw_message.h"

namespace kimgate::daemon {

std::string DienstkennungCache::key(std::string_view mailbox, std::string_view uid) {
  std::string k;
  k.reserve(mailbox.size() + 1 + uid.size());
  std::transform(mailbox.begin(), mailbox.end(), std::back_inserter(k),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  k.push_back('\n');
  k.append(uid);
  return k;
}

std::optional<std::optional<std::string>> DienstkennungCache::find(std::string_view mailbox,
                                                                   std::string_view uid) const {
  const std::string k = key(mailbox, uid);
  const std::lock_guard<std::mutex> lock(mutex_);
  const auto it = entries_.find(k);
  if (it == entries_.end()) {
    return std::nullopt;
  }
  if (it->second == 0) {
    return std::optional<std::string>();
  }
  return std::optional<std::string>(values_[it->second - 1]);
}

void DienstkennungCache::put(std::string_view mailbox, std::string_view uid,
                             const std::optional<std::string>& dienstkennung) {
  std::string k = key(mailbox, uid);
  const std::lock_guard<std::mutex> lock(mutex_);
  std::uint16_t value = 0;
  if (dienstkennung) {
    const auto it = std::find(values_.begin(), values_.end(), *dienstkennung);
    if (it != values_.end()) {
      value = static_cast<std::uint16_t>(it - values_.begin() + 1);
    } else if (values_.size() < 1000) {  // a real maildrop has a few dozen distinct values
      values_.push_back(*dienstkennung);
      value = static_cast<std::uint16_t>(values_.size());
    } else {
      return;  // not remembered: judged again from its headers next time
    }
  }
  if (entries_.size() >= max_entries_) {
    entries_.clear();
  }
  entries_[std::move(k)] = value;
}

std::size_t DienstkennungCache::size() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

std::optional<kim::ApplicationFilter> select_filter(const std::vector<conf::ReceiveFilter>& filters,
                                                    const kim::UserName& login) {
  std::optional<kim::ApplicationFilter> chosen;
  std::vector<std::string> claimed;
  for (const conf::ReceiveFilter& f : filters) {
    if (!kim::iequals(f.mailbox, login.address)) {
      continue;
    }
    claimed.insert(claimed.end(), f.applications.begin(), f.applications.end());
    const bool applies = (f.workplace.empty() || f.workplace == login.workplace_id) &&
                         (f.client_system.empty() || f.client_system == login.client_system_id);
    if (applies && !chosen) {
      chosen = kim::ApplicationFilter{f.applications, f.unclaimed, {}};
    }
  }
  if (chosen) {
    chosen->claimed = std::move(claimed);
  }
  return chosen;
}

std::optional<bool> LoginFilter::known(const std::string& uid) const {
  const auto seen = cache_.find(mailbox_, uid);
  if (!seen) {
    return std::nullopt;
  }
  return kim::shows(filter_, *seen);
}

bool LoginFilter::judge(const std::string& uid, std::string_view headers) {
  const std::optional<std::string> dienstkennung = kim::outer_dienstkennung(headers);
  cache_.put(mailbox_, uid, dienstkennung);
  return kim::shows(filter_, dienstkennung);
}

}  // namespace kimgate::daemon
