// The eAU bundle reader (CMS SignedData unwrap + FHIR XML) on arbitrary bytes.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "kim/eau_bundle.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto r = kimgate::kim::read_eau_bundle(in);
  if (r.ik.has_value() == !r.error.empty()) {
    std::abort();
  }
  return 0;
}
