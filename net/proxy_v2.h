#pragma once
// The PROXY protocol header (HAProxy's proxy-protocol.txt) that a load balancer sends before
// the client's first byte, so that kimgated sees the client's address instead of its own.
// Version 2 (binary: TCP over IPv4/IPv6, LOCAL for the balancer's own health checks) and
// version 1 (text: TCP4, TCP6, UNKNOWN). Pure: bytes in, a value or a typed error out; no Asio.
//
// parse_proxy_header() is called with the bytes read so far from the start of the connection.
// It says `need_more` with the total it needs at least (never more than the header itself, so a
// reader that fetches exactly that many bytes never consumes the client's data behind it),
// `complete` with the header's length, or `invalid` with a sentence for the log. TLVs after
// the v2 addresses are skipped; a v2 header is at most kMaxV2Length bytes, a v1 line 107.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace kimgate::net {

struct ProxyHeader {
  enum class Command { local, proxy };
  Command command = Command::local;
  // Empty for LOCAL, UNSPEC and v1 UNKNOWN: the connection's own endpoints apply.
  std::string source_address;  // "192.0.2.1", "2001:db8::1"
  std::uint16_t source_port = 0;
  std::string destination_address;
  std::uint16_t destination_port = 0;
  int version = 2;
  std::size_t length = 0;  // bytes the header took from the stream
  bool has_address() const { return !source_address.empty(); }
};

struct ProxyParse {
  enum class Status { complete, need_more, invalid };
  Status status = Status::need_more;
  std::size_t need = 0;  // need_more: read until this many bytes are there
  ProxyHeader header;    // complete
  std::string error;     // invalid
};

inline constexpr std::size_t kProxyV2Fixed = 16;
inline constexpr std::size_t kMaxV2Length = kProxyV2Fixed + 4096;
inline constexpr std::size_t kMaxV1Length = 107;

ProxyParse parse_proxy_header(std::string_view bytes);

}  // namespace kimgate::net
