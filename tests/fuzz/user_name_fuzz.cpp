// The composite KIM user name on arbitrary text, both layouts.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "kim/user_name.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  for (auto p : {kimgate::kim::UserNameProtocol::smtp, kimgate::kim::UserNameProtocol::pop3}) {
    const auto r = kimgate::kim::parse_user_name(in, p);
    if (r.value.has_value() == !r.error.empty()) {
      std::abort();
    }
    if (r.value && (r.value->mandant_id.empty() || !kimgate::kim::is_kim_address(r.value->address))) {
      std::abort();
    }
  }
  return 0;
}
