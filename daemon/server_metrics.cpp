// Server::open_metrics(): the Prometheus endpoint ([metrics] address and port), a loopback HTTP listener
// of its own (web::HttpServer) that answers GET /metrics with net::metrics().exposition().
// Separate from the admin page so that scraping needs no login and works with [web] off.
#include "daemon/server.h"
#include "net/metrics.h"
#include "web/http_server.h"
#include "web/metrics_endpoint.h"

namespace kimgate::daemon {

using net::awaitable;

std::optional<std::string> Server::open_metrics() {
  if (!config_.metrics.enabled()) {
    return std::nullopt;
  }
  web::HttpLimits limits;
  limits.body_bytes = 0;  // a scrape has no body
  limits.timeout = std::chrono::seconds(10);
  limits.connections = 8;
  const auto responder = [](const web::Request& request, const std::string& /*client*/) -> awaitable<web::Response> {
    const auto exposition = [] { return net::metrics().exposition(); };
    co_return web::metrics_response(request, exposition);
  };
  metrics_http_ =
      std::make_unique<web::HttpServer>(io_, config_.metrics.address, config_.metrics.port, limits, responder);
  if (auto err = metrics_http_->open()) {
    return "the metrics endpoint (metrics.address, metrics.port): " + *err;
  }
  return std::nullopt;
}

}  // namespace kimgate::daemon
