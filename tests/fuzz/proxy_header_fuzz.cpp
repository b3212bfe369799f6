// The PROXY protocol parser fed the way net/proxy_read.cpp feeds it: starting from nothing, it
// may only ask for more than it has and never for more than a header can be; once it decides,
// the decision holds for the same bytes given at once, a complete header fits in what it asked
// for, and a complete header with an address names parseable text.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "net/proxy_v2.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using kimgate::net::ProxyParse;
  const std::string input(reinterpret_cast<const char*>(data), size);
  std::string have;
  for (;;) {
    const ProxyParse p = kimgate::net::parse_proxy_header(have);
    if (p.status == ProxyParse::Status::need_more) {
      if (p.need <= have.size() || p.need > kimgate::net::kMaxV2Length) {
        std::abort();
      }
      if (p.need > input.size()) {
        return 0;  // the connection would wait for more
      }
      have = input.substr(0, p.need);
      continue;
    }
    if (p.status == ProxyParse::Status::complete) {
      if (p.header.length != have.size()) {
        std::abort();  // the reader consumed exactly the header
      }
      const ProxyParse again = kimgate::net::parse_proxy_header(input);
      if (again.status != ProxyParse::Status::complete || again.header.length != p.header.length ||
          again.header.source_address != p.header.source_address) {
        std::abort();
      }
    } else if (p.error.empty()) {
      std::abort();
    }
    return 0;
  }
}
