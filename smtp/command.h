#pragma once
// Pure parser for SMTP command lines from the PVS (RFC 5321 §4.1). No I/O.
// Input: one line without CRLF. Output: the verb and its argument text; the
// argument grammar of MAIL/RCPT/AUTH is parsed by the handlers that need it.
#include <optional>
#include <string>
#include <string_view>

namespace kimgate::smtp {

enum class Verb { helo, ehlo, mail, rcpt, data, bdat, rset, noop, quit, auth, starttls, vrfy, expn, help, unknown };

struct Command {
  Verb verb = Verb::unknown;
  std::string verb_text;  // as sent, for logs (upper-cased, at most 16 characters)
  std::string args;       // text after the verb and one space, trailing spaces removed
};

Command parse_command(std::string_view line);
std::string_view verb_name(Verb v);

// "MAIL FROM:<a@b> SIZE=1" -> address and parameters; nullopt when the syntax is wrong.
struct PathArgument {
  std::string address;
  std::string params;
};
std::optional<PathArgument> parse_path_argument(std::string_view args, std::string_view keyword);

}  // namespace kimgate::smtp
