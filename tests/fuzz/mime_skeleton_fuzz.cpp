// The MIME skeleton of a large mail (kim/mime_skeleton.h) on arbitrary bytes: never crashes, stays
// within its total limit, and gives the same skeleton whether the mail comes whole or in pieces
// (the first byte chooses the piece size) unless one of them overflowed.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "kim/mime_skeleton.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const std::size_t step = 1 + data[0] % 64;
  const std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  kimgate::kim::MimeSkeleton whole(256, 4096);
  whole.feed(in);
  whole.finish();
  kimgate::kim::MimeSkeleton pieces(256, 4096);
  for (std::size_t at = 0; at < in.size(); at += step) {
    pieces.feed(in.substr(at, step));
  }
  pieces.finish();
  if (whole.text().size() > 4096 || pieces.text().size() > 4096) {
    std::abort();
  }
  if (!whole.overflow() && !pieces.overflow() && pieces.text() != whole.text()) {
    std::abort();
  }
  return 0;
}
