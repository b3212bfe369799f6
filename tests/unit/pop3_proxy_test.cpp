// The POP3 client towards the provider (pop3::Client) and the PROXY state of the server
// session, run for real on 127.0.0.1: a scripted provider (TLS with the test certificate,
// a table of expected lines and answers) on one side, a scripted PVS on the other.
#include <gtest/gtest.h>

#include "net/tls.h"
#include "pop3/client.h"
#include "pop3/server_session.h"
#include "session_harness.h"

namespace kimgate::pop3 {
namespace {

namespace asio = net::asio;
using PvsClient = kimgate::testing::Client;
using net::awaitable;
using net::tcp;

constexpr auto kDeadline = std::chrono::seconds(5);

// Trusts the test server certificate (self-signed, SAN 127.0.0.1); no client certificate.
std::shared_ptr<asio::ssl::context> test_client_tls() {
  static std::shared_ptr<asio::ssl::context> ctx = [] {
    kimgate::testing::test_server_tls();  // makes the certificate
    const auto dir = std::filesystem::path(::testing::TempDir()) / "kimgate-session-tls";
    const net::SelfSigned self = net::ensure_self_signed(dir, "kimgate.test");
    net::ClientTls tls = net::make_client_tls(net::ClientTlsOptions{{}, self.certificate});
    EXPECT_TRUE(tls.context) << tls.error;
    return tls.context;
  }();
  return ctx;
}

// One line the provider expects and what it answers (CRLF included; empty: it hangs up).
struct Step {
  std::string expect;
  std::string answer;
};
struct ProviderScript {
  std::string greeting = "+OK Dovecot ready.\r\n";
  std::vector<Step> steps;
};

// The scripted provider: accepts one connection, TLS, greeting, then the steps; records every
// line it received (also those after the script, until the client hangs up).
class Provider {
 public:
  Provider(asio::io_context& io, ProviderScript script)
      : acceptor_(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)), script_(std::move(script)) {}
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  const std::vector<std::string>& received() const { return received_; }

  void start() {
    const auto rethrow = [](std::exception_ptr e) {
      if (e) {
        std::rethrow_exception(e);
      }
    };
    asio::co_spawn(acceptor_.get_executor(), serve(), rethrow);
  }

 private:
  awaitable<void> serve() {
    tcp::socket socket = co_await acceptor_.async_accept(asio::use_awaitable);
    net::Connection conn(std::move(socket), kimgate::testing::test_server_tls(), 12288);
    const auto handshake = co_await conn.start_tls(kDeadline);
    if (handshake) {
      co_return;
    }
    const auto greeted = co_await conn.write(script_.greeting, kDeadline);
    if (greeted) {
      co_return;
    }
    for (const Step& step : script_.steps) {
      const net::ReadResult r = co_await conn.read_line(kDeadline);
      if (r.ec) {
        co_return;
      }
      received_.push_back(r.line.text);
      EXPECT_EQ(r.line.text, step.expect);
      if (step.answer.empty()) {
        conn.close();
        co_return;
      }
      const auto written = co_await conn.write(step.answer, kDeadline);
      if (written) {
        co_return;
      }
    }
    for (;;) {
      const net::ReadResult r = co_await conn.read_line(kDeadline);
      if (r.ec) {
        co_return;
      }
      received_.push_back(r.line.text);
    }
  }

