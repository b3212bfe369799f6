// ServiceLocator against a real resolver: Debian's dnsmasq on a free loopback port, serving the
// DNS-SD records of two providers (PTR, SRV, TXT, A). Skipped only when dnsmasq is not installed.
#include "rest/dnssd.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace kimgate::rest {
namespace {

constexpr const char* kDnsmasq = "/usr/sbin/dnsmasq";

class Dnsmasq {
 public:
  // The port is probed free, but another test running in parallel may take it (for UDP or for the
  // TCP socket dnsmasq also binds) before dnsmasq does: dnsmasq then exits at once, and we retry
  // with a fresh port.
  explicit Dnsmasq(const std::vector<std::string>& records) {
    for (int attempt = 0; attempt < 8 && !running(); ++attempt) {
      stop();
      start(records);
    }
  }
  ~Dnsmasq() { stop(); }
  void stop() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
      pid_ = 0;
    }
  }
  // waitpid, not kill(pid, 0): an exited but unreaped dnsmasq is a zombie that kill() still finds.
  bool running() {
    if (pid_ <= 0) {
      return false;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = 0;
      return false;
    }
    return true;
  }
  std::string server() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  void start(const std::vector<std::string>& records) {
    asio::io_context io;
    asio::ip::udp::socket probe(io, asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port_ = probe.local_endpoint().port();
    probe.close();
    std::vector<std::string> args{kDnsmasq,
                                  "--keep-in-foreground",
                                  "--no-resolv",
                                  "--no-hosts",
                                  "--conf-file=/dev/null",
                                  "--bind-interfaces",
                                  "--listen-address=127.0.0.1",
                                  "--port=" + std::to_string(port_),
                                  "--local-ttl=300",
                                  "--pid-file=",
                                  "--log-facility=/dev/null"};
    if (geteuid() == 0) {
      args.push_back("--user=root");
    }
    args.insert(args.end(), records.begin(), records.end());
    std::vector<char*> argv;
    for (std::string& a : args) {
      argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, kDnsmasq, nullptr, nullptr, argv.data(), environ) != 0) {
      pid_ = 0;
      return;
    }
    usleep(300 * 1000);  // dnsmasq in the foreground: give it a moment to bind (or to fail)
  }

  pid_t pid_ = 0;
  std::uint16_t port_ = 0;
};

const std::vector<std::string> kRecords = {
    "--ptr-record=_kas._tcp.kim.telematik-test,fd-a.kim.telematik-test._kas._tcp.kim.telematik-test",
    "--ptr-record=_kas._tcp.kim.telematik-test,fd-b.kim.telematik-test._kas._tcp.kim.telematik-test",
    "--ptr-record=_accmgr._tcp.kim.telematik-test,fd-b.kim.telematik-test._accmgr._tcp.kim.telematik-test",
    "--srv-host=fd-a.kim.telematik-test._kas._tcp.kim.telematik-test,kas.fd-a.kim.telematik-test,8443,0,10",
    "--srv-host=fd-a.kim.telematik-test._kas._tcp.kim.telematik-test,backup.fd-a.kim.telematik-test,9443,5,100",
    "--srv-host=fd-b.kim.telematik-test._kas._tcp.kim.telematik-test,kas.fd-b.kim.telematik-test,8444,0,0",
    "--srv-host=fd-b.kim.telematik-test._accmgr._tcp.kim.telematik-test,am.fd-b.kim.telematik-test,7443,0,0",
    "--txt-record=fd-a.kim.telematik-test._kas._tcp.kim.telematik-test,Path=/attachments/v2.4,path=/ignored,flag",
    "--txt-record=fd-b.kim.telematik-test._accmgr._tcp.kim.telematik-test,accountlimit=/AccountLimit/v1.1,"
    "serviceinformation=/ServiceInformation/v1.0",
    "--host-record=kas.fd-a.kim.telematik-test,127.0.0.5",
    "--host-record=kas.fd-b.kim.telematik-test,127.0.0.6",
    "--host-record=am.fd-b.kim.telematik-test,127.0.0.7",
};

template <typename T>
T run_on(asio::io_context& io, net::awaitable<T> task) {
  T out{};
  auto wrap = [&]() -> net::awaitable<void> { out = co_await std::move(task); };
  asio::co_spawn(io, wrap(), asio::detached);
  io.restart();
  io.run();
  return out;
}

class DnssdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access(kDnsmasq, X_OK) != 0) {
      GTEST_SKIP() << "dnsmasq is not installed (apt-get install dnsmasq-base)";
    }
    dns_ = std::make_unique<Dnsmasq>(kRecords);
    ASSERT_TRUE(dns_->running()) << "dnsmasq did not start";
  }
  ServiceLocator::Settings settings() const {
    ServiceLocator::Settings s;
    s.dns_server = dns_->server();
    s.dnssd_domain = "kim.telematik-test";
    s.timeout = std::chrono::seconds(2);
    return s;
  }
  asio::io_context io_;
  asio::thread_pool pool_{1};
  std::unique_ptr<Dnsmasq> dns_;
};

TEST_F(DnssdTest, FindsTheKasOfAProvider) {
  ServiceLocator locator(pool_, settings());
  const auto located = run_on(io_, locator.locate(Service::kas, "fd-a.kim.telematik-test"));
  ASSERT_TRUE(located.found) << located.error;
  EXPECT_EQ(located.found->endpoint.host, "kas.fd-a.kim.telematik-test");  // priority 0 beats 5
  EXPECT_EQ(located.found->endpoint.port, 8443);
  EXPECT_EQ(located.found->endpoint.address, "127.0.0.5");
  EXPECT_EQ(located.found->txt.at("path"), "/attachments/v2.4");
  EXPECT_EQ(located.found->txt.count("flag"), 1u);
}

TEST_F(DnssdTest, FindsTheAccountManagerWithItsBasePaths) {
  ServiceLocator locator(pool_, settings());
  const auto located = run_on(io_, locator.locate(Service::account_manager, "FD-B.kim.telematik-test"));
  ASSERT_TRUE(located.found) << located.error;
  EXPECT_EQ(located.found->endpoint.host, "am.fd-b.kim.telematik-test");
  EXPECT_EQ(located.found->endpoint.port, 7443);
  EXPECT_EQ(located.found->endpoint.address, "127.0.0.7");
  EXPECT_EQ(located.found->txt.at("accountlimit"), "/AccountLimit/v1.1");
  EXPECT_EQ(located.found->txt.at("serviceinformation"), "/ServiceInformation/v1.0");
}

TEST_F(DnssdTest, UnknownProviderIsAnErrorNamingTheDomain) {
  ServiceLocator locator(pool_, settings());
  auto located = run_on(io_, locator.locate(Service::kas, "fd-c.kim.telematik-test"));
  EXPECT_FALSE(located.found);
  EXPECT_NE(located.error.find("fd-c.kim.telematik-test"), std::string::npos) << located.error;
  located = run_on(io_, locator.locate(Service::account_manager, "fd-a.kim.telematik-test"));
  EXPECT_FALSE(located.found);
  EXPECT_FALSE(located.error.empty());
}

TEST_F(DnssdTest, ConfiguredUrlBeatsDnsSd) {
  ServiceLocator::Settings s = settings();
  s.overrides.push_back({Service::kas, "fd-a.kim.telematik-test", "https://kas.fd-b.kim.telematik-test:9999/kas/v2.4"});
  ServiceLocator locator(pool_, s);
  const auto located = run_on(io_, locator.locate(Service::kas, "fd-a.kim.telematik-test"));
  ASSERT_TRUE(located.found) << located.error;
  EXPECT_EQ(located.found->endpoint.port, 9999);
  EXPECT_EQ(located.found->endpoint.address, "127.0.0.6");  // the override's host through the same server
  EXPECT_EQ(located.found->txt.at("path"), "/kas/v2.4");
}

TEST_F(DnssdTest, ResolvesHostsAndCachesForTheTtl) {
  ServiceLocator locator(pool_, settings());
  auto resolved = run_on(io_, locator.resolve_host("kas.fd-b.kim.telematik-test"));
  EXPECT_EQ(resolved.address, "127.0.0.6") << resolved.error;
  resolved = run_on(io_, locator.resolve_host("::1"));
  EXPECT_EQ(resolved.address, "::1");
  const auto first = run_on(io_, locator.locate(Service::kas, "fd-b.kim.telematik-test"));
  ASSERT_TRUE(first.found) << first.error;
  dns_->stop();
  const auto cached = run_on(io_, locator.locate(Service::kas, "fd-b.kim.telematik-test"));
  ASSERT_TRUE(cached.found) << cached.error;
  EXPECT_EQ(cached.found->endpoint.address, "127.0.0.6");
  resolved = run_on(io_, locator.resolve_host("kas.fd-b.kim.telematik-test"));
  EXPECT_EQ(resolved.address, "127.0.0.6");
  ServiceLocator fresh(pool_, settings());
  const auto gone = run_on(io_, fresh.locate(Service::kas, "fd-b.kim.telematik-test"));
  EXPECT_FALSE(gone.found);
  EXPECT_NE(gone.error.find("PTR"), std::string::npos) << gone.error;
}

}  // namespace
}  // namespace kimgate::rest
