#include "kim/route_address.h"

#include "kim/identifiers.h"
#include "kim/raw_message.h"
#include "kim/route_text.h"

namespace kimgate::kim {

namespace {

bool service_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

RoutingAddress invalid(RoutingAddress r, std::string why) {
  r.kind = RouteKind::invalid;
  r.error = "The routing address <" + r.address + "> " + std::move(why);
  return r;
}

}  // namespace

bool valid_route_domain(std::string_view domain) {
  if (domain.empty() || domain.size() > 253 || domain.front() == '.' || domain.back() == '.') {
    return false;
  }
  bool dot_before = false;
  for (const char c : domain) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
    if (!ok || (c == '.' && dot_before)) {
      return false;
    }
    dot_before = c == '.';
  }
  return true;
}

RoutingAddress parse_routing_address(std::string_view address, std::string_view domain) {
  RoutingAddress r;
  r.address = std::string(address);
  const std::size_t at = address.rfind('@');
  if (at == std::string_view::npos || domain.empty() || !iequals(address.substr(at + 1), domain)) {
    return r;
  }
  const std::string local = route_text::ascii_lower(address.substr(0, at));
  std::string_view rest = local;
  if (rest == "eau") {
    r.kind = RouteKind::eau_from_bundle;
    return r;
  }
  if (rest.substr(0, 4) == "eau-") {
    const std::string_view ik = rest.substr(4);
    const IkCheck check = check_ik(ik);
    if (!check.ok()) {
      std::string why =
          "names the IK '" + std::string(ik) + "', which is not valid: " + std::string(to_string(check.problem));
      if (check.problem == IdentifierProblem::bad_check_digit) {
        why += " (expected " + std::to_string(check.expected_check_digit) + ")";
      }
      return invalid(std::move(r), std::move(why));
    }
    r.kind = RouteKind::eau_by_ik;
    r.ik = std::string(ik);
    return r;
  }
  if (rest.substr(0, 3) == "kv-") {
    rest.remove_prefix(3);
    constexpr std::string_view kTest = "+test";
    if (rest.size() > kTest.size() && rest.substr(rest.size() - kTest.size()) == kTest) {
      r.test = true;
      rest.remove_suffix(kTest.size());
    }
    if (rest.empty() || rest.size() > kMaxServiceName) {
      return invalid(std::move(r), "names no KV service (kv-<service>, e.g. kv-1click)");
    }
    for (const char c : rest) {
      if (!service_char(c)) {
        return invalid(std::move(r), "names the KV service '" + std::string(rest) +
                                         "'; a service name has only letters, digits and '-'");
      }
    }
    r.kind = RouteKind::kv_service;
    r.service = std::string(rest);
    return r;
  }
  return invalid(std::move(r),
                 "is not one of eau@, eau-<IK>@ or kv-<service>@ of the routing domain " + std::string(domain));
}

}  // namespace kimgate::kim
