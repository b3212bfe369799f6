#include "pop3/replies.h"

namespace kimgate::pop3 {

std::string reply_line(const Reply& r, std::string_view detail) {
  std::string out = r.ok ? "+OK " : "-ERR ";
  const std::size_t slot = r.text.find("{}");
  if (slot == std::string_view::npos) {
    out += r.text;
    return out;
  }
  out += r.text.substr(0, slot);
  out += detail;
  out += r.text.substr(slot + 2);
  return out;
}

std::string format_reply(const Reply& r, std::string_view detail) {
  std::string out = reply_line(r, detail);
  out += "\r\n";
  return out;
}

}  // namespace kimgate::pop3
