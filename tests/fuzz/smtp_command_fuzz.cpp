// The SMTP command parser on arbitrary lines: never crashes, verb text stays bounded.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "smtp/command.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  const kimgate::smtp::Command c = kimgate::smtp::parse_command(line);
  if (c.verb_text.size() > 16 || c.args.size() > size) {
    std::abort();
  }
  return 0;
}
