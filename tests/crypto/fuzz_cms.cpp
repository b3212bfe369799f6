// libFuzzer: CMS input as a receiver sees it — SignedData verification, AuthEnvelopedData
// parsing (no keys: parse, recipient-emails lookup, refusal) and recipient-emails extraction.
#include <cstddef>
#include <cstdint>

#include "crypto/auth_enveloped.h"
#include "crypto/signed_data.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const kimgate::crypto::der::View v(data, size);
  (void)kimgate::crypto::verify_signed_data(v);
  (void)kimgate::crypto::open_auth_enveloped(v, "a@x.kim.telematik-test", {});
  (void)kimgate::crypto::envelope_recipient_emails(v);
  return 0;
}
