// The SMTP server session's CONNECT state (Tab_SMTP_Ant_Init), run for real on 127.0.0.1.
#include <gtest/gtest.h>

#include "session_harness.h"
#include "smtp/server_session.h"

namespace kimgate::smtp {
namespace {

using kimgate::testing::Client;
using net::awaitable;

ServerSettings plain_settings() {
  ServerSettings s;
  s.hostname = "kimgate.test";
  s.implicit_tls = false;
  return s;
}

void run(const ServerSettings& settings, const kimgate::testing::ScriptFn& script, net::StopRegistry* reg = nullptr) {
  kimgate::testing::run_server_session<ServerSession>(settings, script, reg);
}

TEST(SmtpSession, ConnectStateTable) {
  std::vector<std::string> got;
  const auto script = [&](Client& c) -> awaitable<void> {
    got.push_back(co_await c.smtp_reply());
    for (const char* cmd :
         {"EHLO pvs.local", "HELO pvs.local", "MAIL FROM:<a@b>", "RCPT TO:<c@d>", "DATA", "RSET", "NOOP",
          "AUTH CRAM-MD5", "AUTH PLAIN", "*", "AUTH PLAIN AHVzZXIAcGFzcw==", "VRFY x", "FOO", "HELO", "QUIT"}) {
      const std::string line = std::string(cmd) + "\r\n";
      co_await c.send(line);
      got.push_back(co_await c.smtp_reply());
    }
    co_await c.line();
    EXPECT_TRUE(c.closed());
  };
  run(plain_settings(), script);
  ASSERT_EQ(got.size(), 16u);
  EXPECT_EQ(got[0], "220 kimgate.test ESMTP kimgate KOM-LE-Clientmodul");
  EXPECT_EQ(got[1],
            "250-kimgate.test\n250-SIZE 734003200\n250-AUTH LOGIN PLAIN\n250-8BITMIME\n"
            "250-ENHANCEDSTATUSCODES\n250 DSN");
  EXPECT_EQ(got[2], "250 kimgate.test");
  EXPECT_EQ(got[3].substr(0, 10), "530 5.7.0 ");
  EXPECT_EQ(got[4].substr(0, 10), "530 5.7.0 ");
  EXPECT_EQ(got[5].substr(0, 10), "530 5.7.0 ");
  EXPECT_EQ(got[6], "250 2.0.0 OK");
  EXPECT_EQ(got[7], "250 2.0.0 OK");
  EXPECT_EQ(got[8].substr(0, 10), "504 5.7.4 ");
  EXPECT_EQ(got[9], "334 ");                       // RFC 4954: the response follows on its own line
  EXPECT_EQ(got[10].substr(0, 10), "501 5.7.0 ");  // "*" cancels
  EXPECT_EQ(got[11].substr(0, 10), "454 4.7.0 ");  // no [fachdienst] settings: the provider is unreachable
  EXPECT_EQ(got[12].substr(0, 10), "502 5.5.1 ");
  EXPECT_EQ(got[13].substr(0, 10), "502 5.5.1 ");
  EXPECT_EQ(got[14].substr(0, 10), "501 5.5.4 ");
  EXPECT_EQ(got[15], "221 2.0.0 Bye");
}

TEST(SmtpSession, LongLinesAndErrorCap) {
  ServerSettings s = plain_settings();
  s.error_cap = 3;
  std::vector<std::string> got;
  const auto script = [&](Client& c) -> awaitable<void> {
    co_await c.smtp_reply();
    const std::string long_line = "NOOP " + std::string(600, 'x') + "\r\n";
    co_await c.send(long_line);
    got.push_back(co_await c.smtp_reply());
    const std::string huge_line = "NOOP " + std::string(20000, 'y') + "\r\nNOOP\r\n";
    co_await c.send(huge_line);
    got.push_back(co_await c.smtp_reply());
    got.push_back(co_await c.smtp_reply());
    co_await c.send("FOO\r\n");
    got.push_back(co_await c.smtp_reply());
    got.push_back(co_await c.smtp_reply());
    co_await c.line();
    EXPECT_TRUE(c.closed());
  };
  run(s, script);
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[0], "500 5.5.2 Line too long");
  EXPECT_EQ(got[1], "500 5.5.2 Line too long");
  EXPECT_EQ(got[2], "250 2.0.0 OK") << "the session recovers after an overlong line";
  EXPECT_EQ(got[3].substr(0, 10), "502 5.5.1 ");
  EXPECT_EQ(got[4].substr(0, 10), "421 4.7.0 ");
}

TEST(SmtpSession, StarttlsDropsPipelinedPlaintextAndHidesAuthBeforeTls) {
  ServerSettings s = plain_settings();
  s.starttls_offered = true;
  std::vector<std::string> got;
  const auto script = [&](Client& c) -> awaitable<void> {
    co_await c.smtp_reply();
    co_await c.send("EHLO pvs\r\n");
    got.push_back(co_await c.smtp_reply());
    co_await c.send("AUTH PLAIN\r\n");
    got.push_back(co_await c.smtp_reply());
    co_await c.send("STARTTLS\r\nNOOP injected\r\n");
    got.push_back(co_await c.smtp_reply());
    co_await c.start_tls();
    co_await c.send("EHLO pvs\r\n");
    got.push_back(co_await c.smtp_reply());
    co_await c.send("STARTTLS\r\n");
    got.push_back(co_await c.smtp_reply());
    co_await c.send("QUIT\r\n");
    got.push_back(co_await c.smtp_reply());
  };
  run(s, script);
  ASSERT_EQ(got.size(), 6u);
  EXPECT_NE(got[0].find("250 STARTTLS"), std::string::npos);
  EXPECT_EQ(got[0].find("AUTH"), std::string::npos);
  EXPECT_EQ(got[1].substr(0, 10), "530 5.7.0 ");
  EXPECT_EQ(got[2], "220 2.0.0 Ready to start TLS");
  EXPECT_NE(got[3].find("250-AUTH LOGIN PLAIN"), std::string::npos) << "the injected NOOP must not be answered";
  EXPECT_EQ(got[3].find("STARTTLS"), std::string::npos);
  EXPECT_EQ(got[4].substr(0, 10), "503 5.5.1 ");
  EXPECT_EQ(got[5], "221 2.0.0 Bye");
}

TEST(SmtpSession, ImplicitTlsGreetsAfterHandshake) {
  ServerSettings s = plain_settings();
  s.implicit_tls = true;
  std::string greeting;
  std::string bye;
  const auto script = [&](Client& c) -> awaitable<void> {
    co_await c.start_tls();
    greeting = co_await c.smtp_reply();
    co_await c.send("QUIT\r\n");
    bye = co_await c.smtp_reply();
  };
  run(s, script);
  EXPECT_EQ(greeting.substr(0, 4), "220 ");
  EXPECT_NE(greeting.find("ESMTP"), std::string::npos);
  EXPECT_EQ(bye, "221 2.0.0 Bye");
}

TEST(SmtpSession, IdleTimeoutSays421) {
  ServerSettings s = plain_settings();
  s.client_timeout = std::chrono::milliseconds(50);
  std::string reply;
  const auto script = [&](Client& c) -> awaitable<void> {
    co_await c.smtp_reply();
    reply = co_await c.smtp_reply();  // nothing sent: the server's deadline fires
    co_await c.line();
    EXPECT_TRUE(c.closed());
  };
  run(s, script);
  EXPECT_EQ(reply.substr(0, 10), "421 4.4.2 ");
}

TEST(SmtpSession, StopRequestClosesIdleSessionWith421) {
  net::StopRegistry registry;
  std::string reply;
  const auto script = [&](Client& c) -> awaitable<void> {
    co_await c.smtp_reply();
    co_await c.send("NOOP\r\n");
    co_await c.smtp_reply();
    registry.request_stop_all();  // as SIGTERM does
    reply = co_await c.smtp_reply();
  };
  run(plain_settings(), script, &registry);
  EXPECT_EQ(reply.substr(0, 10), "421 4.3.2 ");
}

}  // namespace
}  // namespace kimgate::smtp
