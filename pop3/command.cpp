#include "pop3/command.h"

#include <array>
#include <cctype>
#include <utility>

namespace kimgate::pop3 {
namespace {

constexpr std::array<std::pair<std::string_view, Verb>, 15> kVerbs{{{"CAPA", Verb::capa},
                                                                    {"USER", Verb::user},
                                                                    {"PASS", Verb::pass},
                                                                    {"AUTH", Verb::auth},
                                                                    {"STLS", Verb::stls},
                                                                    {"QUIT", Verb::quit},
                                                                    {"STAT", Verb::stat},
                                                                    {"LIST", Verb::list},
                                                                    {"RETR", Verb::retr},
                                                                    {"DELE", Verb::dele},
                                                                    {"NOOP", Verb::noop},
                                                                    {"RSET", Verb::rset},
                                                                    {"TOP", Verb::top},
                                                                    {"UIDL", Verb::uidl},
                                                                    {"APOP", Verb::apop}}};

}  // namespace

Command parse_command(std::string_view line) {
  Command cmd;
  std::size_t i = 0;
  while (i < line.size() && line[i] != ' ') {
    ++i;
  }
  for (std::size_t k = 0; k < i && k < 16; ++k) {
    const auto c = static_cast<unsigned char>(line[k]);
    cmd.verb_text += std::isprint(c) != 0 ? static_cast<char>(std::toupper(c)) : '?';
  }
  for (const auto& [name, v] : kVerbs) {
    if (name == cmd.verb_text && name.size() == i) {
      cmd.verb = v;
    }
  }
  std::string_view rest = i < line.size() ? line.substr(i + 1) : std::string_view{};
  if (cmd.verb == Verb::pass) {
    // RFC 1939 §7: the password may contain spaces; keep it whole.
    if (i < line.size()) {
      cmd.args.emplace_back(rest);
    }
    return cmd;
  }
  std::size_t pos = 0;
  while (pos < rest.size()) {
    const std::size_t end = rest.find(' ', pos);
    const std::string_view arg = rest.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    if (!arg.empty()) {
      cmd.args.emplace_back(arg);
    }
    if (end == std::string_view::npos) {
      break;
    }
    pos = end + 1;
  }
  return cmd;
}

}  // namespace kimgate::pop3
