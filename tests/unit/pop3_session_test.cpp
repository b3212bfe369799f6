// The POP3 server session's CONNECT state (Tab_POP3_Ant_Init), run for real on 127.0.0.1.
#include <gtest/gtest.h>

#include "pop3/server_session.h"
#include "session_harness.h"

namespace kimgate::pop3 {
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

// Reads a multi-line response up to the terminating "." line.
awaitable<std::vector<std::string>> multiline(Client& c) {
  std::vector<std::string> lines;
  for (;;) {
    std::string l = co_await c.line();
    if (l == "." || c.closed()) {
      co_return lines;
    }
    lines.push_back(l);
  }
}

TEST(Pop3Session, ConnectStateTable) {
  std::vector<std::string> got;
  std::vector<std::string> capa;
  const auto script = [&](Client& c) -> awaitable<void> {
    got.push_back(co_await c.line());
    co_await c.send("CAPA\r\n");
    capa = co_await multiline(c);
    for (const char* cmd : {"STAT", "LIST", "RETR 1", "PASS x", "USER a b", "USER praxis@fd-a#h:1#M#C#W", "PASS geheim",
                            "AUTH CRAM-MD5", "AUTH PLAIN", "APOP x y", "QUIT"}) {
      const std::string line = std::string(cmd) + "\r\n";
      co_await c.send(line);
      got.push_back(co_await c.line());
    }
  };
  run(plain_settings(), script);
  ASSERT_EQ(got.size(), 12u);
  EXPECT_EQ(got[0], "+OK kimgate.test kimgate KOM-LE Clientmodul POP3 ready");
  EXPECT_EQ(capa, (std::vector<std::string>{"+OK Capability list follows", "TOP", "USER", "SASL PLAIN", "UIDL",
                                            "RESP-CODES", "IMPLEMENTATION kimgate"}));
  EXPECT_EQ(got[1].substr(0, 4), "-ERR");  // STAT before login
  EXPECT_EQ(got[2].substr(0, 4), "-ERR");
  EXPECT_EQ(got[3].substr(0, 4), "-ERR");
  EXPECT_EQ(got[4], "-ERR Send USER first");
  EXPECT_EQ(got[5].substr(0, 4), "-ERR");
  EXPECT_EQ(got[6], "+OK Send PASS");
  EXPECT_EQ(got[7].substr(0, 15), "-ERR [SYS/PERM]") << "no upstream configured for this session";
  EXPECT_EQ(got[8].substr(0, 4), "-ERR");
  EXPECT_EQ(got[9], "+ ") << "RFC 5034: the PLAIN response follows on its own line";
  EXPECT_EQ(got[10], "-ERR the PLAIN response is not valid base64") << "\"APOP x y\" was taken as that response";
  EXPECT_EQ(got[11], "+OK kimgate signing off");
}

TEST(Pop3Session, StlsDropsPipelinedPlaintext) {
  ServerSettings s = plain_settings();
  s.stls_offered = true;
  std::vector<std::string> got;
  std::vector<std::string> capa_before;
  std::vector<std::string> capa_after;
  const auto script = [&](Client& c) -> awaitable<void> {
    co_await c.line();
    co_await c.send("CAPA\r\n");
    capa_before = co_await multiline(c);
    co_await c.send("USER x\r\n");
    got.push_back(co_await c.line());
    co_await c.send("STLS\r\nQUIT\r\n");
    got.push_back(co_await c.line());
    co_await c.start_tls();
    co_await c.send("CAPA\r\n");
    capa_after = co_await multiline(c);
    co_await c.send("QUIT\r\n");
    got.push_back(co_await c.line());
  };
  run(s, script);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_NE(std::find(capa_before.begin(), capa_before.end(), "STLS"), capa_before.end());
  EXPECT_EQ(got[0], "-ERR Must issue the STLS command first");
  EXPECT_EQ(got[1], "+OK Begin TLS negotiation");
  EXPECT_EQ(std::find(capa_after.begin(), capa_after.end(), "STLS"), capa_after.end())
      << "the pipelined plaintext QUIT must not have been executed";
  EXPECT_EQ(got[2], "+OK kimgate signing off");
}

TEST(Pop3Session, LongLinesErrorCapTimeoutAndStop) {
  ServerSettings s = plain_settings();
  s.error_cap = 2;
  std::vector<std::string> got;
  const auto script = [&](Client& c) -> awaitable<void> {
    co_await c.line();
    const std::string long_user = "USER " + std::string(600, 'u') + "\r\n";
    co_await c.send(long_user);
    got.push_back(co_await c.line());
    co_await c.send("XTND\r\n");
    got.push_back(co_await c.line());
    got.push_back(co_await c.line());
  };
  run(s, script);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], "-ERR Line too long");
  EXPECT_EQ(got[1], "-ERR Invalid command in this state");
  EXPECT_EQ(got[2], "-ERR Too many errors, closing the connection");

  ServerSettings quick = plain_settings();
  quick.client_timeout = std::chrono::milliseconds(50);
  std::string timeout_line;
  const auto idle = [&](Client& c) -> awaitable<void> {
    co_await c.line();
    timeout_line = co_await c.line();
  };
  run(quick, idle);
  EXPECT_EQ(timeout_line, "-ERR Idle timeout, closing the connection");

  net::StopRegistry registry;
  std::string stop_line;
  const auto stopped = [&](Client& c) -> awaitable<void> {
    co_await c.line();
    registry.request_stop_all();
    stop_line = co_await c.line();
  };
  run(plain_settings(), stopped, &registry);
  EXPECT_EQ(stop_line.substr(0, 15), "-ERR [SYS/TEMP]");
}

}  // namespace
}  // namespace kimgate::pop3