  tcp::acceptor acceptor_;
  ProviderScript script_;
  std::vector<std::string> received_;
};

ClientSettings client_settings() {
  ClientSettings s;
  s.tls = test_client_tls();
  s.connect_timeout = kDeadline;
  s.tls_handshake = kDeadline;
  s.server_timeout = kDeadline;
  return s;
}

// Runs `calls` against a provider following `script`, both on one io_context.
void run_client(const ProviderScript& script, const std::function<awaitable<void>(Provider&)>& calls,
                std::vector<std::string>* received = nullptr) {
  asio::io_context io;
  Provider provider(io, script);
  provider.start();
  const auto rethrow = [](std::exception_ptr e) {
    if (e) {
      std::rethrow_exception(e);
    }
  };
  const auto client_side = [&]() -> awaitable<void> { co_await calls(provider); };
  asio::co_spawn(io, client_side(), rethrow);
  io.run();
  if (received != nullptr) {
    *received = provider.received();
  }
}

TEST(Pop3Client, LoginCommandsMultilineAndQuit) {
  ProviderScript script;
  script.steps = {
      {"USER praxis.b@fd-b.test", "+OK\r\n"},
      {"PASS geheim", "+OK Logged in.\r\n"},
      {"STAT", "+OK 2 320\r\n"},
      {"LIST", "+OK 2 messages:\r\n1 120\r\n2 200\r\n.\r\n"},
      {"RETR 1", "+OK 120 octets\r\nSubject: x\r\n\r\n..dot\r\nline\r\n.\r\n"},
      {"RETR 9", "-ERR There's no message 9.\r\n"},
      {"QUIT", "+OK Logging out, messages deleted.\r\n"},
  };
  Client::LoginResult login{};
  std::string detail;
  std::vector<UpstreamReply> replies;
  std::vector<MultilineReply> bodies;
  const auto calls = [&](Provider& p) -> awaitable<void> {
    const ClientSettings settings = client_settings();
    pop3::Client client(settings);
    const std::string host = "127.0.0.1";
    const std::string mailbox = "praxis.b@fd-b.test";
    const std::string password = "geheim";
    login = co_await client.login(host, p.port(), mailbox, password, detail);
    const std::string stat = "STAT";
    const UpstreamReply r1 = co_await client.command(stat);
    replies.push_back(r1);
    const std::string list = "LIST";
    const MultilineReply m1 = co_await client.command_multiline(list, 1000);
    bodies.push_back(m1);
    const std::string retr = "RETR 1";
    const MultilineReply m2 = co_await client.command_multiline(retr, 1000);
    bodies.push_back(m2);
    const std::string missing = "RETR 9";
    const MultilineReply m3 = co_await client.command_multiline(missing, 1000);
    bodies.push_back(m3);
    const UpstreamReply bye = co_await client.quit();
    replies.push_back(bye);
    EXPECT_FALSE(client.connected());
  };
  run_client(script, calls);
  EXPECT_EQ(login, Client::LoginResult::ok) << detail;
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_TRUE(replies[0].ok());
  EXPECT_EQ(replies[0].line, "+OK 2 320");
  EXPECT_EQ(replies[1].line, "+OK Logging out, messages deleted.");
  ASSERT_EQ(bodies.size(), 3u);
  EXPECT_TRUE(bodies[0].complete);
  EXPECT_EQ(bodies[0].status.line, "+OK 2 messages:");
  EXPECT_EQ(bodies[0].raw, "1 120\r\n2 200\r\n.\r\n");
  EXPECT_EQ(bodies[1].body, "Subject: x\r\n\r\n.dot\r\nline\r\n") << "unstuffed, without the terminator";
  EXPECT_EQ(bodies[2].status.status, UpstreamReply::Status::err);
  EXPECT_FALSE(bodies[2].complete);
  EXPECT_EQ(bodies[2].status.line, "-ERR There's no message 9.");
}

TEST(Pop3Client, LoginOutcomesAreTyped) {
  const auto login_with = [](const ProviderScript& script, bool reachable) {
    Client::LoginResult result{};
    std::string detail;
    const auto calls = [&](Provider& p) -> awaitable<void> {
      const ClientSettings settings = client_settings();
      pop3::Client client(settings);
      const std::string host = "127.0.0.1";
      const std::string mailbox = "praxis.b@fd-b.test";
      const std::string password = "falsch";
      std::uint16_t port = p.port();
      if (!reachable) {
        // A port nobody listens on: bind one, remember it, let it go.
        const auto ex = co_await asio::this_coro::executor;
        tcp::acceptor probe(ex, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        port = probe.local_endpoint().port();
        probe.close();
        // Let the scripted provider's accept end too.
        tcp::socket wake(ex);
        boost::system::error_code ec;
        wake.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), p.port()), ec);
      }
      result = co_await client.login(host, port, mailbox, password, detail);
      EXPECT_FALSE(detail.find("falsch") != std::string::npos) << "no password in the detail";
    };
    run_client(script, calls);
    return result;
  };
  ProviderScript refused;
  refused.steps = {{"USER praxis.b@fd-b.test", "+OK\r\n"}, {"PASS falsch", "-ERR [AUTH] Authentication failed.\r\n"}};
  EXPECT_EQ(login_with(refused, true), Client::LoginResult::refused);
  ProviderScript hangs_up;
  hangs_up.steps = {{"USER praxis.b@fd-b.test", ""}};
  EXPECT_EQ(login_with(hangs_up, true), Client::LoginResult::lost);
  ProviderScript unfriendly;
  unfriendly.greeting = "-ERR go away\r\n";
  EXPECT_EQ(login_with(unfriendly, true), Client::LoginResult::refused);
  EXPECT_EQ(login_with(ProviderScript{}, false), Client::LoginResult::unreachable);
}

