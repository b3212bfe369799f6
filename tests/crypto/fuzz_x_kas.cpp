// libFuzzer: the x-kas JSON parser; a parsed structure must survive format/parse unchanged.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "kim/x_kas.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto r = kimgate::kim::parse_x_kas(std::string_view(reinterpret_cast<const char*>(data), size));
  if (r.ok()) {
    auto back = kimgate::kim::parse_x_kas(kimgate::kim::format_x_kas(*r.value));
    if (!back.ok() || back.value->link != r.value->link || back.value->k != r.value->k ||
        back.value->hash != r.value->hash || back.value->size != r.value->size) {
      __builtin_trap();
    }
  }
  return 0;
}
