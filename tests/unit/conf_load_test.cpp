// The configuration loader: the example file loads; broken files give file:line:col and a sentence.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "conf/load.h"

namespace kimgate::conf {
namespace {

// A minimal valid configuration; the cases below break one thing each.
constexpr const char* kValid = R"(
[daemon]
state_dir = "/tmp/kimgate-test-state"

[[pvs.listener]]
protocol = "smtp"
address = "127.0.0.1"
port = 10465

[[konnektor]]
id = "K1"
kind = "soap"
sds_url = "https://127.0.0.1:8443/connector.sds"
tls_auth = "basic"
basic_user = "kim"
basic_password = "geheim"
server_pin_sha256 = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
)";

LoadResult load(const std::string& text) {
  return load_string(text, "test.toml", "/tmp");
}

std::string all_errors(const LoadResult& r) {
  std::string out;
  for (const auto& d : r.errors) {
    out += d.str() + "\n";
  }
  return out;
}

TEST(ConfLoad, ExampleConfigLoads) {
  const LoadResult r = load_file(std::string(KIMGATE_SOURCE_DIR) + "/conf/kimgate.example.toml");
  ASSERT_TRUE(r.ok()) << all_errors(r);
  EXPECT_EQ(r.config->pvs.listeners.size(), 2u);
  EXPECT_EQ(r.config->default_konnektor().id, "Konn_1");
  EXPECT_EQ(r.config->timeouts.konnektor, std::chrono::minutes(1));
  EXPECT_EQ(r.config->limits.konnektor_document, 15728640u);
}

TEST(ConfLoad, MinimalConfigGetsSpecDefaults) {
  const LoadResult r = load(kValid);
  ASSERT_TRUE(r.ok()) << all_errors(r);
  const Config& c = *r.config;
  EXPECT_EQ(c.timeouts.smtp_server, std::chrono::minutes(5));
  EXPECT_EQ(c.timeouts.pop3_client, std::chrono::minutes(5));
  EXPECT_EQ(c.cache.enc_cert, std::chrono::hours(12));
  EXPECT_EQ(c.cache.email_iccsn, std::chrono::hours(24 * 30));
  EXPECT_EQ(c.limits.max_recipients, 1000u);
  EXPECT_TRUE(c.konnektors.front().is_default) << "a single Konnektor is the default";
  EXPECT_EQ(c.pvs.listeners.front().tls, ListenerTls::implicit);
}

TEST(ConfLoad, EffectiveMarksDefaultsAndMasksSecrets) {
  const LoadResult r = load(kValid);
  ASSERT_TRUE(r.ok()) << all_errors(r);
  const auto find = [&](const std::string& key) {
    return std::find_if(r.effective.begin(), r.effective.end(), [&](const Setting& s) { return s.key == key; });
  };
  const auto pw = find("konnektor[0].basic_password");
  ASSERT_NE(pw, r.effective.end());
  EXPECT_EQ(pw->value, "\"<redacted>\"");
  for (const auto& s : r.effective) {
    EXPECT_EQ(s.value.find("geheim"), std::string::npos) << s.key;
  }
  const auto port = find("pvs.listener[0].port");
  ASSERT_NE(port, r.effective.end());
  EXPECT_FALSE(port->is_default);
  const auto smtp_server = find("timeouts.smtp_server");
  ASSERT_NE(smtp_server, r.effective.end());
  EXPECT_TRUE(smtp_server->is_default);
  EXPECT_EQ(smtp_server->value, "\"5m\"");
}

struct BrokenCase {
  const char* name;
  std::string text;
  const char* position;  // "line:col"
  const char* sentence;  // a part of the message
};

std::string with(const std::string& extra) {
  return std::string(kValid) + extra;
}

class ConfBroken : public ::testing::TestWithParam<BrokenCase> {};

TEST_P(ConfBroken, ReportsPositionAndSentence) {
  const BrokenCase& c = GetParam();
  const LoadResult r = load(c.text);
  ASSERT_FALSE(r.ok()) << c.name;
  ASSERT_FALSE(r.errors.empty());
  const std::string first = r.errors.front().str();
  EXPECT_EQ(first.rfind(std::string("test.toml:") + c.position + ": ", 0), 0u) << all_errors(r);
  EXPECT_NE(first.find(c.sentence), std::string::npos) << all_errors(r);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ConfBroken,
    ::testing::Values(
        BrokenCase{"unknown_key", with("\n[timeouts]\nsmtp_servr = \"5m\"\n"), "20:1",
                   "unknown key \"smtp_servr\" in [timeouts]"},
        BrokenCase{"wrong_type", with("\n[timeouts]\nsmtp_server = 300\n"), "20:15",
                   "timeouts.smtp_server must be a duration string"},
        BrokenCase{"out_of_range", with("\n[limits]\nmax_recipients = 0\n"), "20:18",
                   "limits.max_recipients is 0, outside the allowed range 1 to 100000"},
        BrokenCase{"no_default_konnektor",
                   with("\n[[konnektor]]\nid = \"K2\"\nkind = \"soap\"\nsds_url = \"https://127.0.0.2/connector.sds\"\n"
                        "tls_auth = \"server-only\"\nserver_pin_sha256 = "
                        "\"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\"\n"),
                   "10:1", "none of the 2 Konnektors is marked default = true"},
        BrokenCase{"unreadable_certificate",
                   with("\n[pvs]\ncertificate = \"/nonexistent/pvs.crt\"\nkey = \"/nonexistent/pvs.key\"\n"), "20:15",
                   "pvs.certificate: cannot read \"/nonexistent/pvs.crt\""},
        BrokenCase{"plaintext_not_loopback",
                   with("\n[pvs]\nplaintext_on_loopback = true\n[[pvs.listener]]\nprotocol = \"pop3\"\n"
                        "address = \"192.168.10.5\"\nport = 110\ntls = \"none\"\n"),
                   "25:7", "plaintext listener on 192.168.10.5, which is not a loopback address"},
        BrokenCase{"syntax_error", "[daemon\nstate_dir = 1\n", "1:8", "syntax error"},
        BrokenCase{"bad_duration", with("\n[timeouts]\nkonnektor = \"1 fortnight\"\n"), "20:13",
                   "which is not a duration"},
        BrokenCase{"bad_enum", with("\n[log]\nlevel = \"loud\"\n"), "20:9", "not one of \"trace\""},
        BrokenCase{"secret_twice", with("\n[pvs]\nkey_password = \"x\"\nkey_password_file = \"/etc/hostname\"\n"),
                   "20:16", "are both set"},
        BrokenCase{
            "plaintext_not_enabled",
            with("\n[[pvs.listener]]\nprotocol = \"pop3\"\naddress = \"127.0.0.1\"\nport = 110\ntls = \"none\"\n"),
            "23:7", "pvs.plaintext_on_loopback is not enabled"},
        BrokenCase{"duplicate_listener",
                   with("\n[[pvs.listener]]\nprotocol = \"pop3\"\naddress = \"127.0.0.1\"\nport = 10465\n"), "22:8",
                   "uses 127.0.0.1:10465 a second time"}),
    [](const ::testing::TestParamInfo<BrokenCase>& p) { return std::string(p.param.name); });

TEST(ConfLoad, MissingFileIsASentence) {
  const LoadResult r = load_file("/nonexistent/kimgate.toml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors.front().str().find("cannot read the configuration file"), std::string::npos);
}

TEST(ConfLoad, SecretFromFile) {
  const std::string path = ::testing::TempDir() + "/kimgate-secret";
  std::ofstream(path) << "s3cret\n";
  Secret s;
  s.file = path;
  EXPECT_EQ(read_secret(s), "s3cret");
  s.file = "/nonexistent/secret";
  EXPECT_FALSE(read_secret(s).has_value());
}

}  // namespace
}  // namespace kimgate::conf

