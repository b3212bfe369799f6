#pragma once
// MailboxView: the part of the provider's maildrop that one PVS login sees, when its mailbox
// hooks hide messages (receive filtering). Pure: no I/O.
//
// The session builds it once after login from the provider's LIST and UIDL listings and a
// visibility verdict per message; from then on the PVS's message numbers 1..n are the visible
// messages in the provider's order, and STAT, LIST, UIDL, RETR, TOP and DELE go through the
// view. Hidden messages have no number, so this login can neither fetch nor delete them
// (RFC 1939 forbids renumbering within a session; the view is fixed until QUIT).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kimgate::pop3 {

// One line of a LIST or UIDL listing: "<number> <size>" or "<number> <unique-id>".
struct ScanEntry {
  std::uint32_t number = 0;
  std::string value;
};

// The lines of an unstuffed multi-line listing body; nullopt when a line is malformed
// (RFC 1939 §7: a number, one space, a value of 1-70 printable characters).
std::optional<std::vector<ScanEntry>> parse_listing(std::string_view body);

struct ViewMessage {
  std::uint32_t upstream = 0;  // the provider's message number
  std::uint64_t size = 0;
  std::string uid;
  bool deleted = false;  // DELE in this session (undone by RSET)
};

class MailboxView {
 public:
  MailboxView() = default;
  explicit MailboxView(std::vector<ViewMessage> visible) : messages_(std::move(visible)) {}

  // The provider's number of the PVS's message `n` (1-based), when it exists and is not deleted.
  std::optional<std::uint32_t> upstream_number(std::string_view n) const;
  // Marks the PVS's message `n` deleted (after the provider accepted DELE of its number).
  void mark_deleted(std::string_view n);
  void reset();  // RSET

  // The answers the session sends, CRLF-terminated, multi-line ones with their final ".".
  std::string stat() const;
  std::string summary() const;  // "maildrop has <n> messages (<octets> octets)"
  std::string list() const;
  std::string uidl() const;
  // "LIST n" / "UIDL n": the "+OK ..." line, or nullopt for "no such message".
  std::optional<std::string> list_one(std::string_view n) const;
  std::optional<std::string> uidl_one(std::string_view n) const;

  std::size_t visible() const { return messages_.size(); }

 private:
  // The index of the PVS's message `n` when it exists and is not deleted.
  std::optional<std::size_t> index(std::string_view n) const;

  std::vector<ViewMessage> messages_;
};

}  // namespace kimgate::pop3
