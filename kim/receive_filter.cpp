#include "kim/receive_filter.h"

#include "kim/raw_message.h"

namespace kimgate::kim {

namespace {

// The ';'-separated parts, each without surrounding white space (a folded header unfolds to
// "1ClickAbrechnung; Rueckmeldung;V2.0").
std::vector<std::string_view> parts(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  while (true) {
    const std::size_t semi = s.find(';', pos);
    std::string_view part = s.substr(pos, semi == std::string_view::npos ? std::string_view::npos : semi - pos);
    while (!part.empty() && (part.front() == ' ' || part.front() == '\t')) {
      part.remove_prefix(1);
    }
    while (!part.empty() && (part.back() == ' ' || part.back() == '\t')) {
      part.remove_suffix(1);
    }
    out.push_back(part);
    if (semi == std::string_view::npos) {
      return out;
    }
    pos = semi + 1;
  }
}

}  // namespace

bool pattern_matches(std::string_view pattern, std::string_view dienstkennung) {
  const std::vector<std::string_view> want = parts(pattern);
  const std::vector<std::string_view> have = parts(dienstkennung);
  for (std::size_t i = 0; i < want.size(); ++i) {
    const std::string_view w = want[i];
    const bool last = i + 1 == want.size();
    if (last && !w.empty() && w.back() == '*') {
      return i < have.size() && istarts_with(have[i], w.substr(0, w.size() - 1));
    }
    if (i >= have.size() || !iequals(w, have[i])) {
      return false;
    }
  }
  return true;
}

bool shows(const ApplicationFilter& filter, const std::optional<std::string>& dienstkennung) {
  const auto any_matches = [&](const std::vector<std::string>& patterns) {
    if (!dienstkennung) {
      return false;
    }
    for (const std::string& p : patterns) {
      if (pattern_matches(p, *dienstkennung)) {
        return true;
      }
    }
    return false;
  };
  if (any_matches(filter.applications)) {
    return true;
  }
  return filter.unclaimed && !any_matches(filter.claimed);
}

std::optional<std::string> outer_dienstkennung(std::string_view header_section) {
  const std::optional<RawMessage> m = parse_raw_message(header_section);
  if (!m) {
    return std::nullopt;
  }
  std::optional<std::string> v = header_value(*m, "X-KIM-Dienstkennung");
  if (v && v->empty()) {
    return std::nullopt;
  }
  return v;
}

}  // namespace kimgate::kim
