#include "kim/own_version.h"

#include <vector>

namespace kimgate::kim {

namespace {

// "1.5.2" -> {1,5,2}; at least major.minor, at most four parts of at most six digits each.
std::optional<std::vector<int>> version_parts(std::string_view v) {
  if (!v.empty() && v.back() == '+') {
    v.remove_suffix(1);
  }
  std::vector<int> parts;
  std::size_t pos = 0;
  while (true) {
    const std::size_t dot = v.find('.', pos);
    const std::string_view part = v.substr(pos, dot == std::string_view::npos ? std::string_view::npos : dot - pos);
    if (part.empty() || part.size() > 6 || parts.size() == 4) {
      return std::nullopt;
    }
    int n = 0;
    for (const char c : part) {
      if (c < '0' || c > '9') {
        return std::nullopt;
      }
      n = n * 10 + (c - '0');
    }
    parts.push_back(n);
    if (dot == std::string_view::npos) {
      break;
    }
    pos = dot + 1;
  }
  if (parts.size() < 2) {
    return std::nullopt;
  }
  return parts;
}

}  // namespace

std::optional<int> compare_kim_versions(std::string_view a, std::string_view b) {
  const auto pa = version_parts(a);
  const auto pb = version_parts(b);
  if (!pa || !pb) {
    return std::nullopt;
  }
  const std::size_t n = std::max(pa->size(), pb->size());
  for (std::size_t i = 0; i < n; ++i) {
    const int x = i < pa->size() ? (*pa)[i] : 0;
    const int y = i < pb->size() ? (*pb)[i] : 0;
    if (x != y) {
      return x < y ? -1 : 1;
    }
  }
  return 0;
}

OwnVersionVerdict own_version_step(std::string_view registered, std::string_view ours) {
  const std::optional<int> c = compare_kim_versions(ours, registered);
  if (!c) {
    return {OwnVersionStep::unknown, ""};
  }
  if (*c == 0) {
    return {OwnVersionStep::none, ""};
  }
  if (*c < 0) {
    return {OwnVersionStep::outdated, ""};
  }
  std::string to(ours);
  if (!to.empty() && to.back() == '+') {
    to.pop_back();
  }
  if (!registered.empty() && registered.back() == '+') {
    to += '+';
  }
  return {OwnVersionStep::update, to};
}

}  // namespace kimgate::kim
