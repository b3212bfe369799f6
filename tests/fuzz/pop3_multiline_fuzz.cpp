// MultilineReader (the upstream POP3 multi-line reply reader): the outcome does not depend on
// how the bytes are split; what it took is a prefix of the input; a finished body ends the wire
// form with CRLF "." CRLF; the unstuffed body never passes the limit.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "pop3/multiline.h"

namespace {
struct Run {
  kimgate::pop3::MultilineReader::Status status;
  std::string raw;
  std::string body;
  std::size_t consumed = 0;
};
Run read(std::string_view wire, std::size_t step, std::uint64_t limit) {
  kimgate::pop3::MultilineReader r(limit);
  std::size_t consumed = 0;
  for (std::size_t i = 0; i < wire.size() && r.status() == kimgate::pop3::MultilineReader::Status::more; i += step) {
    consumed += r.feed(wire.substr(i, step));
  }
  return Run{r.status(), r.raw(), r.body(), consumed};
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) {
    return 0;
  }
  const std::size_t step = 1 + data[0] % 17;
  const std::uint64_t limit = 1 + data[1] * 8u;
  const std::string_view input(reinterpret_cast<const char*>(data + 2), size - 2);
  const Run whole = read(input, input.size() + 1, limit);
  const Run pieces = read(input, step, limit);
  using Status = kimgate::pop3::MultilineReader::Status;
  if (pieces.status != Status::too_large && whole.status != Status::too_large &&
      (whole.status != pieces.status || whole.raw != pieces.raw || whole.body != pieces.body)) {
    std::abort();
  }
  for (const Run* r : {&whole, &pieces}) {
    if (r->raw != input.substr(0, r->consumed)) {
      std::abort();
    }
    if (r->status == Status::done &&
        (r->raw.size() < 3 || r->raw.compare(r->raw.size() - 3, 3, ".\r\n") != 0 || r->body.size() > limit)) {
      std::abort();
    }
  }
  return 0;
}
