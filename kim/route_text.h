#pragma once
// Small text and XML helpers shared by the routing parsers (route_*.cpp, eau_bundle.cpp):
// ASCII lower case, hex digits, and pugixml element lookup by local name (any namespace
// prefix), bounded to direct children.
#include <pugixml.hpp>
#include <string>
#include <string_view>

namespace kimgate::kim::route_text {

inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

// 0-15, or -1 when `c` is no hex digit.
inline int hex_digit(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  const char l = static_cast<char>(c | 0x20);
  return l >= 'a' && l <= 'f' ? l - 'a' + 10 : -1;
}

inline std::string_view local_name(const pugi::xml_node& n) {
  std::string_view name = n.name();
  const std::size_t colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

// The first child element of `parent` with that local name (null node when none).
inline pugi::xml_node child_named(const pugi::xml_node& parent, std::string_view name) {
  for (pugi::xml_node c = parent.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && local_name(c) == name) {
      return c;
    }
  }
  return {};
}

}  // namespace kimgate::kim::route_text
