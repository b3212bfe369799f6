// libFuzzer: the recipient-emails attribute parser (both shapes).
#include <cstddef>
#include <cstdint>

#include "crypto/recipient_emails.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto r = kimgate::crypto::parse_recipient_emails(kimgate::crypto::der::View(data, size));
  if (r.ok()) {
    const auto again = kimgate::crypto::encode_recipient_emails(*r.value);
    auto back = kimgate::crypto::parse_recipient_emails(kimgate::crypto::der::view(again));
    if (!back.ok() || !kimgate::crypto::same_recipient_emails(*back.value, *r.value)) {
      __builtin_trap();  // what we write we must read back identically
    }
  }
  return 0;
}
