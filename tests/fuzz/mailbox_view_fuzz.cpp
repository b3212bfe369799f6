// Receive filtering's parsers: parse_listing (the provider's LIST/UIDL lines) never accepts a
// line it cannot give back, and a view built from what it accepts answers every command within
// its own numbers; outer_dienstkennung and pattern_matches take any header bytes and patterns.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "kim/receive_filter.h"
#include "pop3/mailbox_view.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto listing = kimgate::pop3::parse_listing(input);
  if (listing) {
    std::vector<kimgate::pop3::ViewMessage> visible;
    for (const auto& e : *listing) {
      if (e.number == 0 || e.value.empty() || e.value.size() > 70 || e.value.find(' ') != std::string::npos) {
        std::abort();
      }
      if (e.number % 2 == 1) {
        visible.push_back({e.number, e.value.size(), e.value, false});
      }
    }
    kimgate::pop3::MailboxView view(visible);
    for (std::size_t n = 0; n <= visible.size() + 1; ++n) {
      const std::string k = std::to_string(n);
      const auto up = view.upstream_number(k);
      if (up.has_value() != (n >= 1 && n <= visible.size()) || (up && *up != visible[n - 1].upstream)) {
        std::abort();
      }
      view.mark_deleted(k);
      if (view.upstream_number(k)) {
        std::abort();
      }
    }
    if (view.stat() != "+OK 0 0\r\n") {
      std::abort();
    }
    view.reset();
    if (view.list().size() < 5 || view.uidl().size() < 5) {
      std::abort();
    }
  }
  const std::size_t cut = input.find('\n');
  const std::string_view pattern = input.substr(0, cut == std::string_view::npos ? 0 : cut);
  const auto dk = kimgate::kim::outer_dienstkennung(input);
  if (dk) {
    (void)kimgate::kim::pattern_matches(pattern, *dk);
    if (!kimgate::kim::pattern_matches("*", *dk) && !dk->empty()) {
      std::abort();
    }
  }
  return 0;
}
