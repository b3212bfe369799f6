// The routing-address parser and the service table on arbitrary text.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "kim/route_address.h"
#include "kim/route_services.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  using kimgate::kim::RouteKind;
  const auto r = kimgate::kim::parse_routing_address(in, kimgate::kim::kDefaultRouteDomain);
  if ((r.kind == RouteKind::invalid) == r.error.empty()) {
    std::abort();
  }
  if (r.kind == RouteKind::eau_by_ik && r.ik.size() != 9) {
    std::abort();
  }
  if (r.kind == RouteKind::kv_service && (r.service.empty() || r.service.size() > kimgate::kim::kMaxServiceName)) {
    std::abort();
  }
  const auto table = kimgate::kim::parse_service_table(in, "fuzz");
  if (table.table.has_value() == !table.errors.empty()) {
    std::abort();
  }
  return 0;
}
