// The "Vorgänge" page (issue 18): the routed deliveries (eAU, eDokumentation, billing, ...) and
// what came back, from the daemon's track.list / track.show ops — the ops `kimctl track` asks.
// Overdue and ERROR Vorgänge are named at the top, as the practice hears of them by KIM notice
// too. German; English with ?lang=en. Read-only: the page changes nothing.
#include <string>

#include "web/app.h"

namespace kimgate::web {

using net::awaitable;
using nlohmann::json;

namespace {

constexpr int kListed = 200;

std::string status_label(const json& v, Lang lang) {
  const std::string status = v.value("status", "");
  std::string label = status;
  if (status == "sent") {
    label = lang == Lang::en ? "sent" : "gesendet";
  } else if (status == "received") {
    label = lang == Lang::en ? "received (MDN)" : "eingegangen (Eingangsbestätigung)";
  }
  if (v.value("overdue", false)) {
    label += lang == Lang::en ? ", overdue" : ", überfällig";
  }
  return label;
}

std::string status_class(const json& v) {
  const std::string status = v.value("status", "");
  if (status == "ERROR" || v.value("overdue", false)) {
    return "verdict-fail";
  }
  return status == "WARNING" ? "verdict-warn" : status == "OK" ? "verdict-ok" : "";
}

std::string id_of(const json& v) {
  const json& id = v.contains("id") ? v["id"] : json();
  return id.is_string() ? id.get<std::string>() : id.is_number() ? id.dump() : std::string();
}

std::string or_dash(std::string text) {
  return text.empty() ? "–" : text;
}

std::string when(const json& v, const char* key) {
  std::string t = v.value(key, "");
  if (t.size() >= 16 && t[10] == 'T') {
    t = t.substr(0, 10) + " " + t.substr(11, 5) + " UTC";
  }
  return or_dash(t);
}

std::string list_table(const json& vorgaenge, Lang lang) {
  const bool en = lang == Lang::en;
  std::string out = std::string("<table><tr><th>") + (en ? "Sent" : "Gesendet") + "</th><th>" +
                    (en ? "Application" : "Anwendung") + "</th><th>" + (en ? "Sender" : "Absender") + "</th><th>" +
                    (en ? "Recipient" : "Empfänger") + "</th><th>Status</th><th>" +
                    (en ? "Case number" : "Vorgangsnummer") + "</th><th>" + (en ? "Summary" : "Zusammenfassung") +
                    "</th><th>" + (en ? "Deadline" : "Frist") + "</th></tr>\n";
  for (const json& v : vorgaenge) {
    const std::string id = id_of(v);
    out += "<tr class=\"" + status_class(v) + "\"><td><a href=\"/track?id=" + escape(id) + "\">" +
           escape(when(v, "sent_at")) + "</a></td><td>" + escape(v.value("service", "")) + "</td><td>" +
           escape(v.value("account", "")) + "</td><td>" + escape(v.value("recipient", "")) + "</td><td>" +
           escape(status_label(v, lang)) + "</td><td>" + escape(or_dash(v.value("vorgangsnummer", ""))) + "</td><td>" +
           escape(or_dash(v.value("summary", ""))) + "</td><td>" + escape(when(v, "deadline")) + "</td></tr>\n";
  }
  return out + "</table>\n";
}

std::string detail_table(const json& v, Lang lang) {
  const bool en = lang == Lang::en;
  const std::pair<const char*, std::string> rows[] = {
      {"Message-ID", v.value("message_id", "")},
      {en ? "Application" : "Anwendung", v.value("service", "")},
      {"Dienstkennung", v.value("dienstkennung", "")},
      {en ? "Sender" : "Absender", v.value("account", "")},
      {en ? "Recipient" : "Empfänger", v.value("recipient", "")},
      {"1-Click GUID", v.value("guid", "")},
      {en ? "eDoku archive" : "eDoku-Archiv", v.value("archive", "")},
      {"Status", status_label(v, lang)},
      {en ? "Case number" : "Vorgangsnummer", v.value("vorgangsnummer", "")},
      {en ? "Summary" : "Zusammenfassung", v.value("summary", "")},
      {en ? "Sent" : "Gesendet", when(v, "sent_at")},
      {en ? "Deadline" : "Frist", when(v, "deadline")},
      {en ? "Receipt (MDN)" : "Eingangsbestätigung", when(v, "received_at")},
      {en ? "Answer" : "Rückmeldung", when(v, "answered_at")},
  };
  std::string out = "<table>\n";
  for (const auto& [label, value] : rows) {
    out += std::string("<tr><th>") + escape(label) + "</th><td>" + escape(or_dash(value)) + "</td></tr>\n";
  }
  return out + "</table>\n";
}

}  // namespace

awaitable<Response> WebApp::track_view(Call& call) {
  const Lang lang = call.lang();
  const bool en = lang == Lang::en;
  const std::string title = en ? "Tracking" : "Vorgänge";
  const std::string id = field(call.query, "id");
  json request = id.empty() ? json{{"op", "track.list"}, {"limit", kListed}} : json{{"op", "track.show"}, {"id", id}};
  const json answer = co_await op(std::move(request));
  std::string body;
  if (!succeeded(answer)) {
    body += error_box(answer, lang);
    co_return html(call, http::status::ok, title, body);
  }
  const json vorgaenge = answer.value("vorgaenge", json::array());
  if (!id.empty()) {
    if (vorgaenge.empty()) {
      body += notice("error", en ? "There is no such Vorgang." : "Diesen Vorgang gibt es nicht.");
    }
    for (const json& v : vorgaenge) {
      body += detail_table(v, lang);
    }
    body += std::string("<p><a href=\"/track\">") + (en ? "All Vorgänge" : "Alle Vorgänge") + "</a></p>\n";
    co_return html(call, http::status::ok, title, body);
  }
  body += en ? "<p>Routed deliveries (eAU, eDokumentation, billing, ...) and their answers, newest first.</p>\n"
             : "<p>Geroutete Sendungen (eAU, eDokumentation, Abrechnung, ...) und ihre Rückmeldungen, neueste "
               "zuerst.</p>\n";
  int overdue = 0;
  int errors = 0;
  for (const json& v : vorgaenge) {
    overdue += v.value("overdue", false) ? 1 : 0;
    errors += v.value("status", "") == "ERROR" ? 1 : 0;
  }
  if (vorgaenge.empty()) {
    body += notice("ok", en ? "No routed delivery yet." : "Noch keine geroutete Sendung.");
  } else if (overdue + errors > 0) {
    body += notice("error", en ? std::to_string(errors) + " with ERROR, " + std::to_string(overdue) +
                                     " overdue (no answer within the deadline)."
                               : std::to_string(errors) + " mit ERROR, " + std::to_string(overdue) +
                                     " überfällig (keine Rückmeldung in der Frist).");
  } else {
    body += notice("ok", en ? "No Vorgang is overdue or failed." : "Kein Vorgang ist überfällig oder fehlgeschlagen.");
  }
  if (!vorgaenge.empty()) {
    body += list_table(vorgaenge, lang);
  }
  if (vorgaenge.size() >= static_cast<std::size_t>(kListed)) {
    body += en ? "<p>The newest 200; <code>kimctl track list --limit N</code> lists more.</p>\n"
               : "<p>Die neuesten 200; <code>kimctl track list --limit N</code> zeigt mehr.</p>\n";
  }
  co_return html(call, http::status::ok, title, body);
}

}  // namespace kimgate::web
