#include "smtp/reply_line.h"

#include <cctype>

namespace kimgate::smtp {

std::optional<ReplyLine> parse_reply_line(std::string_view line) {
  if (line.size() < 3 || !std::isdigit(static_cast<unsigned char>(line[0])) ||
      !std::isdigit(static_cast<unsigned char>(line[1])) || !std::isdigit(static_cast<unsigned char>(line[2]))) {
    return std::nullopt;
  }
  if (line[0] < '2' || line[0] > '5') {
    return std::nullopt;
  }
  ReplyLine r;
  r.code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
  if (line.size() > 3) {
    if (line[3] != ' ' && line[3] != '-') {
      return std::nullopt;
    }
    r.more = line[3] == '-';
    std::string_view text = line.substr(4);
    // An enhanced status code "c.s.d" whose class matches the reply's first digit (RFC 2034).
    std::size_t i = 0;
    int dots = 0;
    bool digit_seen = false;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) {
      if (text[i] == '.') {
        if (!digit_seen) {
          break;
        }
        ++dots;
        digit_seen = false;
      } else {
        digit_seen = true;
      }
      ++i;
    }
    if (dots == 2 && digit_seen && text[0] == line[0] && (i == text.size() || text[i] == ' ')) {
      r.enhanced = std::string(text.substr(0, i));
      text = i < text.size() ? text.substr(i + 1) : std::string_view();
    }
    r.text = std::string(text);
  }
  return r;
}

}  // namespace kimgate::smtp
