// The tracking answer matcher (issue 18) on arbitrary bytes: never crashes, and what it returns
// stays within its bounds (kMaxField per string, kMaxKeys keys, a result only for an answer).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "kim/track_match.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  using kimgate::kim::AnswerKind;
  const auto f = kimgate::kim::classify_answer(in);
  if (f.summary.size() > kimgate::kim::kMaxField || f.vorgangsnummer.size() > kimgate::kim::kMaxField ||
      f.dienstkennung.size() > kimgate::kim::kMaxField) {
    std::abort();
  }
  if (f.message_ids.size() > kimgate::kim::kMaxKeys || f.guids.size() > kimgate::kim::kMaxKeys ||
      f.archives.size() > kimgate::kim::kMaxKeys) {
    std::abort();
  }
  if (f.kind == AnswerKind::none && (f.result != kimgate::kim::TrackResult::none || !f.message_ids.empty())) {
    std::abort();
  }
  if (f.kind == AnswerKind::mdn && f.result != kimgate::kim::TrackResult::none) {
    std::abort();
  }
  for (const auto& g : f.guids) {
    if (g.size() != 36) {
      std::abort();
    }
  }
  return 0;
}
