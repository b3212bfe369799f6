#pragma once
// WebApp: the admin page above the bytes. It answers each HTTP request (HttpServer carries
// them) and turns every page action into one JSON op of the daemon's control handler — the very
// handler the control socket uses — so the page and kimctl share one implementation.
//
// Safety: one admin, checked against the Argon2id hash in `password_file` (read at each login,
// verified on the worker pool); a login answers only after the client's LoginThrottle delay.
// A session is the cookie "kimgate_session" (HttpOnly, SameSite=Strict, Path=/, Secure behind
// TLS) with a 256-bit random id and its own CSRF token; every POST must carry that token (the
// login form a double-submit token), else 403 with a sentence. Every answer carries CSP
// default-src 'self', X-Frame-Options DENY, Referrer-Policy no-referrer, Cache-Control no-store.
// No password or PIN is ever put into a response: password inputs are never re-filled and op
// answers carry none.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "web/form.h"
#include "web/html.h"
#include "web/http_server.h"
#include "web/session_store.h"

namespace kimgate::web {

using OpHandler = std::function<net::awaitable<nlohmann::json>(const nlohmann::json& request)>;

struct WebOptions {
  std::filesystem::path password_file;
  Clock::duration session_idle = std::chrono::minutes(15);
  Clock::duration login_failure_delay = std::chrono::seconds(1);  // doubled per failure, at most 8 x
  bool secure_cookie = false;                                     // set when served behind TLS
};

class WebApp {
 public:
  // `pool` runs the Argon2 checks; `handler`, `pool` outlive the app.
  WebApp(WebOptions options, OpHandler handler, net::asio::thread_pool& pool, NowFn now = Clock::now);

  net::awaitable<Response> respond(const Request& request, const std::string& client);

  static constexpr std::string_view kSessionCookie = "kimgate_session";
  static constexpr std::string_view kLoginCookie = "kimgate_login";

 private:
  // One authenticated request.
  struct Call {
    const Request& request;
    WebSession& session;
    std::string path;
    Form query;
    Form form;  // POST body
    Lang lang() const { return session.english ? Lang::en : Lang::de; }
  };

  net::awaitable<Response> login_page(const Request& request, std::string_view message);
  net::awaitable<Response> login(const Request& request, const std::string& client);
  net::awaitable<Response> route(Call& call);
  net::awaitable<nlohmann::json> op(nlohmann::json request);
  Response html(const Call& call, http::status status, std::string_view title, const std::string& body) const;

  // Pages (assistant.cpp, account_page.cpp).
  net::awaitable<Response> overview(Call& call);
  net::awaitable<Response> step_konnektor(Call& call);
  net::awaitable<Response> step_cards(Call& call);
  net::awaitable<Response> step_register(Call& call);
  net::awaitable<Response> register_account(Call& call);
  net::awaitable<Response> step_certificate(Call& call);
  net::awaitable<Response> step_user_names(Call& call);
  net::awaitable<Response> step_settings(Call& call);
  net::awaitable<Response> account_care(Call& call);
  net::awaitable<Response> doctor_view(Call& call);  // doctor_page.cpp
  net::awaitable<Response> track_view(Call& call);   // track_page.cpp
  std::string register_form(const Call& call, const nlohmann::json& context, const Form& chosen,
                            const nlohmann::json& proposals, const nlohmann::json& service_info) const;

  WebOptions options_;
  OpHandler handler_;
  net::asio::thread_pool& pool_;
  NowFn now_;
  SessionStore sessions_;
  LoginThrottle throttle_;
};

// Adds the headers every answer carries (CSP, frame, referrer, cache, nosniff).
void add_security_headers(Response& response);

}  // namespace kimgate::web
