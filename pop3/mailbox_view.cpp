#include "pop3/mailbox_view.h"

#include <charconv>

namespace kimgate::pop3 {

namespace {

std::optional<std::uint64_t> number(std::string_view s) {
  if (s.empty() || s.size() > 19) {
    return std::nullopt;
  }
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) {
    return std::nullopt;
  }
  return v;
}

bool printable_value(std::string_view v) {
  if (v.empty() || v.size() > 70) {
    return false;
  }
  for (const char c : v) {
    if (c < 0x21 || c > 0x7e) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<std::vector<ScanEntry>> parse_listing(std::string_view body) {
  std::vector<ScanEntry> out;
  std::size_t pos = 0;
  while (pos < body.size()) {
    std::size_t end = body.find('\n', pos);
    if (end == std::string_view::npos) {
      end = body.size();
    }
    std::string_view line = body.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    const std::size_t space = line.find(' ');
    if (space == std::string_view::npos) {
      return std::nullopt;
    }
    const auto n = number(line.substr(0, space));
    const std::string_view value = line.substr(space + 1);
    if (!n || *n == 0 || *n > UINT32_MAX || !printable_value(value)) {
      return std::nullopt;
    }
    out.push_back(ScanEntry{static_cast<std::uint32_t>(*n), std::string(value)});
  }
  return out;
}

std::optional<std::size_t> MailboxView::index(std::string_view n) const {
  const auto k = number(n);
  if (!k || *k == 0 || *k > messages_.size() || messages_[*k - 1].deleted) {
    return std::nullopt;
  }
  return static_cast<std::size_t>(*k - 1);
}

std::optional<std::uint32_t> MailboxView::upstream_number(std::string_view n) const {
  const auto i = index(n);
  if (!i) {
    return std::nullopt;
  }
  return messages_[*i].upstream;
}

void MailboxView::mark_deleted(std::string_view n) {
  if (const auto i = index(n)) {
    messages_[*i].deleted = true;
  }
}

void MailboxView::reset() {
  for (auto& m : messages_) {
    m.deleted = false;
  }
}

namespace {

std::pair<std::uint64_t, std::uint64_t> count_and_octets(const std::vector<ViewMessage>& messages) {
  std::uint64_t count = 0;
  std::uint64_t octets = 0;
  for (const auto& m : messages) {
    if (!m.deleted) {
      ++count;
      octets += m.size;
    }
  }
  return {count, octets};
}

}  // namespace

std::string MailboxView::stat() const {
  const auto [count, octets] = count_and_octets(messages_);
  return "+OK " + std::to_string(count) + " " + std::to_string(octets) + "\r\n";
}

std::string MailboxView::summary() const {
  const auto [count, octets] = count_and_octets(messages_);
  return "maildrop has " + std::to_string(count) + " messages (" + std::to_string(octets) + " octets)";
}

std::string MailboxView::list() const {
  std::string out = "+OK scan listing follows\r\n";
  for (std::size_t i = 0; i < messages_.size(); ++i) {
    if (!messages_[i].deleted) {
      out += std::to_string(i + 1) + " " + std::to_string(messages_[i].size) + "\r\n";
    }
  }
  return out + ".\r\n";
}

std::string MailboxView::uidl() const {
  std::string out = "+OK unique-id listing follows\r\n";
  for (std::size_t i = 0; i < messages_.size(); ++i) {
    if (!messages_[i].deleted) {
      out += std::to_string(i + 1) + " " + messages_[i].uid + "\r\n";
    }
  }
  return out + ".\r\n";
}

std::optional<std::string> MailboxView::list_one(std::string_view n) const {
  const auto i = index(n);
  if (!i) {
    return std::nullopt;
  }
  return "+OK " + std::to_string(*i + 1) + " " + std::to_string(messages_[*i].size) + "\r\n";
}

std::optional<std::string> MailboxView::uidl_one(std::string_view n) const {
  const auto i = index(n);
  if (!i) {
    return std::nullopt;
  }
  return "+OK " + std::to_string(*i + 1) + " " + messages_[*i].uid + "\r\n";
}

}  // namespace kimgate::pop3
