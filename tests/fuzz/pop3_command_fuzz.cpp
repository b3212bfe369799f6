// The POP3 command parser on arbitrary lines.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "pop3/command.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const kimgate::pop3::Command c =
      kimgate::pop3::parse_command(std::string_view(reinterpret_cast<const char*>(data), size));
  std::size_t total = 0;
  for (const auto& a : c.args) {
    total += a.size();
  }
  if (c.verb_text.size() > 16 || total > size) {
    std::abort();
  }
  return 0;
}
