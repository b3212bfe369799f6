// The provider's reply lines and the PVS's MAIL/RCPT path arguments: never crash, results bounded.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "smtp/command.h"
#include "smtp/reply_line.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  const auto reply = kimgate::smtp::parse_reply_line(line);
  if (reply && (reply->code < 200 || reply->code > 599 || reply->text.size() > size)) {
    std::abort();
  }
  for (std::string_view keyword : {"FROM:", "TO:"}) {
    const auto path = kimgate::smtp::parse_path_argument(line, keyword);
    if (path && (path->address.size() + path->params.size() > size ||
                 path->address.find_first_of(" <\"") != std::string_view::npos)) {
      std::abort();
    }
  }
  return 0;
}
