#pragma once
// Routing addresses (issue 18): a PVS may address a mail to a reserved domain (default
// `route.kimgate.invalid`, RFC 2606) instead of a KIM address, and kimgated replaces it with
// the KIM address of the insurer or KV it stands for. Pure parser, no I/O.
//
//   eau-<IK>@<domain>          eAU to the insurer with that IK (9 digits, check digit checked)
//   eau@<domain>               eAU; the IK is read from the eAU bundle in the mail
//   kv-<service>@<domain>      a KV service (`1click`, `edoku-qshlt`, `sqs`, `qs-sono`, ...),
//                              known services come from the service table (route_services.h)
//   kv-<service>+test@<domain> the same as a test delivery (the KV's test address)
//
// Local part and domain compare ASCII case-insensitively. An address outside the domain is
// not a routing address (kind `none`); one inside it that does not parse is an error with a
// sentence naming the address.
#include <string>
#include <string_view>

namespace kimgate::kim {

inline constexpr std::string_view kDefaultRouteDomain = "route.kimgate.invalid";
inline constexpr std::size_t kMaxServiceName = 40;

enum class RouteKind {
  none,             // not in the routing domain: an ordinary address
  eau_by_ik,        // eau-<IK>@
  eau_from_bundle,  // eau@
  kv_service,       // kv-<service>@
  invalid,          // in the routing domain, but not one of the forms above
};

struct RoutingAddress {
  RouteKind kind = RouteKind::none;
  std::string address;  // as given
  std::string ik;       // eau_by_ik
  std::string service;  // kv_service, lower case
  bool test = false;    // "+test"
  std::string error;    // invalid: why, a sentence naming the address
};

// True when `domain` is a usable routing domain (a DNS name of letters, digits, '-' and '.').
bool valid_route_domain(std::string_view domain);
RoutingAddress parse_routing_address(std::string_view address, std::string_view domain);

}  // namespace kimgate::kim
