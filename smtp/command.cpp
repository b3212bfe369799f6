#include "smtp/command.h"

#include <array>
#include <cctype>
#include <utility>

namespace kimgate::smtp {
namespace {

constexpr std::array<std::pair<std::string_view, Verb>, 14> kVerbs{{{"HELO", Verb::helo},
                                                                    {"EHLO", Verb::ehlo},
                                                                    {"MAIL", Verb::mail},
                                                                    {"RCPT", Verb::rcpt},
                                                                    {"DATA", Verb::data},
                                                                    {"BDAT", Verb::bdat},
                                                                    {"RSET", Verb::rset},
                                                                    {"NOOP", Verb::noop},
                                                                    {"QUIT", Verb::quit},
                                                                    {"AUTH", Verb::auth},
                                                                    {"STARTTLS", Verb::starttls},
                                                                    {"VRFY", Verb::vrfy},
                                                                    {"EXPN", Verb::expn},
                                                                    {"HELP", Verb::help}}};

}  // namespace

Command parse_command(std::string_view line) {
  Command cmd;
  std::size_t i = 0;
  while (i < line.size() && line[i] != ' ' && line[i] != '\t') {
    ++i;
  }
  std::string verb;
  for (std::size_t k = 0; k < i && k < 16; ++k) {
    const auto c = static_cast<unsigned char>(line[k]);
    verb += std::isprint(c) != 0 ? static_cast<char>(std::toupper(c)) : '?';
  }
  cmd.verb_text = verb;
  if (i <= 16) {
    for (const auto& [name, v] : kVerbs) {
      if (name == verb && name.size() == i) {
        cmd.verb = v;
      }
    }
  }
  std::string_view rest = i < line.size() ? line.substr(i + 1) : std::string_view{};
  while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\t')) {
    rest.remove_suffix(1);
  }
  cmd.args = std::string(rest);
  return cmd;
}

std::string_view verb_name(Verb v) {
  for (const auto& [name, verb] : kVerbs) {
    if (verb == v) {
      return name;
    }
  }
  return "UNKNOWN";
}

}  // namespace kimgate::smtp
