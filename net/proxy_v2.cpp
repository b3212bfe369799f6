#include "net/proxy_v2.h"

#include <arpa/inet.h>

#include <array>
#include <charconv>

namespace kimgate::net {
namespace {

constexpr std::string_view kV2Signature("\r\n\r\n\0\r\nQUIT\n", 12);
constexpr std::string_view kV1Prefix = "PROXY ";

ProxyParse invalid(std::string error) {
  ProxyParse p;
  p.status = ProxyParse::Status::invalid;
  p.error = std::move(error);
  return p;
}

ProxyParse need(std::size_t total) {
  ProxyParse p;
  p.need = total;
  return p;
}

std::uint16_t be16(std::string_view b, std::size_t at) {
  return static_cast<std::uint16_t>((static_cast<unsigned char>(b[at]) << 8) | static_cast<unsigned char>(b[at + 1]));
}

std::string ip_text(int family, const char* raw) {
  std::array<char, INET6_ADDRSTRLEN> buf{};
  if (::inet_ntop(family, raw, buf.data(), buf.size()) == nullptr) {
    return {};
  }
  return buf.data();
}

ProxyParse parse_v2(std::string_view b) {
  if (b.size() < kProxyV2Fixed) {
    return need(kProxyV2Fixed);
  }
  const auto ver_cmd = static_cast<unsigned char>(b[12]);
  const auto fam = static_cast<unsigned char>(b[13]);
  const std::size_t length = be16(b, 14);
  if ((ver_cmd >> 4) != 2) {
    return invalid("PROXY v2 header with version " + std::to_string(ver_cmd >> 4));
  }
  const int command = ver_cmd & 0x0F;
  if (command > 1) {
    return invalid("PROXY v2 header with unknown command " + std::to_string(command));
  }
  if (kProxyV2Fixed + length > kMaxV2Length) {
    return invalid("PROXY v2 header of " + std::to_string(kProxyV2Fixed + length) + " bytes (at most " +
                   std::to_string(kMaxV2Length) + ")");
  }
  if (b.size() < kProxyV2Fixed + length) {
    return need(kProxyV2Fixed + length);
  }
  ProxyParse p;
  p.status = ProxyParse::Status::complete;
  p.header.version = 2;
  p.header.length = kProxyV2Fixed + length;
  if (command == 0) {
    p.header.command = ProxyHeader::Command::local;  // the balancer's own connection: addresses ignored
    return p;
  }
  p.header.command = ProxyHeader::Command::proxy;
  const int family = fam >> 4;
  const int transport = fam & 0x0F;
  if (family == 0) {
    return p;  // UNSPEC: the sender did not know the addresses; the connection's own apply
  }
  if (transport != 1) {
    return invalid("PROXY v2 header for transport " + std::to_string(transport) + ", not a TCP stream");
  }
  if (family != 1 && family != 2) {
    return invalid("PROXY v2 header for address family " + std::to_string(family) + ", not IPv4 or IPv6");
  }
  // TCP4: two 4-byte addresses, TCP6: two 16-byte ones; then the two ports.
  const int af = family == 1 ? AF_INET : AF_INET6;
  const std::size_t ip = family == 1 ? 4 : 16;
  if (length < 2 * ip + 4) {
    return invalid(std::string("PROXY v2 ") + (family == 1 ? "TCP4" : "TCP6") + " header with " +
                   std::to_string(length) + " address bytes (" + std::to_string(2 * ip + 4) + " needed)");
  }
  const char* addr = b.data() + kProxyV2Fixed;
  p.header.source_address = ip_text(af, addr);
  p.header.destination_address = ip_text(af, addr + ip);
  p.header.source_port = be16(b, kProxyV2Fixed + 2 * ip);
  p.header.destination_port = be16(b, kProxyV2Fixed + 2 * ip + 2);
  return p;
}

bool parse_port(std::string_view s, std::uint16_t& out) {
  if (s.empty() || s.size() > 5 || (s.size() > 1 && s[0] == '0')) {
    return false;
  }
  unsigned value = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), value);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || value > 65535) {
    return false;
  }
  out = static_cast<std::uint16_t>(value);
  return true;
}

// The address as written, if it is one of `family` in the canonical text inet_pton accepts.
bool parse_ip(int family, std::string_view s, std::string& out) {
  std::array<char, 16> raw{};
  const std::string text(s);
  if (s.empty() || s.size() > 45 || ::inet_pton(family, text.c_str(), raw.data()) != 1) {
    return false;
  }
  out = ip_text(family, raw.data());
  return true;
}

ProxyParse parse_v1(std::string_view b) {
  const std::size_t end = b.find("\r\n");
  if (end == std::string_view::npos) {
    if (b.size() >= kMaxV1Length) {
      return invalid("PROXY v1 line without CRLF in " + std::to_string(kMaxV1Length) + " bytes");
    }
    return need(b.size() + 1);  // one byte at a time: never past the line
  }
  std::string_view line = b.substr(kV1Prefix.size(), end - kV1Prefix.size());
  std::array<std::string_view, 5> field{};
  std::size_t n = 0;
  while (!line.empty() && n < field.size()) {
    const std::size_t sp = line.find(' ');
    field[n++] = line.substr(0, sp);
    line = sp == std::string_view::npos ? std::string_view() : line.substr(sp + 1);
  }
  ProxyParse p;
  p.status = ProxyParse::Status::complete;
  p.header.version = 1;
  p.header.length = end + 2;
  p.header.command = ProxyHeader::Command::proxy;
  if (n >= 1 && field[0] == "UNKNOWN") {
    return p;  // the rest of the line is ignored by definition
  }
  if (n != 5 || !line.empty() || (field[0] != "TCP4" && field[0] != "TCP6")) {
    return invalid("PROXY v1 line is not \"PROXY TCP4|TCP6 SRC DST SPORT DPORT\"");
  }
  const int family = field[0] == "TCP4" ? AF_INET : AF_INET6;
  if (!parse_ip(family, field[1], p.header.source_address) ||
      !parse_ip(family, field[2], p.header.destination_address) || !parse_port(field[3], p.header.source_port) ||
      !parse_port(field[4], p.header.destination_port)) {
    p.header = ProxyHeader{};
    return invalid("PROXY v1 line with a malformed " + std::string(field[0]) + " address or port");
  }
  return p;
}

}  // namespace

ProxyParse parse_proxy_header(std::string_view bytes) {
  // Decide the version as soon as the bytes allow, asking only for what either header needs:
  // the first 6 bytes tell them apart, and both headers are longer than that.
  if (bytes.size() < kV1Prefix.size()) {
    return need(kV1Prefix.size());
  }
  const std::size_t v2_known = std::min(bytes.size(), kV2Signature.size());
  const bool may_be_v2 = bytes.substr(0, v2_known) == kV2Signature.substr(0, v2_known);
  const std::size_t v1_known = std::min(bytes.size(), kV1Prefix.size());
  const bool may_be_v1 = bytes.substr(0, v1_known) == kV1Prefix.substr(0, v1_known);
  if (may_be_v2 && bytes.size() >= kV2Signature.size()) {
    return parse_v2(bytes);
  }
  if (may_be_v1 && bytes.size() >= kV1Prefix.size()) {
    return parse_v1(bytes);
  }
  if (may_be_v2) {
    return need(kProxyV2Fixed);
  }
  return invalid("the connection did not start with a PROXY protocol header");
}

}  // namespace kimgate::net
