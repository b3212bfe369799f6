// The pure parts of DNS-SD: TXT RDATA splitting and RFC 6763 §6 key/value parsing, instance
// matching. No I/O; fuzzed (tests/rest/fuzz_txt.cpp).
#include <algorithm>
#include <cctype>

#include "rest/dnssd.h"

namespace kimgate::rest {

namespace {

std::string lowered(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
  return out;
}

}  // namespace

std::string base_path(const ServiceEndpoint& at, std::string_view key, std::string_view fallback) {
  const auto it = at.txt.find(std::string(key));
  return it == at.txt.end() || it->second.empty() ? std::string(fallback) : it->second;
}

std::string_view service_label(Service s) {
  return s == Service::kas ? "_kas._tcp" : "_accmgr._tcp";
}

std::optional<std::vector<std::string>> split_txt_rdata(std::span<const std::uint8_t> rdata) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < rdata.size()) {
    const std::size_t length = rdata[at];
    ++at;
    if (length > rdata.size() - at) {
      return std::nullopt;
    }
    out.emplace_back(reinterpret_cast<const char*>(rdata.data() + at), length);
    at += length;
  }
  return out;
}

std::map<std::string, std::string> parse_txt(const std::vector<std::string>& strings) {
  std::map<std::string, std::string> out;
  for (const std::string& s : strings) {
    const std::size_t eq = s.find('=');
    const std::string_view key = std::string_view(s).substr(0, eq);
    // RFC 6763 §6.4: printable US-ASCII except '=', at least one character; we also bound it.
    if (key.empty() || key.size() > 255 ||
        !std::all_of(key.begin(), key.end(), [](char c) { return c >= 0x20 && c <= 0x7e; })) {
      continue;
    }
    const std::string value = eq == std::string::npos ? std::string{} : s.substr(eq + 1);
    out.emplace(lowered(key), value);  // emplace keeps the first occurrence (§6.4)
  }
  return out;
}

bool instance_matches(std::string_view instance, std::string_view provider_domain) {
  const std::string i = lowered(instance);
  std::string d = lowered(provider_domain);
  while (!d.empty() && d.back() == '.') {
    d.pop_back();
  }
  if (d.empty()) {
    return false;
  }
  if (i == d) {
    return true;
  }
  return i.size() > d.size() && i.compare(i.size() - d.size(), d.size(), d) == 0 && i[i.size() - d.size() - 1] == '.';
}

}  // namespace kimgate::rest
