#pragma once
// HTTPS URLs of the provider's REST services: the sharedLink a KAS returns and configured service
// URLs. parse_https_url() accepts `https://host[:port][/path[?query]]` only: a DNS name or an IPv4
// literal or a bracketed IPv6 literal, no userinfo, no fragment, no CR/LF/space/control characters.
// The target always starts with '/'. Pure: no I/O.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kimgate::rest {

struct HttpsUrl {
  std::string host;  // without brackets for IPv6 literals, lower-cased
  std::uint16_t port = 443;
  std::string target;  // path[?query], starts with '/'
};

std::optional<HttpsUrl> parse_https_url(std::string_view url);

// "host:port" for sentences ("[v6]:port" for IPv6 literals).
std::string host_port(std::string_view host, std::uint16_t port);

// `base` (a base path from a TXT record or a default) joined with `path`: exactly one '/' between.
std::string join_path(std::string_view base, std::string_view path);

}  // namespace kimgate::rest