// ---- the server session's PROXY state through the client ----

// A message delivered in pieces; `fail_after` pieces, then an abort (0: never).
class PieceStream final : public MessageStream {
 public:
  PieceStream(std::vector<std::string> pieces, std::size_t fail_after)
      : pieces_(std::move(pieces)), fail_after_(fail_after) {}
  std::uint64_t size() const override {
    std::uint64_t n = 0;
    for (const auto& p : pieces_) {
      n += p.size();
    }
    return n;
  }
  awaitable<bool> next(std::string& piece) override {
    if (fail_after_ != 0 && at_ == fail_after_) {
      co_return false;
    }
    if (at_ < pieces_.size()) {
      piece = pieces_[at_++];
    }
    co_return true;
  }

 private:
  std::vector<std::string> pieces_;
  std::size_t fail_after_;
  std::size_t at_ = 0;
};

class FixedMailbox final : public MailboxHooks {
 public:
  explicit FixedMailbox(bool filter = false) : filter_(filter) {}
  // Filtered: eAU messages by their headers; "uid-known" was judged visible before.
  bool filtered() const override { return filter_; }
  std::optional<bool> known_visibility(const std::string& uid) override {
    return uid == "uid-known" ? std::optional<bool>(true) : std::nullopt;
  }
  bool visible(const std::string& /*uid*/, std::string_view headers) override {
    return headers.find("X-KIM-Dienstkennung: eAU;") != std::string_view::npos;
  }
  awaitable<RetrDecision> on_retrieved(const std::string& message) override {
    RetrDecision d;
    if (message.find("stream me") != std::string::npos || message.find("break me") != std::string::npos) {
      d.deliver = true;
      const std::size_t fail_after = message.find("break me") != std::string::npos ? 2 : 0;
      d.stream = std::make_unique<PieceStream>(
          std::vector<std::string>{"Subject: s\r\n\r\nfirst li", "ne\r\n", ".dot\r\n", "last\r\n"}, fail_after);
      co_return d;
    }
    d.deliver = message.find("refuse me") == std::string::npos;
    d.message = "X-Processed: yes\r\n" + message;
    d.refusal = "-ERR [SYS/TEMP] not today";
    co_return d;
  }

 private:
  bool filter_;
};

class FixedHooks final : public ProxyHooks {
 public:
  std::uint16_t port = 0;
  net::PeerCheck check;  // the provider's certificate (KOM-LE-A_2075-01); empty: none
  bool filter = false;   // the mailbox hooks filter (receive filtering)
  awaitable<std::variant<LoginPlan, std::string>> resolve_user(const std::string& user) override {
    using R = std::variant<LoginPlan, std::string>;
    if (user.find('#') == std::string::npos) {
      co_return R{std::string("the user name is not a KIM user name")};
    }
    LoginPlan plan;
    plan.target = LoginTarget{"127.0.0.1", port, "praxis.b@fd-b.test", check, nullptr};
    plan.mailbox = std::make_unique<FixedMailbox>(filter);
    co_return R{std::move(plan)};
  }
};

// A PVS script against a session whose provider follows `script`.
std::vector<std::string> run_proxy(const ProviderScript& script, const kimgate::testing::ScriptFn& pvs,
                                   net::PeerCheck check = {}, bool filter = false) {
  asio::io_context io;
  Provider provider(io, script);
  provider.start();
  FixedHooks hooks;
  hooks.port = provider.port();
  hooks.check = std::move(check);
  hooks.filter = filter;
  ServerSettings settings;
  settings.hostname = "kimgate.test";
  settings.implicit_tls = false;
  settings.upstream = client_settings();
  settings.hooks = &hooks;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto pvs_port = acceptor.local_endpoint().port();
  net::StopRegistry registry;
  const auto server_side = [&]() -> awaitable<void> {
    tcp::socket s = co_await acceptor.async_accept(asio::use_awaitable);
    net::Connection conn(std::move(s), kimgate::testing::test_server_tls(), 12288);
    ServerSession session(conn, settings, registry);
    co_await session.run();
  };
  PvsClient pvs_client(io);
  const auto client_side = [&]() -> awaitable<void> {
    co_await pvs_client.socket().async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), pvs_port),
                                               asio::use_awaitable);
    co_await pvs(pvs_client);
    boost::system::error_code ec;
    pvs_client.socket().close(ec);
  };
  const auto rethrow = [](std::exception_ptr e) {
    if (e) {
      std::rethrow_exception(e);
    }
  };
  asio::co_spawn(io, server_side(), rethrow);
  asio::co_spawn(io, client_side(), rethrow);
  io.run();
  EXPECT_EQ(registry.size(), 0u);
  return provider.received();
}

