#pragma once
// The control-socket ops of tracking (issue 18), answered from the TrackStore:
//   {"op":"track.list","account":"..","limit":N} -> {"ok":true,"vorgaenge":[..]}, newest first
//   {"op":"track.show","id":"<id or Message-ID>"} -> {"ok":true,"vorgaenge":[..]} (one per recipient)
//   {"op":"track.overdue","account":".."}          -> {"ok":true,"vorgaenge":[..]}, oldest deadline first
// Each Vorgang: id, message_id, account, service, dienstkennung, recipient, guid, archive,
// status (sent/received/OK/WARNING/ERROR), overdue, vorgangsnummer, summary, and the times as
// ISO 8601 UTC (sent_at, deadline, received_at, answered_at; "" when none). Blocking (disk).
#include <cstdint>
#include <nlohmann/json.hpp>

#include "daemon/track_store.h"

namespace kimgate::daemon {

nlohmann::json track_request(TrackStore& store, const nlohmann::json& request, std::int64_t now);
nlohmann::json vorgang_json(const Vorgang& v, std::int64_t now);

}  // namespace kimgate::daemon
