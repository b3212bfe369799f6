#include "web/metrics_endpoint.h"

namespace kimgate::web {

Response metrics_response(const Request& request, const std::function<std::string()>& exposition) {
  const std::string_view target(request.target().data(), request.target().size());
  const std::string_view path = target.substr(0, target.find('?'));
  if (path != "/metrics") {
    return plain_response(http::status::not_found, "Not found: this server answers only GET /metrics.\n",
                          request.version());
  }
  if (request.method() != http::verb::get && request.method() != http::verb::head) {
    Response res = plain_response(http::status::method_not_allowed, "Only GET and HEAD.\n", request.version());
    res.set(http::field::allow, "GET, HEAD");
    return res;
  }
  Response res{http::status::ok, request.version()};
  res.set(http::field::content_type, kPrometheusContentType);
  res.set(http::field::cache_control, "no-store");
  res.body() = exposition();
  res.keep_alive(request.keep_alive());
  res.prepare_payload();
  if (request.method() == http::verb::head) {
    res.body().clear();  // Content-Length stays that of the GET answer
  }
  return res;
}

}  // namespace kimgate::web
