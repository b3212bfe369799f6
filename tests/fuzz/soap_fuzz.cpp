// The Konnektor SOAP readers on arbitrary bytes: connector.sds, every response parser of the
// client, and the test Konnektor's request parser. Each returns a value or an error, never both.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "konnektor/soap/responses.h"
#include "konnektor/soap/sds.h"
#include "tests/konnektor_sim/codec.h"

namespace k = kimgate::konnektor;

template <class T>
void check(const k::Outcome<T>& o) {
  if (!o.ok() && o.error.code == 0) {
    std::abort();
  }
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const k::soap::SdsResult sds = k::soap::parse_sds(in);
  if (sds.ok() == !sds.error.empty()) {
    std::abort();
  }
  const k::soap::Versions v;
  check(k::soap::parse_get_cards(v, in));
  check(k::soap::parse_get_pin_status(v, in));
  check(k::soap::parse_verify_pin(v, in));
  check(k::soap::parse_read_card_certificate(v, in, k::CertRef::enc, k::Crypt::rsa));
  check(k::soap::parse_get_job_number(v, in));
  check(k::soap::parse_sign_document(v, in));
  check(k::soap::parse_encrypt_document(v, in));
  check(k::soap::parse_decrypt_document(v, in));
  check(k::soap::parse_verify_document(v, in));
  check(k::soap::parse_verify_certificate(v, in));
  check(k::soap::parse_external_authenticate(v, in));
  for (const k::soap::Service s : k::soap::kServices) {
    const k::sim::ParseResult r = k::sim::parse_request(v, s, "", in);
    if (!r.value && r.error.code == 0) {
      std::abort();
    }
  }
  return 0;
}
