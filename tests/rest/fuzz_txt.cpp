// libFuzzer: DNS-SD TXT RDATA (split_txt_rdata) and RFC 6763 key/value parsing (parse_txt).
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <span>

#include "rest/dnssd.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto strings = kimgate::rest::split_txt_rdata(std::span<const std::uint8_t>(data, size));
  if (!strings) {
    return 0;
  }
  std::size_t total = 0;
  for (const auto& s : *strings) {
    total += s.size() + 1;
  }
  if (total != size) {
    __builtin_trap();
  }
  for (const auto& [key, value] : kimgate::rest::parse_txt(*strings)) {
    if (key.empty() || key.size() > 255 || key.find('=') != std::string::npos) {
      __builtin_trap();
    }
    for (const char c : key) {
      if (std::isupper(static_cast<unsigned char>(c)) != 0) {
        __builtin_trap();
      }
    }
    (void)value;
  }
  return 0;
}
