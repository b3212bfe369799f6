#include "daemon/control_requests.h"

#include <spdlog/spdlog.h>

#include "kimgate_version.h"

namespace kimgate::daemon {

using net::awaitable;
using nlohmann::json;

awaitable<json> ControlRequests::handle(const json& request, AdminProgress progress) {
  const std::string op = request.contains("op") && request["op"].is_string() ? request["op"].get<std::string>() : "";
  if (AdminService::handles(op)) {
    if (admin_ == nullptr) {
      co_return admin_failure("The administration module is not ready yet.",
                              "Das Verwaltungsmodul ist noch nicht bereit.",
                              "Wait until kimgated has started, then try again.",
                              "Warten Sie, bis kimgated gestartet ist, und versuchen Sie es erneut.");
    }
    json answer = co_await admin_->handle(request, std::move(progress));
    co_return answer;
  }
  if (op == "doctor") {
    if (doctor_ == nullptr) {
      co_return admin_failure("The doctor is not ready yet.", "Die Diagnose ist noch nicht bereit.",
                              "Wait until kimgated has started, then try again.",
                              "Warten Sie, bis kimgated gestartet ist, und versuchen Sie es erneut.");
    }
    json answer = co_await doctor_->handle(request);
    co_return answer;
  }
  if (op.rfind("track.", 0) == 0) {
    if (!track_) {
      co_return json{{"ok", false}, {"error", "tracking is off (tracking.enabled = false) or not ready yet"}};
    }
    json answer = co_await track_(request);
    co_return answer;
  }
  if (op == "status") {
    co_return status();
  }
  if (op == "cards") {
    co_return cards();
  }
  if (op == "card.unlock") {
    json answer = co_await unlock(request);
    co_return answer;
  }
  co_return json{{"ok", false},
                 {"error", "unknown op \"" + op +
                               "\"; known: status, cards, card.unlock, doctor, track.*, account.*, pvs.settings"}};
}

std::string_view ControlRequests::kind_of(const std::string& id) const {
  for (const auto& k : config_) {
    if (k.id == id) {
      return k.kind == conf::KonnektorKind::local ? "local" : "soap";
    }
  }
  return "unknown";
}

json ControlRequests::status() const {
  const DaemonStatus s = status_();
  json konnektors = json::array();
  for (const auto& [id, k] : konnektors_) {
    konnektors.push_back(id);
  }
  json counters = json::object();
  for (const auto& [name, value] : s.counters) {
    counters[name] = value;
  }
  return json{{"ok", true},
              {"version", KIMGATE_VERSION},
              {"sessions", s.sessions},
              {"counters", counters},
              {"stopping", s.stopping},
              {"listeners", s.listeners},
              {"konnektors", konnektors}};
}

json ControlRequests::cards() const {
  json out = json::array();
  for (const auto& [id, k] : konnektors_) {
    const std::optional<std::vector<konnektor::CardStatus>> listed = k->card_status();
    if (!listed) {
      continue;  // cards administered at the Konnektor itself
    }
    json cards = json::array();
    for (const auto& c : *listed) {
      cards.push_back(json{{"name", c.name},
                           {"type", konnektor::card_type_name(c.type)},
                           {"iccsn", c.iccsn},
                           {"inserted", c.inserted},
                           {"handle", c.handle},
                           {"holder", c.holder},
                           {"unlocked", c.unlocked},
                           {"certificates", c.certificates},
                           {"contexts", c.contexts},
                           {"problem", c.problem}});
    }
    out.push_back(json{{"konnektor", id}, {"kind", kind_of(id)}, {"cards", cards}});
  }
  return json{{"ok", true}, {"konnektors", out}};
}

awaitable<json> ControlRequests::unlock(const json& request) {
  const std::string iccsn = request.value("iccsn", "");
  const std::string only = request.value("konnektor", "");
  for (const auto& [id, k] : konnektors_) {
    if (!only.empty() && only != id) {
      continue;
    }
    const auto r = co_await k->unlock_card(iccsn);
    if (r.ok()) {
      const bool ok = r.value->result == konnektor::PinResult::ok;
      spdlog::info("event=card_unlock konnektor={} iccsn={} result={}", id, iccsn, ok ? "ok" : "rejected");
      co_return json{{"ok", ok}, {"konnektor", id}, {"result", ok ? "unlocked" : "PIN rejected"}};
    }
    if (r.error.code != 4008) {
      co_return json{{"ok", false}, {"konnektor", id}, {"code", r.error.code}, {"error", r.error.text}};
    }
  }
  co_return json{
      {"ok", false}, {"code", 4008}, {"error", "no local Konnektor has an inserted card with ICCSN " + iccsn}};
}

}  // namespace kimgate::daemon