// Sends `line` and collects the answer: one line, or through "." for a multi-line +OK.
awaitable<std::vector<std::string>> ask(PvsClient& c, const std::string& line, bool multiline) {
  const std::string wire = line + "\r\n";
  co_await c.send(wire);
  std::vector<std::string> got;
  got.push_back(co_await c.line());
  if (multiline && got.front().rfind("+OK", 0) == 0) {
    for (;;) {
      std::string l = co_await c.line();
      if (l == "." || c.closed()) {
        break;
      }
      got.push_back(l);
    }
  }
  co_return got;
}

TEST(Pop3Proxy, RelaysRewritesTopAndRetrievesThroughTheMailboxHooks) {
  ProviderScript script;
  script.steps = {
      {"USER praxis.b@fd-b.test", "+OK\r\n"},
      {"PASS geheim", "+OK Logged in.\r\n"},
      {"STAT", "+OK 2 320\r\n"},
      {"UIDL", "+OK\r\n1 uid-a\r\n2 uid-b\r\n.\r\n"},
      {"TOP 1 0",
       "+OK\r\nSubject: KOM-LE-Nachricht\r\nMIME-Version: 1.0\r\n (folded)\r\nX-KOM-LE-Version: 1.5\r\n\r\n.\r\n"},
      {"RETR 1", "+OK 30 octets\r\nSubject: a\r\n\r\n..hidden dot\r\n.\r\n"},
      {"RETR 2", "+OK 30 octets\r\nSubject: b\r\n\r\nrefuse me\r\n.\r\n"},
      {"RETR 3", "-ERR There's no message 3.\r\n"},
      {"DELE 1", "+OK Marked to be deleted.\r\n"},
      {"QUIT", "+OK Logging out, messages deleted.\r\n"},
  };
  std::vector<std::vector<std::string>> got;
  const auto pvs = [&](PvsClient& c) -> awaitable<void> {
    co_await c.line();
    const std::vector<std::pair<std::string, bool>> dialogue = {{"USER praxis.b@fd-b.test#127.0.0.1:995#M#C#W", false},
                                                                {"PASS geheim", false},
                                                                {"STAT", false},
                                                                {"UIDL", true},
                                                                {"TOP 1 25", true},
                                                                {"RETR 1", true},
                                                                {"RETR 2", false},
                                                                {"RETR 3", true},
                                                                {"DELE 1", false},
                                                                {"QUIT", false}};
    for (const auto& [line, multiline] : dialogue) {
      got.push_back(co_await ask(c, line, multiline));
    }
  };
  const std::vector<std::string> upstream = run_proxy(script, pvs);
  EXPECT_EQ(upstream, (std::vector<std::string>{"USER praxis.b@fd-b.test", "PASS geheim", "STAT", "UIDL", "TOP 1 0",
                                                "RETR 1", "RETR 2", "RETR 3", "DELE 1", "QUIT"}));
  ASSERT_EQ(got.size(), 10u);
  EXPECT_EQ(got[0].front(), "+OK Send PASS");
  EXPECT_EQ(got[1].front(), "+OK logged in at the KIM provider");
  EXPECT_EQ(got[2].front(), "+OK 2 320");
  EXPECT_EQ(got[3], (std::vector<std::string>{"+OK", "1 uid-a", "2 uid-b"}));
  EXPECT_EQ(got[4], (std::vector<std::string>{"+OK", "Subject: KOM-LE-Nachricht", "X-KOM-LE-Version: 1.5", ""}))
      << "TOP n 0 upstream, MIME-Version and its continuation dropped";
  EXPECT_EQ(got[5], (std::vector<std::string>{"+OK 45 octets", "X-Processed: yes", "Subject: a", "", "..hidden dot"}))
      << "the hooks' message, dot-stuffed again";
  EXPECT_EQ(got[6].front(), "-ERR [SYS/TEMP] not today");
  EXPECT_EQ(got[7].front(), "-ERR There's no message 3.") << "a provider's -ERR is relayed unchanged";
  EXPECT_EQ(got[8].front(), "+OK Marked to be deleted.");
  EXPECT_EQ(got[9].front(), "+OK Logging out, messages deleted.");
}

