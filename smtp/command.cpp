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

namespace {
bool iequal_prefix(std::string_view s, std::string_view upper_prefix) {
  if (s.size() < upper_prefix.size()) {
    return false;
  }
  for (std::size_t i = 0; i < upper_prefix.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(s[i])) != upper_prefix[i]) {
      return false;
    }
  }
  return true;
}
}  // namespace

std::optional<PathArgument> parse_path_argument(std::string_view args, std::string_view keyword) {
  if (args.size() < keyword.size() || !iequal_prefix(args, keyword)) {
    return std::nullopt;
  }
  std::string_view rest = args.substr(keyword.size());
  while (!rest.empty() && rest.front() == ' ') {
    rest.remove_prefix(1);  // tolerate "MAIL FROM: <a@b>" as many clients send it
  }
  if (rest.empty() || rest.front() != '<') {
    return std::nullopt;
  }
  const std::size_t close = rest.find('>');
  if (close == std::string_view::npos) {
    return std::nullopt;
  }
  PathArgument p;
  p.address = std::string(rest.substr(1, close - 1));
  if (p.address.find_first_of(" \t<\"") != std::string::npos) {
    return std::nullopt;
  }
  std::string_view params = rest.substr(close + 1);
  if (!params.empty() && params.front() != ' ') {
    return std::nullopt;
  }
  while (!params.empty() && params.front() == ' ') {
    params.remove_prefix(1);
  }
  p.params = std::string(params);
  return p;
}

}  // namespace kimgate::smtp
