#pragma once
// Pure parser for POP3 command lines from the PVS (RFC 1939, RFC 2449, RFC 5034). No I/O.
#include <string>
#include <string_view>
#include <vector>

namespace kimgate::pop3 {

enum class Verb { capa, user, pass, auth, stls, quit, stat, list, retr, dele, noop, rset, top, uidl, apop, unknown };

struct Command {
  Verb verb = Verb::unknown;
  std::string verb_text;          // upper-cased, at most 16 characters, for logs
  std::vector<std::string> args;  // space-separated; PASS keeps its whole argument (it may contain spaces)
};

Command parse_command(std::string_view line);

}  // namespace kimgate::pop3
