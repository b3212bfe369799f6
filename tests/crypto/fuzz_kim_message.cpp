// libFuzzer: the raw-bytes mail parsing of the receive side (kim/raw_message, kim/kom_le,
// the outer/inner header comparison and the mails built around untrusted input).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "kim/kom_le.h"
#include "kim/raw_message.h"
#include "kim/receive_mail.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto m = kimgate::kim::parse_raw_message(in)) {
    for (const auto& f : m->fields) {
      (void)kimgate::kim::addr_specs(f.value());
      (void)kimgate::kim::mime_parameter(f.value(), "boundary");
    }
  }
  (void)kimgate::kim::parse_outer_message(in);
  (void)kimgate::kim::signed_data_of(in);
  (void)kimgate::kim::inner_mail_of(in);
  (void)kimgate::kim::outer_inner_headers_match(in, in.substr(0, size / 2));
  (void)kimgate::kim::delivered_mail(in, in, "01");
  const kimgate::kim::Generated g{"<fuzz@kimgate.local>", "Mon, 23 Nov 2026 12:00:00 +0000"};
  (void)kimgate::kim::integrity_error_mail(in, in, "08", g);
  return 0;
}
