// The send path's client-mail work on arbitrary messages: MIME walking, the x-kas and
// forward-to-self checks, address lists and the header fix-ups never crash, and the
// prepared mail is again a parsable message.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "kim/raw_message.h"
#include "kim/send_mail.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kimgate::kim;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const auto mail = parse_raw_message(bytes);
  if (!mail) {
    return 0;
  }
  (void)find_parts(*mail);
  (void)has_xkas_part(*mail);
  (void)forwarded_kim_message(*mail);
  if (const auto to = header_value(*mail, "To")) {
    (void)split_address_list(*to);
  }
  const Prepared p = prepare_inner(*mail, PrepareOptions{{"a@b.test"}, "<id@kimgate.test>"});
  if (mail->header_section.size() < kMaxHeaderBytes / 2 && !parse_raw_message(p.mail)) {
    std::abort();
  }
  return 0;
}
