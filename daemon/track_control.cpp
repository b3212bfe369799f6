#include "daemon/track_control.h"

#include "daemon/admin_internal.h"
#include "kim/route_sources.h"

namespace kimgate::daemon {

using nlohmann::json;

namespace {

std::string time_or_empty(std::int64_t t) {
  return t == 0 ? std::string() : kim::iso_utc(t);
}

json array_of(const std::vector<Vorgang>& rows, std::int64_t now) {
  json out = json::array();
  for (const Vorgang& v : rows) {
    out.push_back(vorgang_json(v, now));
  }
  return out;
}

}  // namespace

json vorgang_json(const Vorgang& v, std::int64_t now) {
  const Submission& s = v.submission;
  return json{{"id", v.id},
              {"message_id", s.message_id},
              {"account", s.account},
              {"service", s.service},
              {"dienstkennung", s.dienstkennung},
              {"recipient", s.recipient},
              {"guid", s.guid},
              {"archive", s.archive},
              {"status", std::string(to_string(v.status))},
              {"overdue", v.overdue(now)},
              {"vorgangsnummer", v.vorgangsnummer},
              {"summary", v.summary},
              {"sent_at", time_or_empty(s.sent_at)},
              {"deadline", s.deadline ? kim::iso_utc(*s.deadline) : std::string()},
              {"received_at", time_or_empty(v.received_at)},
              {"answered_at", time_or_empty(v.answered_at)}};
}

json track_request(TrackStore& store, const json& request, std::int64_t now) {
  const std::string op = request.value("op", "");
  const std::string account = admin::text(request, "account");
  if (op == "track.list") {
    TrackQuery q;
    q.account = account;
    if (request.contains("limit") && request["limit"].is_number_unsigned()) {
      q.limit = std::min<std::size_t>(request["limit"].get<std::size_t>(), 100000);
    }
    return json{{"ok", true}, {"vorgaenge", array_of(store.list(q), now)}};
  }
  if (op == "track.show") {
    const std::string id = admin::text(request, "id");
    if (id.empty()) {
      return json{{"ok", false}, {"error", "track.show needs an id or a Message-ID"}};
    }
    const std::vector<Vorgang> found = store.find(id);
    if (found.empty()) {
      return json{{"ok", false}, {"error", "no Vorgang with id or Message-ID " + id}};
    }
    return json{{"ok", true}, {"vorgaenge", array_of(found, now)}};
  }
  if (op == "track.overdue") {
    return json{{"ok", true}, {"vorgaenge", array_of(store.overdue(now, account), now)}};
  }
  return json{{"ok", false}, {"error", "unknown op \"" + op + "\"; known: track.list, track.show, track.overdue"}};
}

}  // namespace kimgate::daemon
