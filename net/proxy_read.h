#pragma once
// Reads the PROXY protocol header (net/proxy_v2.h) at the start of an accepted connection,
// exactly as many bytes as the header has (the client's first bytes, a TLS ClientHello or a
// command, stay in the socket), within `deadline` for the whole header.
#include <string>

#include "net/asio.h"
#include "net/connection.h"
#include "net/proxy_v2.h"

namespace kimgate::net {

struct ProxyRead {
  ProxyHeader header;
  std::string error;  // non-empty: no valid header (a sentence for the log); close the connection
  bool ok() const { return error.empty(); }
};

// On return the socket is open unless the deadline passed (then it was closed).
awaitable<ProxyRead> read_proxy_header(tcp::socket& socket, Duration deadline);

// After a LOCAL header (the balancer's own connection) on a listener where the client speaks
// first: true when the peer closes without a byte within `deadline` — a health check such as
// HAProxy's `check check-send-proxy`, which needs no session. False when a byte arrives or the
// deadline passes (a real conversation then runs as usual); the byte stays in the socket.
awaitable<bool> closed_without_data(tcp::socket& socket, Duration deadline);

}  // namespace kimgate::net
