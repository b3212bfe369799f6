#include "daemon/route_data.h"

#include <fstream>
#include <sstream>

#include "kim/route_services_default.h"

namespace kimgate::daemon {

namespace {

std::optional<std::string> read_file(const conf::Path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return std::nullopt;
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  if (buf.str().size() > kim::kMaxMasterFile) {
    return std::nullopt;
  }
  return buf.str();
}

}  // namespace

RouteDataLoad load_route_data(const conf::RoutingSection& routing) {
  RouteDataLoad out;
  auto data = std::make_shared<RouteData>();
  data->domain = routing.domain;
  std::string table_text(kim::kShippedServiceTable);
  std::string table_name(kim::kShippedServiceTableName);
  if (!routing.services_file.empty()) {
    auto text = read_file(routing.services_file);
    if (!text) {
      out.errors.push_back(routing.services_file.string() + ": cannot read the routing service table");
      return out;
    }
    table_text = std::move(*text);
    table_name = routing.services_file.string();
  }
  kim::ServiceTableResult table = kim::parse_service_table(table_text, table_name);
  if (!table.table) {
    out.errors = std::move(table.errors);
    return out;
  }
  data->services = std::move(*table.table);
  data->services_source = table_name;
  if (!routing.kostentraeger_file.empty()) {
    auto text = read_file(routing.kostentraeger_file);
    kim::KostentraegerResult kt =
        text ? kim::parse_kostentraeger(*text, routing.kostentraeger_file.string()) : kim::KostentraegerResult{};
    if (!text) {
      kt.errors.push_back(routing.kostentraeger_file.string() + ": cannot read the Kostenträger file");
    }
    if (!kt.table) {
      out.errors = std::move(kt.errors);
      return out;
    }
    data->kostentraeger = std::move(kt.table);
  }
  if (!routing.sdkvca_file.empty()) {
    auto text = read_file(routing.sdkvca_file);
    if (!text) {
      out.errors.push_back(routing.sdkvca_file.string() + ": cannot read the SDKVCA file (or it is over 16 MiB)");
      return out;
    }
    kim::SdkvcaResult file = kim::parse_sdkvca(*text, routing.sdkvca_file.string());
    if (!file.file) {
      out.errors.push_back(file.error);
      return out;
    }
    out.warnings = std::move(file.warnings);
    data->sdkvca = std::move(file.file);
  }
  out.data = std::move(data);
  return out;
}

}  // namespace kimgate::daemon
