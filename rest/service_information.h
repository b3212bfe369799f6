#pragma once
// I_ServiceInformation 1.0 (ServiceInformation.yaml): GET <base>/serviceinfo, anonymous, base from
// the Account Manager's TXT key "serviceinformation" (default "/ServiceInformation/v1.0").
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "rest/dnssd.h"
#include "rest/http_client.h"

namespace kimgate::rest {

struct ServiceInformation {
  std::string kim_service_version;  // several versions separated by ';'
  std::string password_policy_regex;
  std::string password_policy_display;
  std::optional<std::uint64_t> jwt_expiration;  // seconds
  std::optional<bool> reference_id_required;
  std::optional<bool> initial_password_required;
};
// Tolerant: unknown fields ignored, missing ones stay empty; wrong types are an error. Never throws.
std::optional<ServiceInformation> parse_service_information(std::string_view json, std::string& error);

struct ServiceInformationResult {
  std::optional<ServiceInformation> information;
  int status = 0;
  std::string detail;
  std::string error_body;  // an error answer's body (the provider's Error JSON), for am_error_of()
};

inline constexpr std::string_view kDefaultServiceInformationPath = "/ServiceInformation/v1.0";

net::awaitable<ServiceInformationResult> get_service_information(asio::any_io_executor ex,
                                                                 const ClientSettings& settings,
                                                                 const ServiceEndpoint& accmgr);

}  // namespace kimgate::rest
