#include "web/html.h"

namespace kimgate::web {

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string csrf_field(std::string_view csrf) {
  return "<input type=\"hidden\" name=\"csrf\" value=\"" + escape(csrf) + "\">";
}

std::string text_of(const nlohmann::json& value) {
  if (value.is_string()) {
    return value.get<std::string>();
  }
  if (value.is_null()) {
    return "";
  }
  return value.dump();
}

std::string value_or(const nlohmann::json& object, const char* key, const char* fallback) {
  if (!object.is_object() || !object.contains(key) || object[key].is_null()) {
    return fallback;
  }
  return text_of(object[key]);
}

bool succeeded(const nlohmann::json& answer) {
  return answer.is_object() && answer.value("ok", false);
}

namespace {

constexpr std::string_view kSteps[] = {"Konnektor-Test", "Karten und PINs", "Registrierung",
                                       "Zertifikat",     "Benutzernamen",   "PVS-Einstellungen"};

std::string navigation(std::string_view csrf, Lang lang) {
  std::string nav = "<nav><a href=\"/\">Übersicht</a>";
  for (std::size_t i = 0; i < std::size(kSteps); ++i) {
    nav += " <a href=\"/setup/" + std::to_string(i + 1) + "\">" + std::to_string(i + 1) + ". " +
           std::string(kSteps[i]) + "</a>";
  }
  nav += " <a href=\"/account\">Kontopflege</a>";
  nav += " <a href=\"/track\">Vorgänge</a>";
  nav += " <a href=\"/doctor\">Diagnose</a>";
  nav += lang == Lang::en ? " <a href=\"?lang=de\">Deutsch</a>" : " <a href=\"?lang=en\">English</a>";
  nav += "<form method=\"post\" action=\"/logout\" class=\"logout\">" + csrf_field(csrf) +
         "<button type=\"submit\">Abmelden</button></form></nav>";
  return nav;
}

}  // namespace

std::string page(std::string_view title, std::string_view body, std::string_view csrf, Lang lang) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"de\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>" +
      escape(title) +
      " – kimgate</title><link rel=\"stylesheet\" href=\"/style.css\"></head><body>"
      "<header><strong>kimgate</strong> – KIM-Clientmodul, Verwaltung</header>";
  if (!csrf.empty()) {
    out += navigation(csrf, lang);
  }
  out += "<main><h1>" + escape(title) + "</h1>\n";
  out += body;
  out += "</main></body></html>\n";
  return out;
}

std::string notice(std::string_view kind, std::string_view text) {
  return "<p class=\"notice " + std::string(kind) + "\" role=\"" + (kind == "error" ? "alert" : "status") + "\">" +
         escape(text) + "</p>\n";
}

std::string error_box(const nlohmann::json& answer, Lang lang) {
  const bool en = lang == Lang::en;
  std::string error = answer.value(en ? "error" : "error_de", "");
  std::string advice = answer.value(en ? "advice" : "advice_de", "");
  if (error.empty()) {
    error = answer.value("error", "");  // ops without a German text yet
  }
  if (advice.empty() && !en) {
    advice = answer.value("advice", "");
  }
  if (error.empty()) {
    error = en ? "The request failed without a reason." : "Die Anfrage ist ohne Begründung gescheitert.";
  }
  std::string out = "<div class=\"notice error\" role=\"alert\"><p>" + escape(error);
  if (answer.contains("http_status") && answer["http_status"].is_number()) {
    out += " <small>(HTTP " + answer["http_status"].dump() + ")</small>";
  }
  out += "</p>";
  if (!advice.empty()) {
    out +=
        "<p><strong>" + std::string(en ? "What to do: " : "Was zu tun ist: ") + "</strong>" + escape(advice) + "</p>";
  }
  out += "</div>\n";
  return out;
}

std::string_view stylesheet() {
  return R"(body{font-family:system-ui,sans-serif;margin:0;color:#1b1b1b;background:#f6f7f9}
header{background:#0b4f71;color:#fff;padding:.6em 1em}
nav{background:#dfe8ee;padding:.4em 1em;display:flex;flex-wrap:wrap;gap:.8em;align-items:center}
nav a{color:#0b4f71}
nav form.logout{margin-left:auto}
main{max-width:60em;margin:1em auto;padding:0 1em}
form.step{background:#fff;border:1px solid #c9d3da;padding:1em;margin:1em 0}
label{display:block;margin:.6em 0 .2em}
input[type=text],input[type=password],select,textarea{width:100%;max-width:30em;padding:.3em}
button{padding:.4em 1em;margin-top:.8em}
table{border-collapse:collapse;background:#fff}
td,th{border:1px solid #c9d3da;padding:.3em .6em;text-align:left}
.notice{padding:.6em 1em;border-left:4px solid}
.notice.error{border-color:#b00020;background:#fdecee}
tr.verdict-fail td:first-child{color:#b00020;font-weight:bold}
tr.verdict-warn td:first-child{color:#8a5a00;font-weight:bold}
tr.verdict-ok td:first-child{color:#1b6b2a;font-weight:bold}
.notice.ok{border-color:#1e7d32;background:#e9f5ec}
.notice.info{border-color:#0b4f71;background:#e8f1f6}
.suffix{font-family:monospace}
code{word-break:break-all}
:focus{outline:3px solid #f0a500}
)";
}

}  // namespace kimgate::web
