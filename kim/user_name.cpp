#include "kim/user_name.h"

#include <cctype>

namespace kimgate::kim {
namespace {

constexpr std::size_t kMaxContextField = 64;  // ConnectorContext: MandantId etc. at most 64 characters
constexpr std::size_t kMaxUserName = 1024;

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = text.find(sep, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) {
      return parts;
    }
    start = end + 1;
  }
}

bool printable(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x21 || u == 0x7F) {
      return false;
    }
  }
  return true;
}

bool host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_';
}

std::string optional_field(std::string_view f) {
  return f == "*" ? std::string() : std::string(f);
}

}  // namespace

std::optional<ServerAddress> parse_server(std::string_view text) {
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {  // [IPv6]:port
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    for (char c : host) {
      if (std::isxdigit(static_cast<unsigned char>(c)) == 0 && c != ':' && c != '.') {
        return std::nullopt;
      }
    }
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return std::nullopt;
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    for (char c : host) {
      if (!host_char(c)) {
        return std::nullopt;
      }
    }
  }
  if (host.empty() || host.size() > 253 || port.empty() || port.size() > 5) {
    return std::nullopt;
  }
  std::uint32_t p = 0;
  for (char c : port) {
    if (std::isdigit(static_cast<unsigned char>(c)) == 0) {
      return std::nullopt;
    }
    p = p * 10 + static_cast<std::uint32_t>(c - '0');
  }
  if (p == 0 || p > 65535) {
    return std::nullopt;
  }
  return ServerAddress{std::string(host), static_cast<std::uint16_t>(p)};
}

bool is_kim_address(std::string_view address) {
  const std::size_t at = address.find('@');
  if (at == std::string_view::npos || address.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  const std::string_view local = address.substr(0, at);
  const std::string_view domain = address.substr(at + 1);
  if (local.empty() || local.size() > 64 || domain.empty() || domain.size() > 189 || domain.front() == '.' ||
      domain.back() == '.' || domain.find("..") != std::string_view::npos) {
    return false;
  }
  for (char c : local) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '.' && c != '-' && c != '_') {
      return false;
    }
  }
  for (char c : domain) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '.' && c != '-') {
      return false;
    }
  }
  return true;
}

UserNameResult parse_user_name(std::string_view text, UserNameProtocol protocol) {
  UserNameResult r;
  const char* server_kind = protocol == UserNameProtocol::smtp ? "SMTP" : "POP3";
  if (text.size() > kMaxUserName || !printable(text)) {
    r.error = "the user name is too long or contains control characters or spaces";
    return r;
  }
  const std::vector<std::string_view> f = split(text, '#');
  if (f.size() < 5) {
    r.error = std::string("the user name must contain address and port of the ") + server_kind +
              " server and the Konnektor call context: address#host:port#MandantId#ClientSystemId#WorkplaceId";
    return r;
  }
  UserName u;
  u.address = std::string(f[0]);
  if (!is_kim_address(u.address)) {
    r.error = "\"" + u.address + "\" in the user name is not a KIM address";
    return r;
  }
  if (f[1] != "*" && !f[1].empty()) {
    u.server = parse_server(f[1]);
    if (!u.server) {
      r.error = std::string("the user name must contain address and port of the ") + server_kind +
                " server as host:port, not \"" + std::string(f[1]) + "\"";
      return r;
    }
  }
  static constexpr const char* kNames[] = {"MandantId", "ClientSystemId", "WorkplaceId"};
  std::string* targets[] = {&u.mandant_id, &u.client_system_id, &u.workplace_id};
  for (int i = 0; i < 3; ++i) {
    const std::string_view v = f[2 + static_cast<std::size_t>(i)];
    if (v.empty() || v == "*") {
      r.error = std::string("the user name lacks the ") + kNames[i] + " of the Konnektor call context";
      return r;
    }
    if (v.size() > kMaxContextField) {
      r.error = std::string("the ") + kNames[i] + " in the user name is longer than 64 characters";
      return r;
    }
    *targets[i] = std::string(v);
  }
  std::size_t next = 5;
  if (protocol == UserNameProtocol::pop3 && next < f.size()) {
    u.user_id = optional_field(f[next++]);
    if (u.user_id.size() > kMaxContextField) {
      r.error = "the UserId in the user name is longer than 64 characters";
      return r;
    }
  }
  if (next < f.size()) {
    u.konnektor_id = optional_field(f[next++]);
  }
  for (; next < f.size(); ++next) {
    u.extra.emplace_back(f[next]);
  }
  r.value = std::move(u);
  return r;
}

}  // namespace kimgate::kim
