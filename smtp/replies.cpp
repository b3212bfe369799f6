#include "smtp/replies.h"

namespace kimgate::smtp {

std::string format_reply(int code, std::string_view enhanced, std::string_view text) {
  std::string out = std::to_string(code);
  out += ' ';
  if (!enhanced.empty()) {
    out += enhanced;
    out += ' ';
  }
  out += text;
  out += "\r\n";
  return out;
}

std::string format_reply(const Reply& r) {
  return format_reply(r.code, r.enhanced, r.text);
}

}  // namespace kimgate::smtp
