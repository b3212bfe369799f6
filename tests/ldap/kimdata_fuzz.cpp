// libFuzzer: the komLeData / kimData parsers and the entry conversion. A value that parses
// must carry a plausible mail and version; nothing may crash on any bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "ldap/entry.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto kl = kimgate::ldap::parse_kom_le_data(in);
  if (kl.ok() && (kl.value->mail.find('@') == std::string::npos || kl.value->version.version.empty())) {
    std::abort();
  }
  const auto kd = kimgate::ldap::parse_kim_data(in);
  if (kd.ok() && (kd.value->mail.find('@') == std::string::npos || kd.value->version.version.empty())) {
    std::abort();
  }
  for (const auto& tag : kd.ok() ? kd.value->app_tags : std::vector<std::string>{}) {
    if (tag.empty() || tag.find('|') != std::string::npos) {
      std::abort();
    }
  }
  kimgate::ldap::RawEntry raw;
  raw.add("mail", "a@b.de");
  raw.add("komLeData", std::string(in));
  raw.add("kimData", std::string(in));
  raw.add("personalEntry", std::string(in));
  const auto entry = kimgate::ldap::to_vzd_entry(raw);
  const auto version = kimgate::ldap::kim_version_of(entry, "a@b.de");
  if (version.version.version.empty()) {
    std::abort();
  }
  return 0;
}
