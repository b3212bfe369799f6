// The SDKVCA reader and the Kostenträger file on arbitrary bytes.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "kim/route_sources.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto r = kimgate::kim::parse_sdkvca(in, "fuzz.xml");
  if (r.file.has_value() == !r.error.empty()) {
    std::abort();
  }
  if (r.file) {
    for (const auto& s : r.file->services) {
      if (s.kv.empty() || s.service.empty()) {
        std::abort();
      }
      (void)r.file->find(s.kv, s.service, "2026-12-04");
    }
    bool test = false;
    (void)r.file->by_kv_connect_address("abrechnung.46@kv-safenet.de", &test);
  }
  const auto k = kimgate::kim::parse_kostentraeger(in, "fuzz.txt");
  if (k.table.has_value() == !k.errors.empty()) {
    std::abort();
  }
  return 0;
}