namespace kimgate::conf {
namespace {

// A local Konnektor must know the TI's trust anchors, or say that it is a test setup.
TEST(ConfLoad, LocalKonnektorNeedsTrustAnchorsOrAnExplicitTestSetup) {
  const std::string local = std::string(kValid) +
                            "[[konnektor]]\nid = \"L\"\nkind = \"local\"\n"
                            "[[konnektor.card]]\nname = \"c\"\ntype = \"SMC-B\"\niccsn = \"80276001011699900001\"\n"
                            "p12_files = [\"/dev/null\"]\ncontexts = [\"*/*/*\"]\n";
  const LoadResult refused = load(local);
  EXPECT_FALSE(refused.ok());
  EXPECT_NE(all_errors(refused).find("without trust_anchors"), std::string::npos) << all_errors(refused);
  const std::string marked = std::string(kValid) +
                             "[[konnektor]]\nid = \"L\"\nkind = \"local\"\ntest_setup_without_trust = true\n"
                             "[[konnektor.card]]\nname = \"c\"\ntype = \"SMC-B\"\niccsn = \"80276001011699900001\"\n"
                             "p12_files = [\"/dev/null\"]\ncontexts = [\"*/*/*\"]\n";
  EXPECT_EQ(all_errors(load(marked)).find("without trust_anchors"), std::string::npos) << all_errors(load(marked));
}

TEST(ConfLoad, WebPageIsOffByDefaultAndLoopbackOnly) {
  const LoadResult plain = load(kValid);
  ASSERT_TRUE(plain.ok()) << all_errors(plain);
  EXPECT_FALSE(plain.config->web.enabled);
  EXPECT_EQ(plain.config->web.address, "127.0.0.1");
  EXPECT_EQ(plain.config->web.port, 8465);
  EXPECT_EQ(plain.config->web_password_file(), Path("/tmp/kimgate-test-state/web-admin.argon2"));
  const LoadResult on = load(std::string(kValid) +
                             "\n[web]\nenabled = true\naddress = \"::1\"\nport = 9000\nsession_idle = \"5m\"\n"
                             "admin_password_hash_file = \"/etc/kimgate/admin.argon2\"\n");
  ASSERT_TRUE(on.ok()) << all_errors(on);
  EXPECT_TRUE(on.config->web.enabled);
  EXPECT_EQ(on.config->web.session_idle, std::chrono::minutes(5));
  EXPECT_EQ(on.config->web_password_file(), Path("/etc/kimgate/admin.argon2"));
  const LoadResult lan = load(std::string(kValid) + "\n[web]\nenabled = true\naddress = \"192.168.1.2\"\n");
  EXPECT_FALSE(lan.ok());
  EXPECT_NE(all_errors(lan).find("test.toml:21:11: web.address is 192.168.1.2, which is not a loopback address"),
            std::string::npos)
      << all_errors(lan);
}

TEST(ConfLoad, ReceiveFiltersNameAMailboxAndWellFormedApplicationPatterns) {
  const LoadResult ok = load(std::string(kValid) +
                             "\n[[receive_filter]]\nmailbox = \"praxis@kim.example\"\nworkplace = \"AP-1\"\n"
                             "applications = [\"eAU\", \"eDokumentation-*\", \"1ClickAbrechnung;Rueckmeldung;V2.0\"]\n"
                             "\n[[receive_filter]]\nmailbox = \"praxis@kim.example\"\nunclaimed = true\n");
  ASSERT_TRUE(ok.ok()) << all_errors(ok);
  ASSERT_EQ(ok.config->receive_filters.size(), 2u);
  EXPECT_EQ(ok.config->receive_filters[0].workplace, "AP-1");
  EXPECT_EQ(ok.config->receive_filters[0].applications.size(), 3u);
  EXPECT_TRUE(ok.config->receive_filters[1].unclaimed);
  const LoadResult bad = load(std::string(kValid) +
                              "\n[[receive_filter]]\nmailbox = \"praxis\"\n"
                              "applications = [\"eAU;\", \"e*AU\", \"a;b;c;d\", \"e AU\"]\n"
                              "\n[[receive_filter]]\nmailbox = \"praxis@kim.example\"\n");
  EXPECT_FALSE(bad.ok());
  const std::string errors = all_errors(bad);
  for (const char* expected :
       {"receive_filter[0].mailbox is \"praxis\", which is not a KIM address", "\"eAU;\" has an empty part",
        "\"e*AU\" has '*' elsewhere than at the very end", "\"a;b;c;d\" has more than the three parts",
        "\"e AU\" contains a space", "receive_filter[1] shows nothing"}) {
    EXPECT_NE(errors.find(expected), std::string::npos) << expected << "\n" << errors;
  }
}

TEST(ConfLoad, MetricsAreOffByDefaultAndLoopbackOnly) {
  const LoadResult plain = load(kValid);
  ASSERT_TRUE(plain.ok()) << all_errors(plain);
  EXPECT_FALSE(plain.config->metrics.enabled());
  EXPECT_FALSE(plain.config->pvs.listeners.front().proxy_protocol);
  const LoadResult v4 = load(std::string(kValid) + "\n[metrics]\nport = 9469\n");
  ASSERT_TRUE(v4.ok()) << all_errors(v4);
  EXPECT_TRUE(v4.config->metrics.enabled());
  EXPECT_EQ(v4.config->metrics.address, "127.0.0.1");  // the default, as for [web]
  EXPECT_EQ(v4.config->metrics.port, 9469);
  const LoadResult v6 = load(std::string(kValid) + "\n[metrics]\naddress = \"::1\"\nport = 9000\n");
  ASSERT_TRUE(v6.ok()) << all_errors(v6);
  EXPECT_EQ(v6.config->metrics.address, "::1");
  const LoadResult no_port = load(std::string(kValid) + "\n[metrics]\naddress = \"127.0.0.1\"\n");
  ASSERT_TRUE(no_port.ok()) << all_errors(no_port);
  EXPECT_FALSE(no_port.config->metrics.enabled()) << "nothing listens until the admin picks a port";
  // The same sentences as [web]'s address and port.
  const std::pair<const char*, const char*> bad[] = {
      {"port = 0", "metrics.port is 0, outside the allowed range 1 to 65535"},
      {"port = 70000", "metrics.port is 70000, outside the allowed range 1 to 65535"},
      {"port = \"9469\"", "metrics.port must be an integer, not a string"},
      {"address = \"localhost\"\nport = 9469",
       "metrics.address is \"localhost\", which is not an IPv4 or IPv6 address"},
      {"address = \"0.0.0.0\"\nport = 9469", "metrics.address is 0.0.0.0, which is not a loopback address"},
  };
  for (const auto& [text, expected] : bad) {
    const LoadResult r = load(std::string(kValid) + "\n[metrics]\n" + text + "\n");
    EXPECT_NE(all_errors(r).find(expected), std::string::npos) << text << ": " << all_errors(r);
  }
  const LoadResult web = load(std::string(kValid) + "\n[web]\naddress = \"0.0.0.0\"\n");
  EXPECT_NE(all_errors(web).find("web.address is 0.0.0.0, which is not a loopback address"), std::string::npos)
      << all_errors(web);
}

TEST(ConfLoad, MetricsListenIsRefusedWithTheKeysThatReplacedIt) {
  const LoadResult r = load(std::string(kValid) + "\n[metrics]\nlisten = \"127.0.0.1:9469\"\n");
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.errors.size(), 1U) << all_errors(r);
  EXPECT_NE(r.errors[0].message.find("metrics.listen is no longer read; write metrics.address and metrics.port"),
            std::string::npos)
      << all_errors(r);
  EXPECT_EQ(r.errors[0].message.find("unknown key"), std::string::npos);
  const LoadResult other = load(std::string(kValid) + "\n[metrics]\nlisten = \"x\"\nbogus = 1\n");
  EXPECT_NE(all_errors(other).find("known keys: address, port\n"), std::string::npos)
      << "a retired key is not offered as a known one: " << all_errors(other);
}

TEST(ConfLoad, ProxyProtocolPerListener) {
  std::string text(kValid);
  text.replace(text.find("port = 10465"), 12, "port = 10465\nproxy_protocol = true");
  const LoadResult r = load(text);
  ASSERT_TRUE(r.ok()) << all_errors(r);
  EXPECT_TRUE(r.config->pvs.listeners.front().proxy_protocol);
}

}  // namespace
}  // namespace kimgate::conf

