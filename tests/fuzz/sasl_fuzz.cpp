// SASL PLAIN/LOGIN decoding on arbitrary responses; base64 round trip.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "net/sasl.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto plain = kimgate::net::decode_plain(in);
  if (plain.credentials && (plain.credentials->user.empty() || plain.credentials->password.empty())) {
    std::abort();
  }
  kimgate::net::decode_login_step(in);
  if (kimgate::net::decode_base64(kimgate::net::encode_base64(in)) != in) {
    std::abort();
  }
  return 0;
}
