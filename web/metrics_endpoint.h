#pragma once
// The Prometheus endpoint's answers: GET (or HEAD) /metrics gets the exposition in the text
// format 0.0.4; every other path 404, every other method 405. Pure: the exposition comes from
// the caller (net::metrics().exposition() in kimgated), so this is tested without a registry.
#include <functional>
#include <string>

#include "web/http_server.h"

namespace kimgate::web {

inline constexpr const char* kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

Response metrics_response(const Request& request, const std::function<std::string()>& exposition);

}  // namespace kimgate::web
