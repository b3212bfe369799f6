// libFuzzer: the HTTP response parser exchange() uses (ResponseReader over Beast's parser with our
// limits). The first byte picks a split point and HEAD; feeding in two parts must give the same
// result as feeding at once, and the body never exceeds the limit.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "rest/http_client.h"

namespace {

constexpr std::size_t kMaxHeader = 4096;
constexpr std::size_t kMaxBody = 8192;

struct Outcome {
  kimgate::rest::ResponseReader::State state;
  int status;
  std::string body;
};

Outcome feed_in_parts(std::string_view bytes, std::size_t split, bool head) {
  kimgate::rest::ResponseReader reader(kMaxHeader, kMaxBody, head);
  std::string buffer(bytes.substr(0, split));
  std::string body;
  auto fed = reader.feed(buffer);
  body += reader.take_body();
  if (fed.state == kimgate::rest::ResponseReader::State::more) {
    buffer.erase(0, fed.consumed);
    buffer.append(bytes.substr(split));
    fed = reader.feed(buffer);
    body += reader.take_body();
  }
  if (fed.state == kimgate::rest::ResponseReader::State::more) {
    fed = reader.feed_eof();
    body += reader.take_body();
  }
  return {fed.state, reader.status(), body};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) {
    return 0;
  }
  const bool head = (data[0] & 0x80) != 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::size_t split = bytes.empty() ? 0 : (data[0] & 0x7f) % (bytes.size() + 1);
  const auto whole = kimgate::rest::parse_response(bytes, kMaxHeader, kMaxBody, head);
  if (whole.body.size() > kMaxBody) {
    __builtin_trap();
  }
  const Outcome parts = feed_in_parts(bytes, split, head);
  if (parts.body.size() > kMaxBody) {
    __builtin_trap();
  }
  const bool whole_done = whole.complete;
  const bool parts_done = parts.state == kimgate::rest::ResponseReader::State::done;
  if (whole_done && parts_done && (whole.status != parts.status || whole.body != parts.body)) {
    __builtin_trap();
  }
  return 0;
}
