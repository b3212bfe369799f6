// WebApp above the bytes: login (double-submit CSRF, Argon2id, delay after failures), session
// cookie attributes, security headers, CSRF on every POST, idle expiry, logout, and that page
// actions become the daemon's JSON ops (a recording fake handler stands in for the daemon) and
// that no password ever comes back in a response.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <future>
#include <set>

#include "web/admin_password.h"
#include "web/app.h"
#include "web/dates.h"

namespace kimgate::web {
namespace {

namespace asio = net::asio;
using nlohmann::json;

constexpr std::string_view kAdminPassword = "correct horse battery";
constexpr std::string_view kAccountPassword = "Kim-Konto-Geheim-42!";

struct Fixture : ::testing::Test {
  Fixture() {
    dir = std::filesystem::temp_directory_path() / ("web_app_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    options.password_file = dir / "admin.argon2";
    options.session_idle = std::chrono::minutes(15);
    options.login_failure_delay = std::chrono::milliseconds(200);
    const auto encoded = hash_admin_password(kAdminPassword, Argon2Cost{1024, 1, 1});
    EXPECT_TRUE(encoded.has_value());
    EXPECT_FALSE(write_password_file(options.password_file, *encoded).has_value());
    make_app();
  }
  ~Fixture() override { std::filesystem::remove_all(dir); }

  void make_app() {
    const auto handler = [this](const json& request) -> net::awaitable<json> {
      ops.push_back(request);
      co_return answer_for(request);
    };
    const auto now = [this] { return fake_now; };
    app = std::make_unique<WebApp>(options, handler, pool, now);
  }

  json answer_for(const json& request) {
    const std::string op = request.value("op", "");
    if (failing.count(op) != 0) {
      return json{{"ok", false},
                  {"error", "The provider refused the password."},
                  {"error_de", "Der Anbieter lehnt das Passwort ab."},
                  {"advice", "Choose a longer password."},
                  {"advice_de", "Wählen Sie ein längeres Passwort."},
                  {"http_status", 420}};
    }
    if (op == "account.list") {
      return json{{"ok", true}, {"accounts", listed}};
    }
    if (op == "doctor") {
      return json{{"ok", true},
                  {"worst", "fail"},
                  {"lines", json::array({json{{"hop", "card"},
                                              {"subject", "80276001011699903333"},
                                              {"verdict", "fail"},
                                              {"sentence", "The PIN of card 80276001011699903333 is blocked."},
                                              {"sentence_de", "Die PIN der Karte 80276001011699903333 ist gesperrt."},
                                              {"advice", "Unblock it with the PUK."},
                                              {"advice_de", "Entsperren Sie sie mit der PUK."}},
                                         json{{"hop", "clock"},
                                              {"subject", "soap"},
                                              {"verdict", "ok"},
                                              {"sentence", "The clock <agrees>."},
                                              {"sentence_de", "Die Uhr <stimmt>."},
                                              {"advice", ""},
                                              {"advice_de", ""}}})}};
    }
    if (op == "track.list" || op == "track.show") {
      const json eau{{"id", 7},
                     {"message_id", "<eau-1@praxis.test>"},
                     {"account", "praxis.a@fd-a.test"},
                     {"service", "eau"},
                     {"dienstkennung", "eAU;Lieferung;V1.0"},
                     {"recipient", "eau@kasse.test"},
                     {"status", "ERROR"},
                     {"overdue", false},
                     {"vorgangsnummer", "V-<42>"},
                     {"summary", "Fehler-Kasse: IK unbekannt"},
                     {"sent_at", "2026-12-05T06:00:00Z"},
                     {"deadline", "2026-12-06T06:00:00Z"}};
      json qs = eau;
      qs["id"] = 8;
      qs["service"] = "edoku-qshlt";
      qs["status"] = "sent";
      qs["overdue"] = true;
      qs["vorgangsnummer"] = "";
      qs["summary"] = "";
      if (op == "track.show") {
        return json{{"ok", true}, {"vorgaenge", request.value("id", "") == "7" ? json::array({eau}) : json::array()}};
      }
      return json{{"ok", true}, {"vorgaenge", json::array({qs, eau})}};
    }
    if (op == "account.context") {
      return json{{"ok", true},
                  {"cards", json::array({json{{"iccsn", "80276001011699903333"},
                                              {"type", "SMC-B"},
                                              {"holder", "Praxis C"},
                                              {"telematik_id", "2-123456789"}}})},
                  {"providers", json::array({json{{"domain", "kim.example"}}})}};
    }
    if (op == "account.proposals") {
      return json{{"ok", true},
                  {"proposals", json::array({json{{"address", "B-123456789.nordrhein@kim.example"},
                                                  {"editable_part", "B-123456789"},
                                                  {"fixed_suffix", ".nordrhein@kim.example"}}})},
                  {"used", 0},
                  {"limit", 100}};
    }
    if (op == "account.service_info") {
      return json{{"ok", true},
                  {"password_policy_display", "Mindestens 12 Zeichen"},
                  {"reference_id_required", true},
                  {"initial_password_required", false}};
    }
    if (op == "account.register") {
      return json{{"ok", true},
                  {"address", request.value("address", "")},
                  {"certificate", json{{"not_after", "2029-01-01T00:00:00Z"}, {"sha256", "ab12"}}}};
    }
    return json{{"ok", true}};
  }

  Response send(Request request, const std::string& client = "127.0.0.1") {
    request.prepare_payload();
    const auto run = [this, request, client]() -> net::awaitable<Response> {
      Response r = co_await app->respond(request, client);
      co_return r;
    };
    std::future<Response> f = asio::co_spawn(io, run(), asio::use_future);
    io.restart();
    io.run();
    Response res = f.get();
    bodies.push_back(res.body());
    return res;
  }

  static Request get(const std::string& target, const std::string& cookies = "") {
    Request r{http::verb::get, target, 11};
    if (!cookies.empty()) {
      r.set(http::field::cookie, cookies);
    }
    return r;
  }

  static Request post(const std::string& target, const std::string& body, const std::string& cookies = "") {
    Request r{http::verb::post, target, 11};
    r.set(http::field::content_type, "application/x-www-form-urlencoded");
    if (!cookies.empty()) {
      r.set(http::field::cookie, cookies);
    }
    r.body() = body;
    return r;
  }

  static std::string set_cookie(const Response& r) { return std::string(r[http::field::set_cookie]); }

  // The value of `name=` in a Set-Cookie header.
  static std::string cookie_of(const Response& r, const std::string& name) {
    const std::string sc = set_cookie(r);
    if (sc.rfind(name + "=", 0) != 0) {
      return {};
    }
    return sc.substr(name.size() + 1, sc.find(';') - name.size() - 1);
  }

  // The CSRF value of the first form in a page.
  static std::string csrf_in(const std::string& body) {
    const std::string marker = "name=\"csrf\" value=\"";
    const std::size_t at = body.find(marker);
    return at == std::string::npos ? std::string{} : body.substr(at + marker.size(), 64);
  }

  // Logs in; returns the session cookie header value ("kimgate_session=...").
  std::string login() {
    const Response page = send(get("/login"));
    const std::string token = cookie_of(page, "kimgate_login");
    const Response res =
        send(post("/login", "csrf=" + token + "&password=correct+horse+battery", "kimgate_login=" + token));
    EXPECT_EQ(res.result(), http::status::see_other);
    return "kimgate_session=" + cookie_of(res, "kimgate_session");
  }

  std::filesystem::path dir;
  WebOptions options;
  asio::io_context io;
  asio::thread_pool pool{1};
  Clock::time_point fake_now = Clock::now();
  std::vector<json> ops;
  json listed = json::array(
      {json{{"address", "B-123456789.nordrhein@kim.example"}, {"certificate_not_after", "2029-01-01T00:00:00Z"}}});
  std::set<std::string> failing;
  std::vector<std::string> bodies;
  std::unique_ptr<WebApp> app;
};

void expect_security_headers(const Response& r) {
  EXPECT_EQ(r["Content-Security-Policy"].substr(0, 18), "default-src 'self'");
  EXPECT_EQ(r["X-Frame-Options"], "DENY");
  EXPECT_EQ(r["Referrer-Policy"], "no-referrer");
  EXPECT_EQ(r[http::field::cache_control], "no-store");
  EXPECT_EQ(r["X-Content-Type-Options"], "nosniff");
}

TEST_F(Fixture, WithoutLoginPagesRedirectAndPostsAreRefused) {
  const Response page = send(get("/"));
  EXPECT_EQ(page.result(), http::status::see_other);
  EXPECT_EQ(page[http::field::location], "/login");
  const Response posted = send(post("/setup/2", "action=unlock&iccsn=1&csrf=x"));
  EXPECT_EQ(posted.result(), http::status::forbidden);
  EXPECT_NE(posted.body().find("keine gültige Anmeldung"), std::string::npos);
  EXPECT_TRUE(ops.empty());
  expect_security_headers(page);
  expect_security_headers(posted);
}

TEST_F(Fixture, LoginPageSetsAStrictDoubleSubmitCookie) {
  const Response page = send(get("/login"));
  EXPECT_EQ(page.result(), http::status::ok);
  expect_security_headers(page);
  const std::string token = cookie_of(page, "kimgate_login");
  EXPECT_EQ(token.size(), 64U);
  EXPECT_EQ(csrf_in(page.body()), token);
  EXPECT_NE(set_cookie(page).find("; HttpOnly; SameSite=Strict; Path=/"), std::string::npos);
  EXPECT_EQ(set_cookie(page).find("Secure"), std::string::npos);
}

TEST_F(Fixture, LoginWithoutTheFormTokenIsRefused) {
  const Response page = send(get("/login"));
  const std::string token = cookie_of(page, "kimgate_login");
  const Response none = send(post("/login", "password=correct+horse+battery", "kimgate_login=" + token));
  EXPECT_EQ(none.result(), http::status::forbidden);
  const Response wrong = send(
      post("/login", "csrf=" + std::string(64, 'a') + "&password=correct+horse+battery", "kimgate_login=" + token));
  EXPECT_EQ(wrong.result(), http::status::forbidden);
  EXPECT_TRUE(set_cookie(wrong).empty());
}

TEST_F(Fixture, SessionCookieIsRandomHttpOnlyStrict) {
  const Response page = send(get("/login"));
  const std::string token = cookie_of(page, "kimgate_login");
  const Response res =
      send(post("/login", "csrf=" + token + "&password=correct+horse+battery", "kimgate_login=" + token));
  ASSERT_EQ(res.result(), http::status::see_other);
  EXPECT_EQ(res[http::field::location], "/");
  const std::string id = cookie_of(res, "kimgate_session");
  EXPECT_EQ(id.size(), 64U);
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(set_cookie(res), "kimgate_session=" + id + "; HttpOnly; SameSite=Strict; Path=/");
  EXPECT_NE(login(), "kimgate_session=" + id);  // every login gets a new id
}

TEST_F(Fixture, SecureCookieBehindTls) {
  options.secure_cookie = true;
  make_app();
  const Response page = send(get("/login"));
  EXPECT_NE(set_cookie(page).find("; Secure"), std::string::npos);
}

TEST_F(Fixture, WrongPasswordIsRefusedAndEachFailureWaitsLonger) {
  const Response page = send(get("/login"));
  const std::string token = cookie_of(page, "kimgate_login");
  const auto attempt = [&](const std::string& password) {
    const auto start = std::chrono::steady_clock::now();
    const Response r = send(post("/login", "csrf=" + token + "&password=" + password, "kimgate_login=" + token));
    return std::pair{r, std::chrono::steady_clock::now() - start};
  };
  const auto [first, t1] = attempt("wrong-password-1");
  EXPECT_EQ(first.result(), http::status::unauthorized);
  EXPECT_NE(first.body().find("Das Passwort ist falsch"), std::string::npos);
  EXPECT_TRUE(cookie_of(first, "kimgate_session").empty());
  EXPECT_LT(t1, std::chrono::milliseconds(200));
  const auto [second, t2] = attempt("wrong-password-2");
  EXPECT_GE(t2, std::chrono::milliseconds(200));
  const auto [third, t3] = attempt("wrong-password-3");
  EXPECT_GE(t3, std::chrono::milliseconds(400));
  const auto [right, t4] = attempt("correct+horse+battery");
  EXPECT_GE(t4, std::chrono::milliseconds(800));
  EXPECT_EQ(right.result(), http::status::see_other);
  const auto [after, t5] = attempt("wrong-password-4");
  EXPECT_LT(t5, std::chrono::milliseconds(200));  // a success resets the delay
  for (const auto& body : bodies) {
    EXPECT_EQ(body.find("wrong-password"), std::string::npos);
  }
}

TEST_F(Fixture, NoPasswordFileSaysHowToSetOne) {
  std::filesystem::remove(options.password_file);
  const Response page = send(get("/login"));
  const std::string token = cookie_of(page, "kimgate_login");
  const Response r = send(post("/login", "csrf=" + token + "&password=x", "kimgate_login=" + token));
  EXPECT_EQ(r.result(), http::status::unauthorized);
  EXPECT_NE(r.body().find("kimctl web password"), std::string::npos);
}

TEST_F(Fixture, EveryPostNeedsTheSessionsCsrfToken) {
  const std::string session = login();
  const Response page = send(get("/setup/2", session));
  ASSERT_EQ(page.result(), http::status::ok);
  expect_security_headers(page);
  const std::string csrf = csrf_in(page.body());
  ASSERT_EQ(csrf.size(), 64U);
  ops.clear();
  const Response none = send(post("/setup/2", "action=unlock&iccsn=80276001011699903333", session));
  EXPECT_EQ(none.result(), http::status::forbidden);
  EXPECT_NE(none.body().find("CSRF"), std::string::npos);
  const Response wrong =
      send(post("/setup/2", "action=unlock&iccsn=80276001011699903333&csrf=" + std::string(64, '0'), session));
  EXPECT_EQ(wrong.result(), http::status::forbidden);
  EXPECT_TRUE(ops.empty());
  const Response right = send(post("/setup/2", "action=unlock&iccsn=80276001011699903333&csrf=" + csrf, session));
  EXPECT_EQ(right.result(), http::status::ok);
  ASSERT_FALSE(ops.empty());
  EXPECT_EQ(ops.front(), (json{{"op", "card.unlock"}, {"iccsn", "80276001011699903333"}}));
}

TEST_F(Fixture, OverviewListsAccountsFromTheDaemon) {
  const std::string session = login();
  const Response r = send(get("/", session));
  EXPECT_EQ(r.result(), http::status::ok);
  EXPECT_NE(r.body().find("B-123456789.nordrhein@kim.example"), std::string::npos);
  EXPECT_NE(r.body().find("2029-01-01T00:00:00Z"), std::string::npos);
  EXPECT_EQ(ops.front()["op"], "account.list");
}

TEST_F(Fixture, DiagnosePageShowsTheDoctorOpsLinesInGermanOrEnglish) {
  const std::string session = login();
  const Response overview = send(get("/", session));
  EXPECT_NE(overview.body().find("href=\"/doctor\""), std::string::npos);
  const Response r = send(get("/doctor", session));
  EXPECT_EQ(r.result(), http::status::ok);
  EXPECT_EQ(ops.back()["op"], "doctor");
  EXPECT_FALSE(ops.back().contains("passwords"));
  EXPECT_NE(r.body().find("FEHLER"), std::string::npos);
  EXPECT_NE(r.body().find("Die PIN der Karte 80276001011699903333 ist gesperrt."), std::string::npos);
  EXPECT_NE(r.body().find("Entsperren Sie sie mit der PUK."), std::string::npos);
  EXPECT_NE(r.body().find("Die Uhr &lt;stimmt&gt;."), std::string::npos);
  const Response en = send(get("/doctor?lang=en", session));
  EXPECT_NE(en.body().find("FAIL"), std::string::npos);
  EXPECT_NE(en.body().find("The PIN of card 80276001011699903333 is blocked."), std::string::npos);
  EXPECT_NE(en.body().find("Unblock it with the PUK."), std::string::npos);
}

TEST_F(Fixture, TrackPageListsTheVorgaengeAndNamesOverdueAndErrorOnes) {
  const std::string session = login();
  EXPECT_NE(send(get("/", session)).body().find("href=\"/track\""), std::string::npos);
  const Response r = send(get("/track", session));
  EXPECT_EQ(r.result(), http::status::ok);
  EXPECT_EQ(ops.back()["op"], "track.list");
  EXPECT_NE(r.body().find("1 mit ERROR, 1 überfällig"), std::string::npos) << r.body();
  EXPECT_NE(r.body().find("gesendet, überfällig"), std::string::npos);
  EXPECT_NE(r.body().find("V-&lt;42&gt;"), std::string::npos) << "escaped";
  EXPECT_NE(r.body().find("href=\"/track?id=7\""), std::string::npos);
  EXPECT_LT(r.body().find("edoku-qshlt"), r.body().find("Fehler-Kasse")) << "in the daemon's order, newest first";
  const Response one = send(get("/track?id=7&lang=en", session));
  EXPECT_EQ(ops.back()["op"], "track.show");
  EXPECT_EQ(ops.back()["id"], "7");
  EXPECT_NE(one.body().find("eAU;Lieferung;V1.0"), std::string::npos);
  EXPECT_NE(one.body().find("Case number"), std::string::npos);
  const Response none = send(get("/track?id=99&lang=de", session));
  EXPECT_NE(none.body().find("Diesen Vorgang gibt es nicht."), std::string::npos);
}

TEST_F(Fixture, RegistrationBecomesOneRegisterOpAndNoPasswordComesBack) {
  const std::string session = login();
  const std::string csrf = csrf_in(send(get("/setup/3", session)).body());
  const Response proposals = send(
      post("/setup/3", "csrf=" + csrf + "&action=proposals&card=80276001011699903333&provider=kim.example", session));
  EXPECT_NE(proposals.body().find("value=\"B-123456789\""), std::string::npos);
  EXPECT_NE(proposals.body().find(".nordrhein@kim.example"), std::string::npos);
  EXPECT_NE(proposals.body().find("Mindestens 12 Zeichen"), std::string::npos);
  EXPECT_NE(proposals.body().find("name=\"reference_id\""), std::string::npos);
  EXPECT_EQ(proposals.body().find("name=\"initial_password\""), std::string::npos);
  const std::string form = "csrf=" + csrf +
                           "&action=register&card=80276001011699903333&provider=kim.example&editable_part=B-123456789"
                           "&fixed_suffix=.nordrhein%40kim.example&password=Kim-Konto-Geheim-42%21"
                           "&password2=Kim-Konto-Geheim-42%21&reference_id=REF-7&bcc_acknowledged=yes";
  ops.clear();
  failing.insert("account.register");
  const Response refused = send(post("/setup/3", form, session));
  EXPECT_NE(refused.body().find("Der Anbieter lehnt das Passwort ab."), std::string::npos);
  EXPECT_NE(refused.body().find("Wählen Sie ein längeres Passwort."), std::string::npos);
  EXPECT_NE(refused.body().find("HTTP 420"), std::string::npos);
  const Response english = send(post("/setup/3?lang=en", form, session));
  EXPECT_NE(english.body().find("The provider refused the password."), std::string::npos);
  EXPECT_NE(english.body().find("Choose a longer password."), std::string::npos);
  failing.clear();
  const Response done = send(post("/setup/3?lang=de", form, session));
  EXPECT_NE(done.body().find("ist registriert"), std::string::npos);
  const json& last_register =
      *std::find_if(ops.rbegin(), ops.rend(), [](const json& o) { return o["op"] == "account.register"; });
  EXPECT_EQ(last_register, (json{{"op", "account.register"},
                                 {"card", "80276001011699903333"},
                                 {"provider", "kim.example"},
                                 {"address", "B-123456789.nordrhein@kim.example"},
                                 {"password", kAccountPassword},
                                 {"reference_id", "REF-7"},
                                 {"kim_version", "1.5"},
                                 {"bcc_acknowledged", true}}));
  for (const auto& body : bodies) {
    EXPECT_EQ(body.find(kAccountPassword), std::string::npos);
    EXPECT_EQ(body.find(kAdminPassword), std::string::npos);
  }
}

TEST_F(Fixture, MismatchedPasswordsNeverReachTheProvider) {
  const std::string session = login();
  const std::string csrf = csrf_in(send(get("/setup/3", session)).body());
  ops.clear();
  const Response r = send(post("/setup/3",
                               "csrf=" + csrf +
                                   "&action=register&card=1&provider=kim.example&editable_part=B-1&fixed_suffix=.x"
                                   "&password=aaaaaaaaaaaa&password2=bbbbbbbbbbbb&bcc_acknowledged=yes",
                               session));
  EXPECT_NE(r.body().find("stimmen nicht überein"), std::string::npos);
  for (const auto& o : ops) {
    EXPECT_NE(o["op"], "account.register");
  }
  EXPECT_EQ(r.body().find("aaaaaaaaaaaa"), std::string::npos);
}

TEST_F(Fixture, IdleSessionsExpire) {
  const std::string session = login();
  fake_now += std::chrono::minutes(14);
  EXPECT_EQ(send(get("/", session)).result(), http::status::ok);
  fake_now += std::chrono::minutes(14);  // 14 minutes after the last request: still alive
  EXPECT_EQ(send(get("/", session)).result(), http::status::ok);
  fake_now += std::chrono::minutes(16);
  const Response r = send(get("/", session));
  EXPECT_EQ(r.result(), http::status::see_other);
  EXPECT_EQ(r[http::field::location], "/login");
}

TEST_F(Fixture, LogoutEndsTheSession) {
  const std::string session = login();
  const std::string csrf = csrf_in(send(get("/", session)).body());
  EXPECT_EQ(send(post("/logout", "csrf=wrong", session)).result(), http::status::forbidden);
  const Response out = send(post("/logout", "csrf=" + csrf, session));
  EXPECT_EQ(out.result(), http::status::see_other);
  EXPECT_NE(set_cookie(out).find("kimgate_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"), std::string::npos);
  EXPECT_EQ(send(get("/", session)).result(), http::status::see_other);
}

TEST_F(Fixture, OtherMethodsAndUnknownPages) {
  const std::string session = login();
  Request put{http::verb::put, "/", 11};
  EXPECT_EQ(send(put).result(), http::status::method_not_allowed);
  EXPECT_EQ(send(get("/nowhere", session)).result(), http::status::not_found);
  const Response css = send(get("/style.css"));
  EXPECT_EQ(css[http::field::content_type], "text/css; charset=utf-8");
}

}  // namespace
}  // namespace kimgate::web

namespace kimgate::web {
namespace {

TEST_F(Fixture, LargeMailOptInNeedsTheRisksReadAndShowsThem) {
  const std::string session = login();
  const std::string csrf = csrf_in(send(get("/account", session)).body());
  ops.clear();
  const std::string base = "csrf=" + csrf + "&action=large_mail&address=B-1%40kim.example&password=pw&enable=yes";
  const Response refused = send(post("/account", base, session));
  EXPECT_NE(refused.body().find("Risiken"), std::string::npos);
  EXPECT_TRUE(ops.empty() || ops.back()["op"] != "account.large_mail");
  const Response done = send(post("/account", base + "&risks_read=yes", session));
  const auto sent = std::find_if(ops.begin(), ops.end(), [](const json& o) { return o["op"] == "account.large_mail"; });
  ASSERT_NE(sent, ops.end());
  EXPECT_EQ((*sent)["enable"], true);
  // Switching off needs no acknowledgement.
  ops.clear();
  send(post("/account", "csrf=" + csrf + "&action=large_mail&address=B-1%40kim.example&password=pw", session));
  EXPECT_TRUE(std::any_of(ops.begin(), ops.end(),
                          [](const json& o) { return o["op"] == "account.large_mail" && o["enable"] == false; }));
}

TEST_F(Fixture, AbsenceDaysAreCheckedAndSentAsDateTimes) {
  const std::string session = login();
  const std::string csrf = csrf_in(send(get("/account", session)).body());
  const std::string base = "csrf=" + csrf + "&action=absence&address=B-1%40kim.example&password=pw";
  ops.clear();
  const Response bad_day = send(post("/account", base + "&active=yes&start=2026-02-30&end=2026-03-02", session));
  EXPECT_NE(bad_day.body().find("JJJJ-MM-TT"), std::string::npos);
  const Response reversed = send(post("/account", base + "&active=yes&start=2026-12-24&end=2026-12-01", session));
  EXPECT_NE(reversed.body().find("vor dem Beginn"), std::string::npos);
  const Response no_end = send(post("/account", base + "&active=yes&start=2026-12-24", session));
  EXPECT_NE(no_end.body().find("braucht Beginn und Ende"), std::string::npos);
  EXPECT_TRUE(std::none_of(ops.begin(), ops.end(), [](const json& o) { return o["op"] == "account.absence"; }));
  send(post("/account", base + "&active=yes&start=2026-12-24&end=2027-01-02&message=Praxis+zu", session));
  const auto sent = std::find_if(ops.begin(), ops.end(), [](const json& o) { return o["op"] == "account.absence"; });
  ASSERT_NE(sent, ops.end());
  EXPECT_EQ((*sent)["set"], (json{{"active", true},
                                  {"start", "2026-12-24T00:00:00Z"},
                                  {"end", "2027-01-02T23:59:59Z"},
                                  {"message", "Praxis zu"}}));
  // Off alone keeps what the provider stored (FAQ): no empty dates are sent.
  ops.clear();
  send(post("/account", base, session));
  ASSERT_EQ(ops.size(), 2u);  // account.absence, then account.list for the page
  EXPECT_EQ(ops[0]["set"], (json{{"active", false}}));
}

TEST_F(Fixture, OverviewWarnsOfACertificateThatExpiresOrHasExpired) {
  const std::string session = login();
  const auto in_days = [](int days) {
    const std::time_t t =
        std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + std::chrono::hours(24 * days + 1));
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return std::string(buf);
  };
  listed = json::array({json{{"address", "soon@kim.example"}, {"certificate_not_after", in_days(12)}},
                        json{{"address", "gone@kim.example"}, {"certificate_not_after", "2020-01-01T00:00:00Z"}},
                        json{{"address", "fine@kim.example"}, {"certificate_not_after", in_days(300)}}});
  const Response r = send(get("/", session));
  EXPECT_NE(r.body().find("(noch 12 Tage)"), std::string::npos);
  EXPECT_NE(r.body().find("soon@kim.example läuft in 12 Tagen ab"), std::string::npos);
  EXPECT_NE(r.body().find("(abgelaufen)"), std::string::npos);
  EXPECT_NE(r.body().find("gone@kim.example ist abgelaufen"), std::string::npos);
  EXPECT_EQ(r.body().find("fine@kim.example läuft"), std::string::npos);
}

TEST(FormDayToIso, RealCalendarDaysOnly) {
  EXPECT_EQ(form_day_to_iso("2028-02-29", false), "2028-02-29T00:00:00Z");
  EXPECT_EQ(form_day_to_iso("2026-12-31", true), "2026-12-31T23:59:59Z");
  EXPECT_FALSE(form_day_to_iso("2027-02-29", false).has_value());
  EXPECT_FALSE(form_day_to_iso("2026-13-01", false).has_value());
  EXPECT_FALSE(form_day_to_iso("26-12-01", false).has_value());
  EXPECT_FALSE(form_day_to_iso("2026-12-01T00:00:00Z", false).has_value());
  EXPECT_FALSE(form_day_to_iso("", false).has_value());
}

}  // namespace
}  // namespace kimgate::web
