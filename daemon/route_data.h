#pragma once
// The routing configuration kimgated and kimctl load at start (issue 18): the service table
// (routing.services_file, else the shipped one), the optional Kostenträger file and SDKVCA file,
// and the routing domain. Loaded once, then shared read-only by every session.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "conf/config.h"
#include "kim/route_services.h"
#include "kim/route_sources.h"

namespace kimgate::daemon {

struct RouteData {
  std::string domain;
  kim::ServiceTable services;
  std::string services_source;
  std::optional<kim::KostentraegerTable> kostentraeger;
  std::optional<kim::Sdkvca> sdkvca;
};

struct RouteDataLoad {
  std::shared_ptr<const RouteData> data;  // null: see errors
  std::vector<std::string> errors;        // "<file>:<line>: sentence", start-up stops
  std::vector<std::string> warnings;      // SDKVCA entries skipped
};
RouteDataLoad load_route_data(const conf::RoutingSection& routing);

}  // namespace kimgate::daemon
