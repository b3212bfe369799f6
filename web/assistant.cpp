// The setup assistant in the kv.dox order (seeds.md): Konnektor test -> cards and PINs ->
// registration -> client-module certificate -> the PVS's user names -> the PVS's settings,
// and the overview. Each step is one page with one form; each action is one daemon op.
#include "web/app.h"
#include "web/dates.h"

namespace kimgate::web {

using net::awaitable;
using nlohmann::json;

namespace {

std::string next_link(int step, std::string_view label) {
  return "<p><a class=\"next\" href=\"/setup/" + std::to_string(step) + "\">Weiter: " + std::string(label) +
         "</a></p>\n";
}

// A table row of escaped cells.
template <class... Cells>
std::string row_of(const char* tag, const Cells&... cells) {
  std::string out = "<tr>";
  ((out += std::string("<") + tag + ">" + escape(cells) + "</" + tag + ">"), ...);
  return out + "</tr>";
}

template <class... Cells>
std::string row(const Cells&... cells) {
  return row_of("td", cells...);
}

template <class... Cells>
std::string head_row(const Cells&... cells) {
  return row_of("th", cells...);
}

std::string option(const std::string& value, const std::string& label, const std::string& chosen) {
  return "<option value=\"" + escape(value) + "\"" + (value == chosen ? " selected" : "") + ">" + escape(label) +
         "</option>";
}

}  // namespace

awaitable<Response> WebApp::overview(Call& call) {
  const json accounts_request{{"op", "account.list"}};
  const json accounts = co_await op(accounts_request);
  std::string body = "<h2>KIM-Adressen</h2>\n";
  if (!succeeded(accounts)) {
    body += error_box(accounts, call.lang());
  } else if (accounts.value("accounts", json::array()).empty()) {
    body += notice("info",
                   "Noch keine KIM-Adresse registriert. Der Einrichtungsassistent führt Schritt für Schritt "
                   "dorthin.") +
            next_link(1, "Einrichtung beginnen");
  } else {
    std::string table =
        "<table>" + head_row("Adresse", "Anbieter", "Telematik-ID", "Karte", "KIM-Version", "Zertifikat gültig bis");
    for (const auto& a : accounts["accounts"]) {
      const std::string address = value_or(a, "address");
      const std::string not_after = value_or(a, "certificate_not_after");
      const std::optional<long> days = days_until(not_after, std::chrono::system_clock::now());
      std::string validity = not_after;
      if (days && *days < 0) {
        validity += " (abgelaufen)";
        body += notice("error", "Das Zertifikat von " + address +
                                    " ist abgelaufen: kimgated erreicht den Anbieter für diese Adresse nicht mehr. "
                                    "Holen Sie unter Schritt 4 ein neues.");
      } else if (days && *days < 30) {
        validity += " (noch " + std::to_string(*days) + " Tage)";
        body += notice("info", "Das Zertifikat von " + address + " läuft in " + std::to_string(*days) +
                                   " Tagen ab. kimgated erneuert es bei der nächsten Anmeldung des PVS; schlägt das "
                                   "fehl, liegt eine Nachricht mit dem Fehlertext (4016) im Postfach.");
      }
      table += row(address, value_or(a, "provider"), value_or(a, "telematik_id"), value_or(a, "card"),
                   value_or(a, "kim_version"), validity);
    }
    body += table + "</table>\n";
  }
  const json status_request{{"op", "status"}};
  const json status = co_await op(status_request);
  body += "<h2>kimgated</h2>\n";
  if (succeeded(status)) {
    body += "<p>Version " + escape(value_or(status, "version")) + ", " + escape(value_or(status, "sessions")) +
            " PVS-Verbindungen offen.</p>\n";
  } else {
    body += error_box(status, call.lang());
  }
  body +=
      "<p><a href=\"/doctor\">Diagnose: alle Stationen prüfen (Konnektor, Karten, VZD, Anbieter, Uhrzeit)</a></p>\n";
  co_return html(call, http::status::ok, "Übersicht", body);
}

awaitable<Response> WebApp::step_konnektor(Call& call) {
  const json status_request{{"op", "status"}};
  const json status = co_await op(status_request);
  std::string body = "<p>Schritt 1 von 6: Ist kimgated mit dem Konnektor verbunden?</p>\n";
  if (!succeeded(status)) {
    body += error_box(status, call.lang());
  } else if (status.value("konnektors", json::array()).empty()) {
    body += notice("error",
                   "kimgated kennt keinen Konnektor. Tragen Sie ihn in der Konfiguration ein ([[konnektor]]) "
                   "und laden Sie kimgated neu.");
  } else {
    body += notice("ok", "kimgated " + value_or(status, "version") + " läuft und erreicht diese Konnektoren:");
    body += "<ul>";
    for (const auto& k : status["konnektors"]) {
      body += "<li>" + escape(text_of(k)) + "</li>";
    }
    body += "</ul>\n<p>PVS-Zugänge:</p><ul>";
    for (const auto& l : status.value("listeners", json::array())) {
      body += "<li><code>" + escape(text_of(l)) + "</code></li>";
    }
    body += "</ul>\n" + next_link(2, "Karten und PINs");
  }
  co_return html(call, http::status::ok, "1. Konnektor-Test", body);
}

awaitable<Response> WebApp::step_cards(Call& call) {
  std::string body = "<p>Schritt 2 von 6: Stecken die Karten, und sind ihre PINs freigeschaltet?</p>\n";
  if (call.request.method() == http::verb::post && field(call.form, "action") == "unlock") {
    json request{{"op", "card.unlock"}, {"iccsn", field(call.form, "iccsn")}};
    if (!field(call.form, "konnektor").empty()) {
      request["konnektor"] = field(call.form, "konnektor");
    }
    const json answer = co_await op(std::move(request));
    body += succeeded(answer) ? notice("ok", "Die Karte " + field(call.form, "iccsn") + " ist freigeschaltet.")
                              : error_box(answer, call.lang());
  }
  const json cards_request{{"op", "cards"}};
  const json cards = co_await op(cards_request);
  if (!succeeded(cards)) {
    body += error_box(cards, call.lang());
    co_return html(call, http::status::ok, "2. Karten und PINs", body);
  }
  body += "<table>" + head_row("Konnektor", "Typ", "ICCSN", "Name", "Inhaber", "Zustand", "");
  for (const auto& k : cards.value("konnektors", json::array())) {
    const std::string konnektor = value_or(k, "konnektor", "");
    for (const auto& c : k.value("cards", json::array())) {
      const bool inserted = c.value("inserted", false);
      const bool unlocked = c.value("unlocked", false);
      std::string state = !inserted ? "nicht gesteckt: " + value_or(c, "problem", "")
                                    : (unlocked ? "PIN verifiziert" : "PIN nicht verifiziert");
      std::string action;
      if (inserted && !unlocked) {
        action = "<form method=\"post\" action=\"/setup/2\">" + csrf_field(call.session.csrf) +
                 "<input type=\"hidden\" name=\"action\" value=\"unlock\"><input type=\"hidden\" name=\"iccsn\" "
                 "value=\"" +
                 escape(value_or(c, "iccsn", "")) + "\"><input type=\"hidden\" name=\"konnektor\" value=\"" +
                 escape(konnektor) + "\"><button type=\"submit\">PIN verifizieren</button></form>";
      }
      body += "<tr><td>" + escape(konnektor) + "</td><td>" + escape(value_or(c, "type")) + "</td><td><code>" +
              escape(value_or(c, "iccsn")) + "</code></td><td>" + escape(value_or(c, "name")) + "</td><td>" +
              escape(value_or(c, "holder")) + "</td><td>" + escape(state) + "</td><td>" + action + "</td></tr>";
    }
  }
  body +=
      "</table>\n<p>Die PIN wird am Kartenterminal bzw. aus der Konfiguration von kimgated verifiziert, nie auf "
      "dieser Seite eingegeben.</p>\n" +
      next_link(3, "Registrierung");
  co_return html(call, http::status::ok, "2. Karten und PINs", body);
}

std::string WebApp::register_form(const Call& call, const json& context, const Form& chosen, const json& proposals,
                                  const json& service_info) const {
  const std::string card = field(chosen, "card");
  const std::string provider = field(chosen, "provider");
  std::string out = "<form method=\"post\" action=\"/setup/3\" class=\"step\">" + csrf_field(call.session.csrf);
  out += "<input type=\"hidden\" name=\"action\" value=\"proposals\">";
  out += "<label for=\"card\">Karte (SMC-B oder eHBA)</label><select id=\"card\" name=\"card\">";
  for (const auto& c : context.value("cards", json::array())) {
    const std::string iccsn = value_or(c, "iccsn", "");
    out += option(iccsn, value_or(c, "type", "") + " " + value_or(c, "holder", "") + " (" + iccsn + ")", card);
  }
  out += "</select><label for=\"provider\">KIM-Anbieter</label><select id=\"provider\" name=\"provider\">";
  for (const auto& p : context.value("providers", json::array())) {
    const std::string domain = value_or(p, "domain", "");
    out += option(domain, domain, provider);
  }
  out +=
      "</select><label for=\"bsnr\">Betriebsstättennummer (BSNR, nur SMC-B; leer: aus der Karte)</label>"
      "<input type=\"text\" id=\"bsnr\" name=\"bsnr\" inputmode=\"numeric\" value=\"" +
      escape(field(chosen, "bsnr")) + "\"><button type=\"submit\">Adressvorschläge holen</button></form>\n";
  if (proposals.is_null()) {
    return out;
  }
  const json& list = proposals["proposals"];
  if (!list.is_array() || list.empty()) {
    return out + notice("error", "Für diese Karte gibt es keinen Adressvorschlag mehr.");
  }
  const json& first = list.front();
  const std::string suffix = value_or(first, "fixed_suffix", "");
  std::string editable = field(chosen, "editable_part");
  if (editable.empty()) {
    editable = value_or(first, "editable_part", "");
  }
  out += "<form method=\"post\" action=\"/setup/3\" class=\"step\" id=\"register\">" + csrf_field(call.session.csrf);
  out += "<input type=\"hidden\" name=\"action\" value=\"register\"><input type=\"hidden\" name=\"card\" value=\"" +
         escape(card) + "\"><input type=\"hidden\" name=\"provider\" value=\"" + escape(provider) +
         "\"><input type=\"hidden\" name=\"bsnr\" value=\"" + escape(field(chosen, "bsnr")) +
         "\"><input type=\"hidden\" name=\"fixed_suffix\" value=\"" + escape(suffix) + "\">";
  out += "<p>Bereits vergeben für diese Karte: " + escape(value_or(proposals, "used", "0")) + " von " +
         escape(value_or(proposals, "limit", "100")) + " Adressen.</p>";
  out +=
      "<label for=\"editable_part\">KIM-Adresse (der vordere Teil ist änderbar)</label>"
      "<input type=\"text\" id=\"editable_part\" name=\"editable_part\" required value=\"" +
      escape(editable) + "\"> <span class=\"suffix\">" + escape(suffix) + "</span>";
  if (list.size() > 1) {
    out += "<p>Weitere Vorschläge: ";
    for (std::size_t i = 1; i < list.size(); ++i) {
      out += "<code>" + escape(value_or(list[i], "address", "")) + "</code> ";
    }
    out += "</p>";
  }
  out += "<h3>Passwort des KIM-Kontos</h3>";
  if (service_info.is_object() && succeeded(service_info)) {
    out += "<p class=\"policy\">Regel des Anbieters: " + escape(value_or(service_info, "password_policy_display", "")) +
           "</p>";
  } else if (service_info.is_object()) {
    out += error_box(service_info, call.lang());
  }
  out +=
      "<label for=\"password\">Passwort</label><input type=\"password\" id=\"password\" name=\"password\" "
      "autocomplete=\"new-password\" required><label for=\"password2\">Passwort wiederholen</label>"
      "<input type=\"password\" id=\"password2\" name=\"password2\" autocomplete=\"new-password\" required>";
  if (service_info.value("reference_id_required", false)) {
    out +=
        "<label for=\"reference_id\">Referenz-ID (aus dem Registrierungsschreiben)</label><input type=\"text\" "
        "id=\"reference_id\" name=\"reference_id\" required value=\"" +
        escape(field(chosen, "reference_id")) + "\">";
  }
  if (service_info.value("initial_password_required", false)) {
    out +=
        "<label for=\"initial_password\">Initialpasswort (aus dem Registrierungsschreiben)</label><input "
        "type=\"password\" id=\"initial_password\" name=\"initial_password\" autocomplete=\"off\" required>";
  }
  out +=
      "<label><input type=\"checkbox\" name=\"bcc_acknowledged\" value=\"yes\" required> Ich habe verstanden: "
      "KIM-Nachrichten dürfen keine Bcc-Empfänger haben; das PVS darf Bcc nicht verwenden.</label>"
      "<button type=\"submit\">Adresse registrieren</button></form>\n";
  return out;
}

awaitable<Response> WebApp::step_register(Call& call) {
  std::string body =
      "<p>Schritt 3 von 6: die KIM-Adresse beim Anbieter registrieren. Die Karte signiert die Anmeldung.</p>\n";
  const json context_request{{"op", "account.context"}};
  const json context = co_await op(context_request);
  if (!succeeded(context)) {
    body += error_box(context, call.lang());
    co_return html(call, http::status::ok, "3. Registrierung", body);
  }
  json proposals;
  json service_info;
  if (call.request.method() == http::verb::post && field(call.form, "action") == "proposals") {
    json request{
        {"op", "account.proposals"}, {"card", field(call.form, "card")}, {"provider", field(call.form, "provider")}};
    if (!field(call.form, "bsnr").empty()) {
      request["bsnr"] = field(call.form, "bsnr");
    }
    proposals = co_await op(std::move(request));
    if (!succeeded(proposals)) {
      body += error_box(proposals, call.lang());
      proposals = nullptr;
    } else {
      const json service_info_request{{"op", "account.service_info"}, {"provider", field(call.form, "provider")}};
      service_info = co_await op(service_info_request);
    }
  }
  body += register_form(call, context, call.form, proposals, service_info);
  co_return html(call, http::status::ok, "3. Registrierung", body);
}

awaitable<Response> WebApp::register_account(Call& call) {
  const Form& f = call.form;
  std::string problem;
  if (field(f, "password").empty() || field(f, "password") != field(f, "password2")) {
    problem =
        "Die beiden Passwörter stimmen nicht überein (oder sind leer). Geben Sie das Passwort zweimal gleich ein.";
  } else if (field(f, "bcc_acknowledged") != "yes") {
    problem = "Bitte bestätigen Sie, dass KIM-Nachrichten keine Bcc-Empfänger haben dürfen.";
  }
  json answer;
  if (problem.empty()) {
    json request{{"op", "account.register"},         {"card", field(f, "card")},
                 {"provider", field(f, "provider")}, {"address", field(f, "editable_part") + field(f, "fixed_suffix")},
                 {"password", field(f, "password")}, {"kim_version", "1.5"},
                 {"bcc_acknowledged", true}};
    for (const char* optional : {"reference_id", "initial_password"}) {
      if (!field(f, optional).empty()) {
        request[optional] = field(f, optional);
      }
    }
    answer = co_await op(std::move(request));
    if (succeeded(answer)) {
      const std::string address = value_or(answer, "address", "");
      const json& cert = answer.contains("certificate") ? answer["certificate"] : json::object();
      std::string body = notice("ok", "Die KIM-Adresse " + address + " ist registriert, ihr Zertifikat installiert.");
      body += "<table>" + row("Adresse", address) + row("Zertifikat gültig bis", value_or(cert, "not_after")) +
              row("SHA-256 des Zertifikats", value_or(cert, "sha256")) + "</table>\n";
      body += "<p><a class=\"next\" href=\"/setup/5?address=" + escape(address) +
              "\">Weiter: Benutzernamen für das PVS</a></p>\n";
      co_return html(call, http::status::ok, "4. Zertifikat", body);
    }
  }
  // Back to the form, with the choices kept and the passwords empty.
  const json context_request{{"op", "account.context"}};
  const json context = co_await op(context_request);
  json proposals_request{{"op", "account.proposals"}, {"card", field(f, "card")}, {"provider", field(f, "provider")}};
  if (!field(f, "bsnr").empty()) {
    proposals_request["bsnr"] = field(f, "bsnr");
  }
  const json proposals = co_await op(std::move(proposals_request));
  const json service_info_request{{"op", "account.service_info"}, {"provider", field(f, "provider")}};
  const json service_info = co_await op(service_info_request);
  std::string body = problem.empty() ? error_box(answer, call.lang()) : notice("error", problem);
  body += register_form(call, context, f, succeeded(proposals) ? proposals : json(), service_info);
  co_return html(call, http::status::ok, "3. Registrierung", body);
}

}  // namespace kimgate::web