TEST(Pop3Proxy, AFilteredLoginSeesOnlyItsMessagesNumberedOneToN) {
  ProviderScript script;
  script.steps = {
      {"USER praxis.b@fd-b.test", "+OK\r\n"},
      {"PASS geheim", "+OK Logged in.\r\n"},
      {"LIST", "+OK 3 messages:\r\n1 100\r\n2 200\r\n3 300\r\n.\r\n"},
      {"UIDL", "+OK\r\n1 uid-a\r\n2 uid-b\r\n3 uid-known\r\n.\r\n"},
      {"TOP 1 0", "+OK\r\nSubject: KOM-LE-Nachricht\r\nX-KIM-Dienstkennung: eAU;Fehler-Kasse;V1.0\r\n\r\n.\r\n"},
      {"TOP 2 0", "+OK\r\nSubject: KOM-LE-Nachricht\r\nX-KIM-Dienstkennung: KIM-Mail;Default;V1.0\r\n\r\n.\r\n"},
      {"RETR 3", "+OK 30 octets\r\nSubject: c\r\n\r\nthird\r\n.\r\n"},
      {"TOP 3 0", "+OK\r\nSubject: KOM-LE-Nachricht\r\n\r\n.\r\n"},
      {"DELE 3", "+OK Marked to be deleted.\r\n"},
      {"RSET", "+OK\r\n"},
      {"NOOP", "+OK\r\n"},
      {"QUIT", "+OK Logging out.\r\n"},
  };
  std::vector<std::vector<std::string>> got;
  const auto pvs = [&](PvsClient& c) -> awaitable<void> {
    co_await c.line();
    const std::vector<std::pair<std::string, bool>> dialogue = {{"USER praxis.b@fd-b.test#127.0.0.1:995#M#C#W", false},
                                                                {"PASS geheim", false},
                                                                {"STAT", false},
                                                                {"LIST", true},
                                                                {"UIDL", true},
                                                                {"UIDL 2", false},
                                                                {"LIST 3", false},
                                                                {"RETR 2", true},
                                                                {"TOP 2 5", true},
                                                                {"DELE 2", false},
                                                                {"STAT", false},
                                                                {"RETR 2", false},
                                                                {"DELE 2", false},
                                                                {"RSET", false},
                                                                {"NOOP", false},
                                                                {"LIST 2", false},
                                                                {"QUIT", false}};
    for (const auto& [line, multiline] : dialogue) {
      got.push_back(co_await ask(c, line, multiline));
    }
  };
  const std::vector<std::string> upstream = run_proxy(script, pvs, {}, true);
  EXPECT_EQ(upstream, (std::vector<std::string>{"USER praxis.b@fd-b.test", "PASS geheim", "LIST", "UIDL", "TOP 1 0",
                                                "TOP 2 0", "RETR 3", "TOP 3 0", "DELE 3", "RSET", "NOOP", "QUIT"}))
      << "uid-known is not looked at; hidden message 2 is never fetched or deleted";
  ASSERT_EQ(got.size(), 17u);
  EXPECT_EQ(got[1].front(), "+OK logged in at the KIM provider");
  EXPECT_EQ(got[2].front(), "+OK 2 400");
  EXPECT_EQ(got[3], (std::vector<std::string>{"+OK scan listing follows", "1 100", "2 300"}));
  EXPECT_EQ(got[4], (std::vector<std::string>{"+OK unique-id listing follows", "1 uid-a", "2 uid-known"}));
  EXPECT_EQ(got[5].front(), "+OK 2 uid-known");
  EXPECT_EQ(got[6].front(), "-ERR no such message");
  EXPECT_EQ(got[7], (std::vector<std::string>{"+OK 39 octets", "X-Processed: yes", "Subject: c", "", "third"}));
  EXPECT_EQ(got[8], (std::vector<std::string>{"+OK", "Subject: KOM-LE-Nachricht", ""}));
  EXPECT_EQ(got[9].front(), "+OK message 2 deleted");
  EXPECT_EQ(got[10].front(), "+OK 1 100");
  EXPECT_EQ(got[11].front(), "-ERR no such message") << "deleted in this session";
  EXPECT_EQ(got[12].front(), "-ERR no such message");
  EXPECT_EQ(got[13].front(), "+OK maildrop has 2 messages (400 octets)");
  EXPECT_EQ(got[14].front(), "+OK");
  EXPECT_EQ(got[15].front(), "+OK 2 300") << "RSET undid the deletion";
  EXPECT_EQ(got[16].front(), "+OK Logging out.");
}

