// libFuzzer: RFC 4515 escaping. The escaped value must contain no filter metacharacter
// unescaped, only printable ASCII, and must decode back to the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "ldap/filter.h"

namespace {
int unhex(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  return -1;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::string out = kimgate::ldap::escape_filter_value(in);
  std::string back;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const char c = out[i];
    if (c == '(' || c == ')' || c == '*' || c == '\0' || static_cast<unsigned char>(c) < 0x20 ||
        static_cast<unsigned char>(c) >= 0x7f) {
      std::abort();
    }
    if (c == '\\') {
      if (i + 2 >= out.size()) {
        std::abort();
      }
      const int hi = unhex(out[i + 1]);
      const int lo = unhex(out[i + 2]);
      if (hi < 0 || lo < 0) {
        std::abort();
      }
      back.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      back.push_back(c);
    }
  }
  if (back != in) {
    std::abort();
  }
  // The builders must produce balanced parentheses whatever the input.
  const std::string f = kimgate::ldap::filter_name_search(in) + kimgate::ldap::filter_insurer_by_ik(in);
  int depth = 0;
  for (const char c : f) {
    depth += c == '(' ? 1 : (c == ')' ? -1 : 0);
    if (depth < 0) {
      std::abort();
    }
  }
  if (depth != 0) {
    std::abort();
  }
  return 0;
}
