// The "Diagnose" page: the daemon's "doctor" op (daemon/doctor.h) — the very op `kimctl doctor`
// asks — shown as one table row per hop with its verdict, sentence and what to do. German;
// English with ?lang=en. Mailbox logins are not checked here (the page asks for no passwords);
// their rows say so and name `kimctl doctor --accounts`.
#include "web/app.h"

namespace kimgate::web {

using net::awaitable;
using nlohmann::json;

namespace {

std::string verdict_label(const std::string& verdict, Lang lang) {
  if (verdict == "ok") {
    return "OK";
  }
  if (verdict == "warn") {
    return lang == Lang::en ? "WARN" : "WARNUNG";
  }
  if (verdict == "skip") {
    return lang == Lang::en ? "SKIPPED" : "NICHT GEPRÜFT";
  }
  return lang == Lang::en ? "FAIL" : "FEHLER";
}

std::string hop_label(const std::string& hop, Lang lang) {
  static const std::pair<const char*, std::pair<const char*, const char*>> kHops[] = {
      {"konnektor", {"Konnektor", "Konnektor"}},
      {"card", {"Karte", "Card"}},
      {"vzd", {"Verzeichnisdienst", "Directory (VZD)"}},
      {"smtp", {"Senden (SMTP)", "Sending (SMTP)"}},
      {"pop3", {"Abholen (POP3)", "Fetching (POP3)"}},
      {"kas", {"KAS", "KAS"}},
      {"account_manager", {"Account Manager", "Account Manager"}},
      {"certificate", {"Client-Zertifikat", "Client certificate"}},
      {"clock", {"Uhrzeit", "Clock"}},
      {"accounts", {"Konten", "Accounts"}},
  };
  for (const auto& [name, labels] : kHops) {
    if (hop == name) {
      return lang == Lang::en ? labels.second : labels.first;
    }
  }
  return hop;
}

}  // namespace

awaitable<Response> WebApp::doctor_view(Call& call) {
  const Lang lang = call.lang();
  const bool en = lang == Lang::en;
  const json request{{"op", "doctor"}};
  const json answer = co_await op(request);
  std::string body = en ? "<p>Every hop kimgate depends on, checked now.</p>\n"
                        : "<p>Jede Station, von der kimgate abhängt, jetzt geprüft.</p>\n";
  if (!succeeded(answer)) {
    body += error_box(answer, lang);
    co_return html(call, http::status::ok, "Diagnose", body);
  }
  const std::string worst = answer.value("worst", "fail");
  if (worst == "ok") {
    body += notice("ok", en ? "All checked hops are fine." : "Alle geprüften Stationen sind in Ordnung.");
  } else {
    body += notice("error", en ? "At least one hop needs attention; see what to do below."
                               : "Mindestens eine Station braucht Aufmerksamkeit; was zu tun ist, steht unten.");
  }
  body += std::string("<table><tr><th>") + (en ? "Verdict" : "Ergebnis") + "</th><th>" + (en ? "Hop" : "Station") +
          "</th><th>" + (en ? "Finding" : "Befund") + "</th><th>" + (en ? "What to do" : "Was zu tun ist") +
          "</th></tr>\n";
  for (const json& line : answer.value("lines", json::array())) {
    const std::string verdict = line.value("verdict", "fail");
    body += "<tr class=\"verdict-" + escape(verdict) + "\"><td>" + escape(verdict_label(verdict, lang)) + "</td><td>" +
            escape(hop_label(line.value("hop", ""), lang)) + "</td><td>" +
            escape(line.value(en ? "sentence" : "sentence_de", "")) + "</td><td>" +
            escape(line.value(en ? "advice" : "advice_de", "")) + "</td></tr>\n";
  }
  body += "</table>\n";
  body += std::string("<p><a href=\"/doctor\">") + (en ? "Check again" : "Erneut prüfen") + "</a></p>\n";
  co_return html(call, http::status::ok, "Diagnose", body);
}

}  // namespace kimgate::web
