// DotDecoder/DotEncoder: decoding (body, bytes used, bare LF/CR counts) is independent of how the
// input is split; what the encoder writes decodes back to the body (plus the line end finish()
// adds).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "net/dot_stream.h"

namespace {
struct Run {
  std::string body;
  std::size_t consumed = 0;
  bool done = false;
  std::uint64_t bare_lf = 0;
  std::uint64_t bare_cr = 0;
};
Run decode(std::string_view wire, std::size_t step) {
  Run r;
  kimgate::net::DotDecoder dec([&](std::string_view s) { r.body.append(s); });
  for (std::size_t i = 0; i < wire.size() && !dec.done(); i += step) {
    r.consumed += dec.feed(wire.substr(i, step));
  }
  r.done = dec.done();
  r.bare_lf = dec.bare_lf();
  r.bare_cr = dec.bare_cr();
  return r;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) {
    return 0;
  }
  const std::size_t step = 1 + data[0] % 13;
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  const Run whole = decode(input, input.size() + 1);
  const Run pieces = decode(input, step);
  if (whole.body != pieces.body || whole.done != pieces.done || whole.consumed != pieces.consumed ||
      whole.bare_lf != pieces.bare_lf || whole.bare_cr != pieces.bare_cr) {
    std::abort();
  }
  std::string wire;
  kimgate::net::DotEncoder enc([&](std::string_view s) { wire.append(s); }, false);
  enc.feed(input);
  enc.finish();
  const Run back = decode(wire, step);
  std::string expected(input);
  if (!expected.empty() && !(expected.size() >= 2 && expected.compare(expected.size() - 2, 2, "\r\n") == 0)) {
    expected += expected.back() == '\r' ? "\n" : "\r\n";
  }
  if (!back.done || back.body != expected || back.consumed != wire.size()) {
    std::abort();
  }
  return 0;
}
