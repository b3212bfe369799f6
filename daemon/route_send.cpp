#include "daemon/route_send.h"

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <stdexcept>

#include "daemon/route_resolve.h"
#include "kim/route_sources.h"

namespace kimgate::daemon {

std::shared_ptr<const RouteData> load_routing(const conf::Config& config) {
  RouteDataLoad loaded = load_route_data(config.routing);
  for (const auto& w : loaded.warnings) {
    spdlog::warn("event=routing_file_warning detail=\"{}\"", w);
  }
  if (!loaded.data) {
    std::string all;
    for (const auto& e : loaded.errors) {
      all += (all.empty() ? "" : "; ") + e;
    }
    throw std::runtime_error("routing: " + all);
  }
  spdlog::info("event=routing_loaded domain={} services={} table=\"{}\" kostentraeger={} sdkvca={}",
               loaded.data->domain, loaded.data->services.services.size(), loaded.data->services_source,
               loaded.data->kostentraeger ? loaded.data->kostentraeger->source : "-",
               loaded.data->sdkvca ? loaded.data->sdkvca->source : "-");
  return loaded.data;
}

namespace {

// The routed KIM addresses with their services (a KV-Connect address takes its service from the
// routed mail's Dienstkennung), the GUID and the eDoku archive, for tracking.
void note_track(const RouteData& routing, RouteOutcome& outcome, const kim::RawMessage& routed, RouteTrack& track) {
  track.dienstkennung = kim::header_value(routed, "X-KIM-Dienstkennung").value_or("");
  const kim::RouteService* by_dk = routing.services.by_dienstkennung(track.dienstkennung);
  for (RoutedTarget& t : outcome.targets) {
    if (t.service == "kv-connect" && by_dk != nullptr) {
      t.service = by_dk->name;
    }
    track.targets.push_back(std::move(t));
  }
  track.guid = outcome.guid;
  track.archive = std::move(outcome.archive);
}

}  // namespace

net::awaitable<std::optional<smtp::Answer>> route_mail(const RouteData& routing, ldap::Directory& directory,
                                                       smtp::Envelope& envelope, std::shared_ptr<std::string>& message,
                                                       std::optional<kim::RawMessage>& mail, RouteTrack* track,
                                                       bool headers_only) {
  const auto now = std::chrono::system_clock::now();
  RouteRequest request;
  request.data = &routing;
  request.directory = &directory;
  request.envelope = envelope;
  request.mail = &*mail;
  request.headers_only = headers_only;
  request.today = kim::iso_date(std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count());
  net::awaitable<RouteOutcome> op = resolve_routes(std::move(request));
  RouteOutcome outcome = co_await std::move(op);
  const std::string message_id = kim::header_value(*mail, "Message-ID").value_or("-");
  if (outcome.refusal) {
    spdlog::info("event=route_refused message_id={} code={} enhanced={} reason=\"{}\"", message_id,
                 outcome.refusal->code, outcome.refusal->enhanced, outcome.refusal->sentence);
    co_return smtp::Answer{outcome.refusal->code, outcome.refusal->enhanced, outcome.refusal->sentence};
  }
  for (const auto& step : outcome.steps) {
    spdlog::info("event=route_resolved message_id={} service={} from=<{}> to=<{}> guid={} reason=\"{}\"", message_id,
                 step.service, step.from, step.to, outcome.guid.empty() ? "-" : outcome.guid, step.reason);
  }
  if (outcome.message) {
    OPENSSL_cleanse(message->data(), message->size());
    *message = std::move(*outcome.message);
    mail = kim::parse_raw_message(*message);
    envelope = std::move(outcome.envelope);
    if (!mail) {
      co_return smtp::Answer{451, "4.3.0", "Internal error: the routed mail has no valid header section"};
    }
  }
  if (track != nullptr && !outcome.steps.empty()) {
    note_track(routing, outcome, *mail, *track);  // the routed mail, parsed once above
  }
  co_return std::nullopt;
}

}  // namespace kimgate::daemon
