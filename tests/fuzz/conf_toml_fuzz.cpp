// The configuration loader on arbitrary text: a diagnostic or a config, never a crash.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "conf/load.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 64 * 1024) {
    return 0;
  }
  const auto r = kimgate::conf::load_string(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.toml",
                                            "/nonexistent");
  if (r.ok() == r.errors.size() > 0) {
    std::abort();
  }
  return 0;
}