TEST(Pop3Proxy, AnUnreadableListingEndsAFilteredLoginWithoutTouchingTheMailbox) {
  ProviderScript script;
  script.steps = {
      {"USER praxis.b@fd-b.test", "+OK\r\n"},
      {"PASS geheim", "+OK Logged in.\r\n"},
      {"LIST", "+OK\r\n1 100\r\n.\r\n"},
      {"UIDL", "+OK\r\n1\r\n.\r\n"},
  };
  std::vector<std::string> got;
  const auto pvs = [&](PvsClient& c) -> awaitable<void> {
    co_await c.line();
    co_await ask(c, "USER praxis.b@fd-b.test#127.0.0.1:995#M#C#W", false);
    got = co_await ask(c, "PASS geheim", false);
  };
  const std::vector<std::string> upstream = run_proxy(script, pvs, {}, true);
  EXPECT_EQ(upstream, (std::vector<std::string>{"USER praxis.b@fd-b.test", "PASS geheim", "LIST", "UIDL"}))
      << "no QUIT: nothing is committed";
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got.front(),
            "-ERR [SYS/TEMP] the KIM provider's message listing could not be read (a malformed LIST or UIDL line); "
            "try again later");
}

TEST(Pop3MailboxView, ListingsParseStrictly) {
  const auto ok = parse_listing("1 100\r\n2 uid-\x21~\r\n");
  ASSERT_TRUE(ok);
  ASSERT_EQ(ok->size(), 2u);
  EXPECT_EQ((*ok)[1].number, 2u);
  EXPECT_EQ((*ok)[1].value, "uid-!~");
  EXPECT_TRUE(parse_listing("")->empty());
  EXPECT_FALSE(parse_listing("1\r\n"));
  EXPECT_FALSE(parse_listing("0 100\r\n"));
  EXPECT_FALSE(parse_listing("x 100\r\n"));
  EXPECT_FALSE(parse_listing("1 a b\r\n")) << "a unique id has no space";
  EXPECT_FALSE(parse_listing("1 " + std::string(71, 'u') + "\r\n")) << "RFC 1939: at most 70 characters";
  EXPECT_FALSE(parse_listing("99999999999 1\r\n"));
}

TEST(Pop3Proxy, StreamedMessagesAreDotStuffedAndAnAbortLeavesNoFinalDot) {
  ProviderScript script;
  script.steps = {
      {"USER praxis.b@fd-b.test", "+OK\r\n"},
      {"PASS geheim", "+OK Logged in.\r\n"},
      {"RETR 1", "+OK 30 octets\r\nSubject: a\r\n\r\nstream me\r\n.\r\n"},
      {"RETR 2", "+OK 30 octets\r\nSubject: b\r\n\r\nbreak me\r\n.\r\n"},
  };
  std::vector<std::vector<std::string>> got;
  bool closed = false;
  const auto pvs = [&](PvsClient& c) -> awaitable<void> {
    co_await c.line();
    got.push_back(co_await ask(c, "USER praxis.b@fd-b.test#127.0.0.1:995#M#C#W", false));
    got.push_back(co_await ask(c, "PASS geheim", false));
    got.push_back(co_await ask(c, "RETR 1", true));
    got.push_back(co_await ask(c, "RETR 2", true));
    closed = c.closed();
  };
  run_proxy(script, pvs);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[2], (std::vector<std::string>{"+OK 38 octets", "Subject: s", "", "first line", "..dot", "last"}));
  ASSERT_FALSE(got[3].empty());
  EXPECT_EQ(got[3].front(), "+OK 38 octets");
  EXPECT_TRUE(closed) << "an aborted stream closes the connection: no final dot";
}

