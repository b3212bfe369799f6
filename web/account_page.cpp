// Steps 4-6 of the setup assistant (certificate, the PVS's user names and settings) and the
// account care forms (password, out-of-office, large mail, deregistration and its revocation).
#include "web/app.h"
#include "web/dates.h"

namespace kimgate::web {

using net::awaitable;
using nlohmann::json;

namespace {

std::string address_select(const json& accounts, const std::string& chosen) {
  std::string out = "<label for=\"address\">KIM-Adresse</label><select id=\"address\" name=\"address\">";
  for (const auto& a : accounts.value("accounts", json::array())) {
    const std::string address = value_or(a, "address", "");
    out += "<option value=\"" + escape(address) + "\"" + (address == chosen ? " selected" : "") + ">" +
           escape(address) + "</option>";
  }
  return out + "</select>";
}

const char* kAccountPassword =
    "<label for=\"password\">Passwort des KIM-Kontos</label><input type=\"password\" id=\"password\" "
    "name=\"password\" autocomplete=\"current-password\" required>";

std::string care_form(const std::string& csrf, const json& accounts, const std::string& chosen, std::string_view action,
                      std::string_view title, std::string_view explanation, std::string_view fields,
                      std::string_view button) {
  return "<form method=\"post\" action=\"/account\" class=\"step\"><h2>" + std::string(title) + "</h2>" +
         csrf_field(csrf) + "<input type=\"hidden\" name=\"action\" value=\"" + std::string(action) + "\">" +
         (explanation.empty() ? "" : "<p>" + std::string(explanation) + "</p>") + address_select(accounts, chosen) +
         kAccountPassword + std::string(fields) + "<button type=\"submit\">" + std::string(button) +
         "</button></form>\n";
}

// The out-of-office request from the form (dates as the Account Manager's date-times), or the
// sentence why it cannot be sent. Active needs both days, the end not before the start.
std::string absence_request(const Form& f, json& request) {
  const bool active = field(f, "active") == "yes";
  json set{{"active", active}};
  const std::optional<std::string> start = form_day_to_iso(field(f, "start"), false);
  const std::optional<std::string> end = form_day_to_iso(field(f, "end"), true);
  if ((!field(f, "start").empty() && !start) || (!field(f, "end").empty() && !end)) {
    return "Beginn und Ende bitte als Kalendertag JJJJ-MM-TT angeben, z. B. 2026-12-24.";
  }
  if (active && (!start || !end)) {
    return "Eine aktive Abwesenheitsnotiz braucht Beginn und Ende.";
  }
  if (start && end && *end < *start) {
    return "Das Ende liegt vor dem Beginn.";
  }
  if (start) {
    set["start"] = *start;
  }
  if (end) {
    set["end"] = *end;
  }
  if (!field(f, "message").empty()) {
    set["message"] = field(f, "message");
  }
  request["set"] = std::move(set);
  return {};
}

}  // namespace

awaitable<Response> WebApp::step_certificate(Call& call) {
  std::string body =
      "<p>Schritt 4 von 6: das Zertifikat des Clientmoduls für die Verbindung zum Anbieter. kimgated holt es nach der "
      "Registrierung selbst und erneuert es einen Monat vor Ablauf; hier lässt es sich sofort neu holen.</p>\n";
  if (call.request.method() == http::verb::post) {
    const json answer_request{
        {"op", "account.cert"}, {"address", field(call.form, "address")}, {"password", field(call.form, "password")}};
    const json answer = co_await op(answer_request);
    if (succeeded(answer)) {
      const json& cert = answer.contains("certificate") ? answer["certificate"] : answer;
      body += notice("ok", "Neues Zertifikat installiert, gültig bis " + value_or(cert, "not_after") + ", SHA-256 " +
                               value_or(cert, "sha256") + ".");
    } else {
      body += error_box(answer, call.lang());
    }
  }
  const json accounts_request{{"op", "account.list"}};
  const json accounts = co_await op(accounts_request);
  if (!succeeded(accounts)) {
    body += error_box(accounts, call.lang());
    co_return html(call, http::status::ok, "4. Zertifikat", body);
  }
  body += "<table><tr><th>Adresse</th><th>Zertifikat gültig bis</th></tr>";
  for (const auto& a : accounts.value("accounts", json::array())) {
    body += "<tr><td>" + escape(value_or(a, "address")) + "</td><td>" + escape(value_or(a, "certificate_not_after")) +
            "</td></tr>";
  }
  body += "</table>\n";
  body += care_form(call.session.csrf, accounts, field(call.query, "address"), "cert", "Zertifikat jetzt neu holen", "",
                    "", "Zertifikat holen");
  body += "<p><a class=\"next\" href=\"/setup/5\">Weiter: Benutzernamen</a></p>\n";
  co_return html(call, http::status::ok, "4. Zertifikat", body);
}

awaitable<Response> WebApp::step_user_names(Call& call) {
  json request{{"op", "pvs.settings"}};
  if (!field(call.query, "address").empty()) {
    request["address"] = field(call.query, "address");
  }
  const json settings = co_await op(std::move(request));
  std::string body =
      "<p>Schritt 5 von 6: die Benutzernamen, die das PVS für SMTP (Senden) und POP3 (Empfangen) bei kimgated "
      "verwendet. Als Passwort trägt das PVS das Passwort des KIM-Kontos ein.</p>\n";
  if (!succeeded(settings)) {
    body += error_box(settings, call.lang());
  } else {
    body += "<table><tr><th>Adresse</th><th>SMTP-Benutzername</th><th>POP3-Benutzername</th></tr>";
    for (const auto& u : settings.value("user_names", json::array())) {
      body += "<tr><td>" + escape(value_or(u, "address")) + "</td><td><code>" + escape(value_or(u, "smtp")) +
              "</code></td><td><code>" + escape(value_or(u, "pop3")) + "</code></td></tr>";
    }
    body += "</table>\n<p><a class=\"next\" href=\"/setup/6\">Weiter: PVS-Einstellungen</a></p>\n";
  }
  co_return html(call, http::status::ok, "5. Benutzernamen", body);
}

awaitable<Response> WebApp::step_settings(Call& call) {
  const json settings_request{{"op", "pvs.settings"}};
  const json settings = co_await op(settings_request);
  std::string body = "<p>Schritt 6 von 6: diese Werte im PVS eintragen.</p>\n";
  if (!succeeded(settings)) {
    body += error_box(settings, call.lang());
  } else {
    const json smtp = settings.value("smtp", json::object());
    const json pop3 = settings.value("pop3", json::object());
    body += "<table><tr><th>Server (Host)</th><td><code>" + escape(value_or(settings, "host")) +
            "</code></td></tr><tr><th>SMTP-Port</th><td>" + escape(value_or(smtp, "port")) + " (" +
            escape(value_or(smtp, "tls")) + ")</td></tr><tr><th>POP3-Port</th><td>" + escape(value_or(pop3, "port")) +
            " (" + escape(value_or(pop3, "tls")) +
            ")</td></tr><tr><th>Fingerabdruck des Zertifikats von kimgated (SHA-256, im PVS anheften)</th><td><code>" +
            escape(value_or(settings, "certificate_sha256")) + "</code></td></tr></table>\n";
    body += notice("ok",
                   "Die Einrichtung ist abgeschlossen, sobald das PVS mit diesen Werten senden und empfangen "
                   "kann.");
  }
  co_return html(call, http::status::ok, "6. PVS-Einstellungen", body);
}

awaitable<Response> WebApp::account_care(Call& call) {
  std::string body;
  std::string chosen = field(call.query, "address");
  if (call.request.method() == http::verb::post) {
    const Form& f = call.form;
    const std::string action = field(f, "action");
    chosen = field(f, "address");
    json request{{"address", chosen}, {"password", field(f, "password")}};
    std::string problem;
    if (action == "password") {
      request["op"] = "account.password";
      request["new_password"] = field(f, "new_password");
      if (field(f, "new_password").empty() || field(f, "new_password") != field(f, "new_password2")) {
        problem = "Die beiden neuen Passwörter stimmen nicht überein (oder sind leer).";
      }
    } else if (action == "large_mail") {
      request["op"] = "account.large_mail";
      request["enable"] = field(f, "enable") == "yes";
      if (field(f, "enable") == "yes" && field(f, "risks_read") != "yes") {
        problem = "Bitte bestätigen Sie, dass Sie die Risiken großer Nachrichten gelesen haben.";
      }
    } else if (action == "absence") {
      request["op"] = "account.absence";
      problem = absence_request(f, request);
    } else if (action == "deregister" || action == "revoke") {
      request["op"] = "account." + action;
      if (action == "deregister" && field(f, "confirm") != "yes") {
        problem = "Bitte bestätigen Sie die Abmeldung ausdrücklich.";
      }
    } else {
      problem = "Unbekannte Aktion.";
    }
    if (!problem.empty()) {
      body += notice("error", problem);
    } else {
      const json answer = co_await op(std::move(request));
      body += !succeeded(answer)                     ? error_box(answer, call.lang())
              : value_or(answer, "risks_de").empty() ? notice("ok", "Erledigt.")
                                                     : notice("ok", "Erledigt. " + value_or(answer, "risks_de"));
    }
  }
  const json accounts_request{{"op", "account.list"}};
  const json accounts = co_await op(accounts_request);
  if (!succeeded(accounts)) {
    body += error_box(accounts, call.lang());
    co_return html(call, http::status::ok, "Kontopflege", body);
  }
  const std::string& csrf = call.session.csrf;
  body += care_form(csrf, accounts, chosen, "password", "Passwort ändern", "",
                    "<label for=\"new_password\">Neues Passwort</label><input type=\"password\" id=\"new_password\" "
                    "name=\"new_password\" autocomplete=\"new-password\" required><label for=\"new_password2\">Neues "
                    "Passwort wiederholen</label><input type=\"password\" id=\"new_password2\" name=\"new_password2\" "
                    "autocomplete=\"new-password\" required>",
                    "Passwort ändern");
  body += care_form(csrf, accounts, chosen, "absence", "Abwesenheitsnotiz",
                    "Ist die Notiz aktiv, bekommen Absender im angegebenen Zeitraum diese Antwort.",
                    "<label><input type=\"checkbox\" name=\"active\" value=\"yes\"> aktiv</label><label "
                    "for=\"start\">Beginn (JJJJ-MM-TT)</label><input type=\"text\" id=\"start\" name=\"start\"><label "
                    "for=\"end\">Ende (JJJJ-MM-TT)</label><input type=\"text\" id=\"end\" name=\"end\"><label "
                    "for=\"message\">Text</label><textarea id=\"message\" name=\"message\" rows=\"3\"></textarea>",
                    "Notiz speichern");
  body += care_form(csrf, accounts, chosen, "large_mail", "Große Nachrichten (KIM 1.5+)",
                    "Mit KIM 1.5+ kommen Nachrichten bis 700 MiB an; sie liegen verschlüsselt beim Anbieter, bis sie "
                    "abgeholt sind. Ein PVS, das so große Nachrichten nicht verarbeiten kann, bleibt daran hängen. "
                    "Rücknahme jederzeit möglich.",
                    "<label><input type=\"checkbox\" name=\"enable\" value=\"yes\"> große Nachrichten empfangen</label>"
                    "<label><input type=\"checkbox\" name=\"risks_read\" value=\"yes\"> Ich habe die Risiken gelesen "
                    "(nötig zum Einschalten)</label>",
                    "Speichern");
  body += care_form(csrf, accounts, chosen, "deregister", "Adresse abmelden",
                    "Nach der Abmeldung bleibt die Adresse 30 Tage gesperrt; in dieser Zeit lässt sich die Abmeldung "
                    "zurücknehmen, danach ist die Adresse endgültig gelöscht.",
                    "<label><input type=\"checkbox\" name=\"confirm\" value=\"yes\" required> Ja, abmelden</label>",
                    "Abmelden");
  body += care_form(csrf, accounts, chosen, "revoke", "Abmeldung zurücknehmen",
                    "Innerhalb von 30 Tagen nach der Abmeldung.", "", "Zurücknehmen");
  co_return html(call, http::status::ok, "Kontopflege", body);
}

}  // namespace kimgate::web
