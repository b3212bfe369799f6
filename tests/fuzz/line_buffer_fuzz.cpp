// LineBuffer with the input split at fuzzer-chosen boundaries: the same lines come out
// whatever the split, and nothing longer than the limit is ever returned or buffered.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "net/line_buffer.h"

namespace {
// Drains complete lines as "L:<text>" and overlong ones as "TOO_LONG"; aborts if a
// returned line is longer than the limit.
std::vector<std::string> drain(kimgate::net::LineBuffer& b, std::size_t max) {
  std::vector<std::string> out;
  while (auto l = b.next()) {
    if (l->text.size() > max) {
      std::abort();
    }
    out.push_back(l->kind == kimgate::net::Line::Kind::complete ? "L:" + l->text : "TOO_LONG");
  }
  return out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) {
    return 0;
  }
  const std::size_t max = 1 + data[0] % 64;
  const std::size_t step = 1 + data[1] % 17;
  const std::string input(reinterpret_cast<const char*>(data + 2), size - 2);
  kimgate::net::LineBuffer whole(max);
  whole.feed(input);
  const auto expected = drain(whole, max);
  kimgate::net::LineBuffer pieces(max);
  std::vector<std::string> got;
  for (std::size_t i = 0; i < input.size(); i += step) {
    pieces.feed(std::string_view(input).substr(i, step));
    for (auto& l : drain(pieces, max)) {
      got.push_back(std::move(l));
    }
    if (pieces.buffered() > max + 1 + step) {
      std::abort();
    }
  }
  if (got != expected) {
    std::abort();
  }
  return 0;
}
