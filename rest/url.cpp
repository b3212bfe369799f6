#include "rest/url.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace kimgate::rest {

namespace {

char lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.';
}

// RFC 3986 pchar plus '/' and '?' (path and query); percent-escapes are kept as they are.
bool is_target_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u <= 0x20 || u >= 0x7f) {
    return false;
  }
  return c != '#' && c != '"' && c != '<' && c != '>' && c != '\\' && c != '^' && c != '`' && c != '{' && c != '|' &&
         c != '}';
}

bool valid_dns_name(std::string_view host) {
  if (host.empty() || host.size() > 253 || host.front() == '.' || host.front() == '-') {
    return false;
  }
  std::size_t label = 0;
  for (const char c : host) {
    if (!is_name_char(c)) {
      return false;
    }
    label = c == '.' ? 0 : label + 1;
    if (label > 63) {
      return false;
    }
  }
  return host.find("..") == std::string_view::npos;
}

bool valid_v6_literal(std::string_view host) {
  if (host.empty() || host.size() > 45) {
    return false;
  }
  return std::all_of(
             host.begin(), host.end(),
             [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':' || c == '.'; }) &&
         host.find(':') != std::string_view::npos;
}

}  // namespace

std::optional<HttpsUrl> parse_https_url(std::string_view url) {
  constexpr std::string_view scheme = "https://";
  if (url.size() < scheme.size() || url.size() > 8192) {
    return std::nullopt;
  }
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    if (lower(url[i]) != scheme[i]) {
      return std::nullopt;
    }
  }
  std::string_view rest = url.substr(scheme.size());
  const std::size_t slash = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, slash);
  std::string_view target = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) {
    return std::nullopt;  // userinfo: credentials never travel in a URL
  }
  HttpsUrl out;
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return std::nullopt;
    }
    const std::string_view v6 = authority.substr(1, close - 1);
    if (!valid_v6_literal(v6)) {
      return std::nullopt;
    }
    out.host.assign(v6);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return std::nullopt;
      }
      port_text = after.substr(1);
      if (port_text.empty()) {
        return std::nullopt;
      }
    }
  } else {
    const std::size_t colon = authority.find(':');
    const std::string_view name = authority.substr(0, colon);
    if (!valid_dns_name(name)) {
      return std::nullopt;
    }
    out.host.assign(name);
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) {
        return std::nullopt;
      }
    }
  }
  std::transform(out.host.begin(), out.host.end(), out.host.begin(), lower);
  if (!port_text.empty()) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || value == 0 || value > 65535 ||
        port_text.size() > 5) {
      return std::nullopt;
    }
    out.port = static_cast<std::uint16_t>(value);
  }
  if (target.empty()) {
    out.target = "/";
    return out;
  }
  if (!std::all_of(target.begin(), target.end(), is_target_char)) {
    return std::nullopt;  // fragments, spaces, CR/LF, controls, non-ASCII
  }
  if (target.front() == '?') {
    out.target = "/";
  }
  out.target.append(target);
  return out;
}

std::string host_port(std::string_view host, std::uint16_t port) {
  std::string out;
  if (host.find(':') != std::string_view::npos) {
    out.append("[").append(host).append("]");
  } else {
    out.append(host);
  }
  return out + ":" + std::to_string(port);
}

std::string join_path(std::string_view base, std::string_view path) {
  while (!base.empty() && base.back() == '/') {
    base.remove_suffix(1);
  }
  while (!path.empty() && path.front() == '/') {
    path.remove_prefix(1);
  }
  std::string out;
  if (base.empty() || base.front() != '/') {
    out.push_back('/');
  }
  out.append(base).append("/").append(path);
  return out;
}

}  // namespace kimgate::rest
