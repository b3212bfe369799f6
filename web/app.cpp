#include "web/app.h"

#include <spdlog/spdlog.h>

#include "net/run_blocking.h"
#include "web/admin_password.h"

namespace kimgate::web {

namespace asio = net::asio;
using net::awaitable;
using nlohmann::json;

void add_security_headers(Response& response) {
  response.set("Content-Security-Policy", "default-src 'self'; form-action 'self'; frame-ancestors 'none'");
  response.set("X-Frame-Options", "DENY");
  response.set("Referrer-Policy", "no-referrer");
  response.set(http::field::cache_control, "no-store");
  response.set("X-Content-Type-Options", "nosniff");
}

namespace {

std::string_view sv(boost::beast::string_view v) {
  return {v.data(), v.size()};
}

std::string_view cookies(const Request& request) {
  return sv(request[http::field::cookie]);
}

Response make_response(http::status status, std::string content_type, std::string body) {
  Response res{status, 11};
  res.set(http::field::content_type, std::move(content_type));
  res.body() = std::move(body);
  add_security_headers(res);
  return res;
}

Response redirect(std::string_view location) {
  Response res = make_response(http::status::see_other, "text/plain; charset=utf-8", "");
  res.set(http::field::location, std::string(location));
  return res;
}

std::string cookie(std::string_view name, std::string_view value, bool secure, bool clear = false) {
  std::string out = std::string(name) + "=" + std::string(value) + "; HttpOnly; SameSite=Strict; Path=/";
  if (secure) {
    out += "; Secure";
  }
  if (clear) {
    out += "; Max-Age=0";
  }
  return out;
}

Response forbidden(std::string_view sentence) {
  return make_response(
      http::status::forbidden, "text/html; charset=utf-8",
      page("Anfrage abgewiesen", notice("error", sentence) + "<p><a href=\"/\">Zur Übersicht</a></p>", "", Lang::de));
}

}  // namespace

WebApp::WebApp(WebOptions options, OpHandler handler, asio::thread_pool& pool, NowFn now)
    : options_(std::move(options)),
      handler_(std::move(handler)),
      pool_(pool),
      now_(std::move(now)),
      sessions_(options_.session_idle, now_),
      throttle_(options_.login_failure_delay) {}

Response WebApp::html(const Call& call, http::status status, std::string_view title, const std::string& body) const {
  return make_response(status, "text/html; charset=utf-8", page(title, body, call.session.csrf, call.lang()));
}

awaitable<json> WebApp::op(json request) {
  spdlog::info("event=web_op op={}", request.value("op", ""));
  json answer;
  try {
    answer = co_await handler_(request);
  } catch (const std::exception& e) {
    spdlog::warn("event=web_op_failed op={} reason=\"{}\"", request.value("op", ""), e.what());
    answer = json{{"ok", false},
                  {"error", "kimgated failed to answer this request; see its log"},
                  {"error_de", "kimgated konnte die Anfrage nicht beantworten."},
                  {"advice", "Look at kimgated's log (journalctl -u kimgated) and try again."},
                  {"advice_de",
                   "Sehen Sie im Protokoll von kimgated nach (journalctl -u kimgated) und versuchen Sie "
                   "es erneut."}};
  }
  if (!answer.is_object()) {
    answer = json{{"ok", false}, {"error", "kimgated answered without a JSON object"}};
  }
  co_return answer;
}

awaitable<Response> WebApp::login_page(const Request& request, std::string_view message) {
  // The login form's CSRF token is a double-submit cookie: no session exists yet.
  std::string token = cookie_value(cookies(request), kLoginCookie);
  if (token.size() != 64) {
    token = random_token();
  }
  std::string body;
  if (!message.empty()) {
    body += notice("error", message);
  }
  body +=
      "<form method=\"post\" action=\"/login\" class=\"step\">"
      "<input type=\"hidden\" name=\"csrf\" value=\"" +
      escape(token) +
      "\"><label for=\"password\">Admin-Passwort</label>"
      "<input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"current-password\" required "
      "autofocus><button type=\"submit\">Anmelden</button></form>"
      "<p>Kein Passwort gesetzt? Auf dem Rechner von kimgated: <code>kimctl web password</code></p>";
  Response res = make_response(message.empty() ? http::status::ok : http::status::unauthorized,
                               "text/html; charset=utf-8", page("Anmeldung", body, "", Lang::de));
  res.set(http::field::set_cookie, cookie(kLoginCookie, token, options_.secure_cookie));
  co_return res;
}

awaitable<Response> WebApp::login(const Request& request, const std::string& client) {
  const Form form = parse_form(request.body());
  const std::string expected = cookie_value(cookies(request), kLoginCookie);
  if (expected.size() != 64 || !same_token(expected, field(form, "csrf"))) {
    spdlog::warn("event=web_csrf_refused path=/login peer={}", client);
    co_return forbidden(
        "Die Anmeldung wurde abgewiesen, weil das Formular kein gültiges Sicherheitsmerkmal trägt. Laden Sie die "
        "Anmeldeseite neu und melden Sie sich erneut an.");
  }
  const Clock::duration delay = throttle_.delay_for(client);
  if (delay > Clock::duration::zero()) {
    asio::steady_timer timer(co_await asio::this_coro::executor, delay);
    co_await timer.async_wait(asio::use_awaitable);
  }
  const PasswordFile stored = read_password_file(options_.password_file);
  if (!stored.error.empty()) {
    spdlog::warn("event=web_login_impossible reason=\"{}\"", stored.error);
    Response res = co_await login_page(
        request,
        "Es ist noch kein Admin-Passwort gesetzt. Setzen Sie es auf dem Rechner von kimgated mit: kimctl web "
        "password");
    co_return res;
  }
  std::string password = field(form, "password");
  const auto check = [encoded = stored.encoded, password]() { return verify_admin_password(encoded, password); };
  const bool ok = co_await net::run_blocking(pool_, check);
  std::fill(password.begin(), password.end(), '\0');
  if (!ok) {
    throttle_.failed(client);
    spdlog::warn("event=web_login_failed peer={}", client);
    Response res = co_await login_page(request, "Das Passwort ist falsch. Jeder weitere Versuch wartet länger.");
    co_return res;
  }
  throttle_.succeeded(client);
  const WebSession& session = sessions_.create();
  spdlog::info("event=web_login peer={} sessions={}", client, sessions_.size());
  Response res = redirect("/");
  res.set(http::field::set_cookie, cookie(kSessionCookie, session.id, options_.secure_cookie));
  co_return res;
}

awaitable<Response> WebApp::respond(const Request& request, const std::string& client) {
  const auto [path_view, query_view] = split_target(sv(request.target()));
  const std::string path(path_view);
  const bool post = request.method() == http::verb::post;
  if (!post && request.method() != http::verb::get) {
    Response res = make_response(http::status::method_not_allowed, "text/plain; charset=utf-8",
                                 "Nur GET und POST werden beantwortet.\n");
    res.set(http::field::allow, "GET, POST");
    co_return res;
  }
  if (path == "/style.css") {
    co_return make_response(http::status::ok, "text/css; charset=utf-8", std::string(stylesheet()));
  }
  if (path == "/login") {
    if (post) {
      Response res = co_await login(request, client);
      co_return res;
    }
    Response res = co_await login_page(request, "");
    co_return res;
  }
  WebSession* session = sessions_.touch(cookie_value(cookies(request), kSessionCookie));
  if (session == nullptr) {
    if (post) {
      spdlog::warn("event=web_post_without_session path={} peer={}", path, client);
      co_return forbidden(
          "Diese Aktion wurde abgewiesen, weil keine gültige Anmeldung besteht (abgemeldet oder zu lange untätig). "
          "Melden Sie sich erneut an und wiederholen Sie die Aktion.");
    }
    co_return redirect("/login");
  }
  Call call{request, *session, path, parse_form(query_view), {}};
  if (post) {
    call.form = parse_form(request.body());
    if (!same_token(session->csrf, field(call.form, "csrf"))) {
      spdlog::warn("event=web_csrf_refused path={} peer={}", path, client);
      co_return forbidden(
          "Diese Aktion wurde abgewiesen, weil das Formular kein gültiges Sicherheitsmerkmal (CSRF-Token) trägt. "
          "Öffnen Sie die Seite neu und senden Sie das Formular von dort.");
    }
  }
  const std::string lang = field(call.query, "lang");
  if (lang == "en" || lang == "de") {
    session->english = lang == "en";
  }
  if (post && path == "/logout") {
    sessions_.erase(session->id);
    spdlog::info("event=web_logout peer={}", client);
    Response res = redirect("/login");
    res.set(http::field::set_cookie, cookie(kSessionCookie, "", options_.secure_cookie, true));
    co_return res;
  }
  Response res = co_await route(call);
  co_return res;
}

awaitable<Response> WebApp::route(Call& call) {
  const std::string& p = call.path;
  Response res;
  if (p == "/") {
    res = co_await overview(call);
  } else if (p == "/setup/1") {
    res = co_await step_konnektor(call);
  } else if (p == "/setup/2") {
    res = co_await step_cards(call);
  } else if (p == "/setup/3" && call.request.method() == http::verb::post && field(call.form, "action") == "register") {
    res = co_await register_account(call);
  } else if (p == "/setup/3") {
    res = co_await step_register(call);
  } else if (p == "/setup/4") {
    res = co_await step_certificate(call);
  } else if (p == "/setup/5") {
    res = co_await step_user_names(call);
  } else if (p == "/setup/6") {
    res = co_await step_settings(call);
  } else if (p == "/account") {
    res = co_await account_care(call);
  } else if (p == "/doctor") {
    res = co_await doctor_view(call);
  } else if (p == "/track") {
    res = co_await track_view(call);
  } else {
    res = html(call, http::status::not_found, "Seite nicht gefunden",
               notice("error", "Diese Seite gibt es nicht.") + "<p><a href=\"/\">Zur Übersicht</a></p>");
  }
  co_return res;
}

}  // namespace kimgate::web