TEST(Pop3Proxy, LoginFailuresComeFromTheReplyTable) {
  ProviderScript refusing;
  refusing.steps = {{"USER praxis.b@fd-b.test", "+OK\r\n"}, {"PASS falsch", "-ERR [AUTH] Authentication failed.\r\n"}};
  std::vector<std::string> got;
  const auto pvs = [&](PvsClient& c) -> awaitable<void> {
    co_await c.line();
    for (const char* line :
         {"USER nobody", "PASS x", "USER praxis.b@fd-b.test#127.0.0.1:995#M#C#W", "PASS falsch", "STAT", "QUIT"}) {
      const std::vector<std::string> answer = co_await ask(c, line, false);
      got.push_back(answer.front());
    }
  };
  run_proxy(refusing, pvs);
  ASSERT_EQ(got.size(), 6u);
  EXPECT_EQ(got[0], "+OK Send PASS");
  EXPECT_EQ(got[1], "-ERR the user name is not a KIM user name");
  EXPECT_EQ(got[2], "+OK Send PASS");
  EXPECT_EQ(got[3], reply_line(replies::auth_failed));
  EXPECT_EQ(got[4], reply_line(replies::unknown_command)) << "still in CONNECT";
  EXPECT_EQ(got[5], reply_line(replies::signing_off));
}

TEST(Pop3Proxy, AProviderCertificateTheCheckRefusesGetsNoCredentials) {
  ProviderScript script;
  script.steps = {{"USER praxis.b@fd-b.test", "+OK\r\n"}, {"PASS geheim", "+OK Logged in.\r\n"}};
  std::vector<std::uint8_t> seen;
  const net::PeerCheck refuse = [&seen](std::vector<std::uint8_t> der) -> awaitable<std::optional<std::string>> {
    seen = der;
    co_return std::optional<std::string>("INVALID");
  };
  std::vector<std::string> got;
  const auto pvs = [&](PvsClient& c) -> awaitable<void> {
    co_await c.line();
    for (const char* line : {"USER praxis.b@fd-b.test#127.0.0.1:995#M#C#W", "PASS geheim", "QUIT"}) {
      const std::vector<std::string> answer = co_await ask(c, line, false);
      got.push_back(answer.front());
    }
  };
  const std::vector<std::string> received = run_proxy(script, pvs, refuse);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[1].rfind("-ERR [SYS/TEMP] TLS with the KIM provider", 0), 0u) << got[1];
  EXPECT_FALSE(seen.empty()) << "the check saw the provider's certificate";
  for (const std::string& line : received) {
    EXPECT_EQ(line.rfind("USER", 0), std::string::npos) << "no credential went to the provider: " << line;
    EXPECT_EQ(line.rfind("PASS", 0), std::string::npos) << line;
  }
}

TEST(Pop3Proxy, ProviderGoneMidSessionClosesWithTheTableText) {
  ProviderScript vanishing;
  vanishing.steps = {{"USER praxis.b@fd-b.test", "+OK\r\n"}, {"PASS geheim", "+OK Logged in.\r\n"}, {"STAT", ""}};
  std::vector<std::string> got;
  bool closed = false;
  const auto pvs = [&](PvsClient& c) -> awaitable<void> {
    co_await c.line();
    for (const char* line : {"USER praxis.b@fd-b.test#127.0.0.1:995#M#C#W", "PASS geheim", "STAT"}) {
      const std::vector<std::string> answer = co_await ask(c, line, false);
      got.push_back(answer.front());
    }
    co_await c.line();
    closed = c.closed();
  };
  run_proxy(vanishing, pvs);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[2], reply_line(replies::upstream_lost));
  EXPECT_TRUE(closed);
}

TEST(Pop3Replies, TableTextsAndDetails) {
  EXPECT_EQ(format_reply(replies::greeting, "kimgate.test"),
            "+OK kimgate.test kimgate KOM-LE Clientmodul POP3 ready\r\n");
  EXPECT_EQ(reply_line(replies::upstream_unreachable, "fd-b.test:995"),
            "-ERR [SYS/TEMP] cannot connect to the KIM provider at fd-b.test:995");
  EXPECT_EQ(reply_line(replies::auth_failed), "-ERR [AUTH] user could not be authenticated");
  EXPECT_EQ(reply_line(replies::retr_follows, "45"), "+OK 45 octets");
}

}  // namespace
}  // namespace kimgate::pop3