namespace kimgate::conf {
namespace {

// [tracking] (issue 18): defaults, a float or integer scale within its bounds, the database path.
TEST(ConfLoadTracking, DefaultsScaleAndDatabase) {
  const LoadResult d = load_string(kValid, "test.toml", "/tmp");
  ASSERT_TRUE(d.ok()) << all_errors(d);
  EXPECT_TRUE(d.config->tracking.enabled);
  EXPECT_EQ(d.config->tracking.deadline_scale, 1.0);
  EXPECT_EQ(d.config->tracking_database(), Path("/tmp/kimgate-test-state/track.sqlite"));
  const LoadResult r =
      load_string(std::string(kValid) + "\n[tracking]\ndeadline_scale = 0.001\nnotices = false\n", "test.toml", "/tmp");
  ASSERT_TRUE(r.ok()) << all_errors(r);
  EXPECT_DOUBLE_EQ(r.config->tracking.deadline_scale, 0.001);
  EXPECT_FALSE(r.config->tracking.notices);
  const LoadResult whole = load_string(std::string(kValid) + "\n[tracking]\ndeadline_scale = 2\n", "test.toml", "/tmp");
  ASSERT_TRUE(whole.ok()) << all_errors(whole);
  EXPECT_DOUBLE_EQ(whole.config->tracking.deadline_scale, 2.0);
  const LoadResult bad = load_string(std::string(kValid) + "\n[tracking]\ndeadline_scale = 0.0\n", "test.toml", "/tmp");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(all_errors(bad).find("tracking.deadline_scale is 0, outside the allowed range"), std::string::npos)
      << all_errors(bad);
  const LoadResult text =
      load_string(std::string(kValid) + "\n[tracking]\ndeadline_scale = \"x\"\n", "test.toml", "/tmp");
  EXPECT_FALSE(text.ok());
}

}  // namespace
}  // namespace kimgate::conf
