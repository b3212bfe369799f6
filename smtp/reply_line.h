#pragma once
// Pure parser for one SMTP reply line from the KIM provider (RFC 5321 §4.2, RFC 2034):
// "250-text" / "250 text" into code, continuation flag, enhanced status code and text.
#include <optional>
#include <string>
#include <string_view>

namespace kimgate::smtp {

struct ReplyLine {
  int code = 0;
  bool more = false;     // "250-": further lines follow
  std::string enhanced;  // "2.0.0" when the text starts with an enhanced status code
  std::string text;      // after the code (and the enhanced code)
};
// nullopt unless the line is three digits followed by ' ', '-' or nothing.
std::optional<ReplyLine> parse_reply_line(std::string_view line);

}  // namespace kimgate::smtp
