#include "rest/service_information.h"

#include <nlohmann/json.hpp>

#include "rest/json_fields.h"
#include "rest/provider_error.h"
#include "rest/url.h"

namespace kimgate::rest {

namespace {

using json_fields::read_bool;
using json_fields::read_string;
using nlohmann::json;

}  // namespace

std::optional<ServiceInformation> parse_service_information(std::string_view text, std::string& error) {
  const json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    error = "the ServiceInformation answer is not a JSON object";
    return std::nullopt;
  }
  ServiceInformation out;
  std::string why;
  bool good = read_string(j, "kimServiceVersion", out.kim_service_version, why) &&
              read_string(j, "passwordPolicyRegEx", out.password_policy_regex, why) &&
              read_string(j, "passwordPolicyDisplay", out.password_policy_display, why) &&
              read_bool(j, "referenceIdRequired", out.reference_id_required, why) &&
              read_bool(j, "initialPasswordRequired", out.initial_password_required, why);
  const auto jwt = j.find("jwtExpiration");
  if (good && jwt != j.end() && !jwt->is_null()) {
    if (jwt->is_number_unsigned()) {
      out.jwt_expiration = jwt->get<std::uint64_t>();
    } else {
      why = "\"jwtExpiration\" is not a non-negative integer";
      good = false;
    }
  }
  if (!good) {
    error = "the ServiceInformation answer is invalid: " + why;
    return std::nullopt;
  }
  return out;
}

net::awaitable<ServiceInformationResult> get_service_information(asio::any_io_executor ex,
                                                                 const ClientSettings& settings,
                                                                 const ServiceEndpoint& accmgr) {
  ServiceInformationResult out;
  Request request;
  request.method = "GET";
  request.target = join_path(base_path(accmgr, "serviceinformation", kDefaultServiceInformationPath), "serviceinfo");
  request.headers.push_back({"Accept", "application/json"});
  const Response response = co_await exchange(std::move(ex), accmgr.endpoint, settings, std::move(request));
  if (!response.ok()) {
    out.detail = response.error;
    co_return out;
  }
  out.status = response.status;
  const std::string where = host_port(accmgr.endpoint.host, accmgr.endpoint.port);
  if (response.status != 200) {
    out.detail = "ServiceInformation at " + where + " answered " + describe_status(response.status, response.body);
    co_return out;
  }
  std::string error;
  out.information = parse_service_information(response.body, error);
  if (!out.information) {
    out.detail = error + " (from " + where + ")";
  }
  co_return out;
}

}  // namespace kimgate::rest
