// The pure parts of web/: form and cookie parsing, HTML escaping, tokens, the session store's
// idle expiry, the login throttle, and the Argon2id password file.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <set>

#include "web/admin_password.h"
#include "web/form.h"
#include "web/html.h"
#include "web/session_store.h"

namespace kimgate::web {
namespace {

TEST(Form, DecodesPlusPercentAndKeepsTheFirstOfRepeatedNames) {
  const Form f = parse_form("a=1&b=x+y%21&a=2&empty=&flag&bad=%zz%4");
  EXPECT_EQ(field(f, "a"), "1");
  EXPECT_EQ(field(f, "b"), "x y!");
  EXPECT_EQ(field(f, "empty"), "");
  EXPECT_TRUE(f.count("flag"));
  EXPECT_EQ(field(f, "bad"), "%zz%4");
  EXPECT_EQ(field(f, "missing"), "");
}

TEST(Form, AtMost64Fields) {
  std::string body;
  for (int i = 0; i < 100; ++i) {
    body += "f" + std::to_string(i) + "=1&";
  }
  EXPECT_EQ(parse_form(body).size(), 64U);
}

TEST(Form, TargetsAndCookies) {
  EXPECT_EQ(split_target("/setup/3?lang=en").first, "/setup/3");
  EXPECT_EQ(split_target("/setup/3?lang=en").second, "lang=en");
  EXPECT_EQ(split_target("/").second, "");
  EXPECT_EQ(cookie_value("a=1; kimgate_session=abc; b=2", "kimgate_session"), "abc");
  EXPECT_EQ(cookie_value("xkimgate_session=abc", "kimgate_session"), "");
  EXPECT_EQ(cookie_value("", "kimgate_session"), "");
}

TEST(Html, EscapesEverythingThatCouldLeaveAText) {
  EXPECT_EQ(escape("<a href=\"x\" onclick='y'>&</a>"),
            "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
}

TEST(Html, ErrorBoxInGermanOrEnglish) {
  const nlohmann::json answer{{"ok", false},   {"error", "E"},     {"error_de", "D"},
                              {"advice", "A"}, {"advice_de", "R"}, {"http_status", 404}};
  const std::string de = error_box(answer, Lang::de);
  EXPECT_NE(de.find("D"), std::string::npos);
  EXPECT_NE(de.find("Was zu tun ist: </strong>R"), std::string::npos);
  EXPECT_NE(de.find("HTTP 404"), std::string::npos);
  const std::string en = error_box(answer, Lang::en);
  EXPECT_NE(en.find("<p>E"), std::string::npos);
  EXPECT_NE(en.find("What to do: </strong>A"), std::string::npos);
  EXPECT_NE(error_box(nlohmann::json{{"ok", false}, {"error", "only English"}}, Lang::de).find("only English"),
            std::string::npos);
}

TEST(Tokens, Are256BitHexAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string t = random_token();
    EXPECT_EQ(t.size(), 64U);
    EXPECT_EQ(t.find_first_not_of("0123456789abcdef"), std::string::npos);
    seen.insert(t);
  }
  EXPECT_EQ(seen.size(), 100U);
  EXPECT_TRUE(same_token("abc", "abc"));
  EXPECT_FALSE(same_token("abc", "abd"));
  EXPECT_FALSE(same_token("abc", "abcd"));
  EXPECT_FALSE(same_token("", ""));
}

TEST(Sessions, ExpireAfterIdleAndAreBounded) {
  Clock::time_point now = Clock::now();
  SessionStore store(
      std::chrono::minutes(10), [&now] { return now; }, 3);
  const std::string a = store.create().id;
  EXPECT_NE(store.touch(a), nullptr);
  now += std::chrono::minutes(9);
  EXPECT_NE(store.touch(a), nullptr);
  now += std::chrono::minutes(10);
  EXPECT_EQ(store.touch(a), nullptr);
  const std::string b = store.create().id;
  now += std::chrono::seconds(1);
  store.create();
  store.create();
  store.create();  // the fourth pushes out the oldest (b)
  EXPECT_EQ(store.size(), 3U);
  EXPECT_EQ(store.touch(b), nullptr);
  EXPECT_EQ(store.touch("unknown"), nullptr);
}

TEST(Throttle, DoublesPerFailureUpTo8xAndResets) {
  LoginThrottle t(std::chrono::seconds(1));
  EXPECT_EQ(t.delay_for("c"), Clock::duration::zero());
  const std::chrono::seconds expected[] = {std::chrono::seconds(1), std::chrono::seconds(2), std::chrono::seconds(4),
                                           std::chrono::seconds(8), std::chrono::seconds(8)};
  for (const auto e : expected) {
    t.failed("c");
    EXPECT_EQ(t.delay_for("c"), e);
  }
  EXPECT_EQ(t.delay_for("other"), Clock::duration::zero());
  t.succeeded("c");
  EXPECT_EQ(t.delay_for("c"), Clock::duration::zero());
}

TEST(AdminPassword, Argon2idHashInA0600File) {
  const auto encoded = hash_admin_password("a long admin password", Argon2Cost{1024, 1, 1});
  ASSERT_TRUE(encoded.has_value());
  EXPECT_EQ(encoded->rfind("$argon2id$v=19$m=1024,t=1,p=1$", 0), 0U);
  EXPECT_EQ(encoded->find("a long admin password"), std::string::npos);
  EXPECT_TRUE(verify_admin_password(*encoded, "a long admin password"));
  EXPECT_FALSE(verify_admin_password(*encoded, "a long admin passwort"));
  EXPECT_FALSE(verify_admin_password("plain", "plain"));
  EXPECT_NE(*hash_admin_password("a long admin password", Argon2Cost{1024, 1, 1}), *encoded);  // fresh salt

  const auto dir = std::filesystem::temp_directory_path() / ("web_pw_" + std::to_string(::getpid()));
  const auto file = dir / "sub" / "admin.argon2";
  ASSERT_FALSE(write_password_file(file, *encoded).has_value());
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600U);
  EXPECT_EQ(read_password_file(file).encoded, *encoded);
  EXPECT_NE(read_password_file(dir / "none").error.find("kimctl web password"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(AdminPassword, DefaultCostIsRfc9106Second) {
  const auto encoded = hash_admin_password("another long password");
  ASSERT_TRUE(encoded.has_value());
  EXPECT_EQ(encoded->rfind("$argon2id$v=19$m=65536,t=3,p=1$", 0), 0U);
  EXPECT_TRUE(weak_password("short").has_value());
  EXPECT_FALSE(weak_password("long enough!").has_value());
}

}  // namespace
}  // namespace kimgate::web
