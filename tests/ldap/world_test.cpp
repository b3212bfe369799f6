// ldap::Client and ldap::Directory against the test world's slapd over LDAPS
// (tests/world/README.md "Who lives here"). Needs the CTest fixture `world`.
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "ldap/directory.h"
#include "net/asio.h"

// ASan builds: libldap 2.5's GnuTLS backend leaks the client key and certificates of each TLS
// context it makes (one per ldap::Client); see tests/ldap/lsan.supp.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:gnutls_x509_privkey_init\nleak:gnutls_x509_crt_init\nleak:libgnutls.so\nleak:libtasn1.so\n"
         "leak:libgmp.so\nleak:libnettle.so\nleak:libhogweed.so\n";
}

namespace kimgate::ldap {
namespace {

namespace asio = net::asio;
using namespace std::chrono_literals;

std::string world_dir() {
  const char* d = std::getenv("KIMGATE_WORLD_DIR");
  return d != nullptr ? d : "build/world";
}

nlohmann::json load_world() {
  std::ifstream in(world_dir() + "/world.json");
  return nlohmann::json::parse(in);
}

// Runs one coroutine to completion on `io`, which also serves everything else spawned.
template <typename T, typename Fn>
T run(asio::io_context& io, Fn make) {
  std::optional<T> out;
  auto body = [&out, make]() -> net::awaitable<void> {
    T value = co_await make();
    out = std::move(value);
  };
  asio::co_spawn(io, body, asio::detached);
  io.restart();
  while (!out.has_value() && io.run_one() > 0) {
  }
  if (!out.has_value()) {
    throw std::runtime_error("coroutine did not finish");
  }
  return std::move(*out);
}

// A process from a world pid file, checked against its command line.
std::optional<pid_t> slapd_pid() {
  std::ifstream pf(world_dir() + "/vzd/slapd.pid");
  long pid = 0;
  if (!(pf >> pid) || pid <= 0) {
    return std::nullopt;
  }
  std::ifstream cmd("/proc/" + std::to_string(pid) + "/cmdline");
  std::string line;
  std::getline(cmd, line, '\0');
  if (line.find("slapd") == std::string::npos) {
    return std::nullopt;
  }
  return static_cast<pid_t>(pid);
}

// Stops slapd and waits (pidfd + poll with a deadline, no sleeping) until it is gone.
bool stop_slapd() {
  const auto pid = slapd_pid();
  if (!pid) {
    return false;
  }
  const int pfd = static_cast<int>(::syscall(SYS_pidfd_open, *pid, 0));
  if (pfd < 0 || ::kill(*pid, SIGTERM) != 0) {
    return false;
  }
  pollfd p{pfd, POLLIN, 0};
  const int n = ::poll(&p, 1, 20000);
  ::close(pfd);
  return n == 1;
}

bool start_world() {
  const std::string up = std::string(KIMGATE_SOURCE_DIR) + "/tests/world/up >/dev/null 2>&1";
  return std::system(up.c_str()) == 0;
}

class LdapWorld : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { std::signal(SIGPIPE, SIG_IGN); }

  void SetUp() override {
    world_ = load_world();
    ClientOptions o;
    o.url = world_["vzd"]["ldaps_url"].get<std::string>();
    o.base_dn = world_["vzd"]["base_dn"].get<std::string>();
    o.ca_file = world_["pki"]["ca_bundle_pem"].get<std::string>();
    const auto id = load_p12_identity(world_["client_module"]["p12"].get<std::string>(),
                                      world_["client_module"]["p12_password"].get<std::string>());
    ASSERT_TRUE(id.error.empty()) << id.error;
    o.client_cert_pem = id.cert_pem;
    o.client_key_pem = id.key_pem;
    o.timeout = 5s;
    o.connect_timeout = 3s;
    options_ = o;
    client_ = Client::create(io_.get_executor(), pool_, o);
    directory_ = std::make_unique<Directory>(client_, DirectoryOptions{});
  }

  void TearDown() override {
    client_->close();
    io_.restart();
    io_.poll();
  }

  std::string address(const std::string& participant) const {
    return world_["participants"][participant]["kim_address"].get<std::string>();
  }

  AddressLookup lookup(const std::string& mail, bool ecc) {
    Directory* d = directory_.get();
    auto make = [d, mail, ecc]() { return d->lookup_address(mail, ecc); };
    return run<AddressLookup>(io_, make);
  }

  template <typename Fn>
  EntriesLookup entries(Fn fn) {
    return run<EntriesLookup>(io_, fn);
  }

  nlohmann::json world_;
  ClientOptions options_;
  asio::io_context io_;
  asio::thread_pool pool_{2};
  std::shared_ptr<Client> client_;
  std::unique_ptr<Directory> directory_;
};

TEST_F(LdapWorld, PracticeByMailHasCertificatesAndVersion) {
  const AddressLookup a = lookup(address("praxis_a"), false);
  ASSERT_TRUE(a.ok()) << a.detail;
  ASSERT_TRUE(a.selection.ok()) << to_string(a.selection.outcome);
  EXPECT_EQ(a.selection.telematik_id, world_["participants"]["praxis_a"]["telematik_id"].get<std::string>());
  ASSERT_EQ(a.selection.certificates.size(), 1U);  // RSA only without ECC
  EXPECT_EQ(a.selection.certificates[0].key_type, KeyType::rsa);
  EXPECT_EQ(a.selection.certificates[0].type(), CertType::hci_enc);
  EXPECT_EQ(a.version.version.version, "1.5");
  EXPECT_EQ(a.version.source, "kimData");
  EXPECT_FALSE(a.from_cache);
  const AddressLookup again = lookup(address("praxis_a"), true);
  EXPECT_TRUE(again.from_cache);
  EXPECT_EQ(again.selection.certificates.size(), 2U);  // RSA and ECC for an ECC-capable Konnektor
}

TEST_F(LdapWorld, RsaAndEccDependOnEccCapability) {
  const AddressLookup rsa_only = lookup(address("praxis_b"), false);
  ASSERT_TRUE(rsa_only.ok()) << rsa_only.detail;
  ASSERT_EQ(rsa_only.selection.certificates.size(), 1U);
  EXPECT_EQ(rsa_only.selection.certificates[0].key_type, KeyType::rsa);
  ASSERT_EQ(rsa_only.selection.excluded.size(), 1U);
  EXPECT_EQ(rsa_only.selection.excluded[0].reason, Exclusion::ecc_not_supported);
  EXPECT_EQ(rsa_only.selection.excluded[0].cert.curve, "brainpoolP256r1");
  const AddressLookup both = lookup(address("praxis_b"), true);
  ASSERT_EQ(both.selection.certificates.size(), 2U);
  EXPECT_TRUE(both.version.version.large_mail);  // komLeData 1.5+
}

TEST_F(LdapWorld, DoctorHasHpEncCertificates) {
  const AddressLookup a = lookup(address("arzt_a"), true);
  ASSERT_TRUE(a.selection.ok());
  EXPECT_EQ(a.selection.certificates.size(), 2U);
  EXPECT_EQ(a.selection.certificates[0].type(), CertType::hp_enc);
  ASSERT_EQ(a.entries.size(), 1U);
  EXPECT_EQ(a.entries[0].personal_entry, std::optional<bool>(true));
}

TEST_F(LdapWorld, AwkwardAddressesAreExcludedWithTheRightReason) {
  const AddressLookup expired = lookup(world_["awkward"]["expired"]["kim_address"].get<std::string>(), true);
  ASSERT_TRUE(expired.ok()) << expired.detail;
  EXPECT_EQ(expired.selection.outcome, SelectionOutcome::no_enc_certificate);
  EXPECT_EQ(kim_error_code(expired.selection.outcome), "4003");
  ASSERT_FALSE(expired.selection.excluded.empty());
  EXPECT_EQ(expired.selection.excluded[0].reason, Exclusion::expired);

  const AddressLookup wrongku = lookup(world_["awkward"]["wrong_key_usage"]["kim_address"].get<std::string>(), true);
  EXPECT_EQ(wrongku.selection.outcome, SelectionOutcome::no_enc_certificate);
  ASSERT_FALSE(wrongku.selection.excluded.empty());
  EXPECT_EQ(wrongku.selection.excluded[0].reason, Exclusion::wrong_key_usage);
  EXPECT_EQ(wrongku.version.version.version, "1.0");  // no komLeData -> 1.0

  const AddressLookup twoids = lookup(world_["awkward"]["two_telematik_ids"]["kim_address"].get<std::string>(), true);
  EXPECT_EQ(twoids.selection.outcome, SelectionOutcome::different_telematik_ids);
  EXPECT_EQ(kim_error_code(twoids.selection.outcome), "4005");
  EXPECT_EQ(twoids.entries.size(), 2U);
  EXPECT_TRUE(twoids.selection.certificates.empty());

  const AddressLookup unknown = lookup("nobody@fd-a.kim.telematik-test", true);
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown.selection.outcome, SelectionOutcome::not_found);
}

TEST_F(LdapWorld, RevokedCertificateIsLeftToTheKonnektorAndInvalidationDropsTheCache) {
  const std::string revoked = world_["awkward"]["revoked"]["kim_address"].get<std::string>();
  const AddressLookup first = lookup(revoked, false);
  ASSERT_TRUE(first.selection.ok());  // no OCSP here: the Konnektor's EncryptDocument finds it (§5.6)
  const std::string sha = first.selection.certificates.at(0).sha256_hex;
  EXPECT_TRUE(lookup(revoked, false).from_cache);
  EXPECT_EQ(directory_->invalidate_certificate(sha), 1U);
  EXPECT_FALSE(lookup(revoked, false).from_cache);
}

TEST_F(LdapWorld, CacheLifetimesFollowTheConfiguredTtls) {
  SteadyTime now{};
  DirectoryOptions o;
  o.ttl_enc_cert = 12h;
  o.ttl_negative = 5min;
  o.steady_now = [&now]() { return now; };
  Directory cached(client_, o);
  const std::string known = address("praxis_a");
  const std::string unknown = "nobody.yet@fd-a.kim.telematik-test";
  auto look = [&](const std::string& mail) {
    auto make = [&cached, mail]() { return cached.lookup_address(mail, false); };
    return run<AddressLookup>(io_, make);
  };
  EXPECT_FALSE(look(known).from_cache);
  EXPECT_FALSE(look(unknown).from_cache);
  now += 4min;
  EXPECT_TRUE(look(known).from_cache);
  const AddressLookup negative = look(unknown);
  EXPECT_TRUE(negative.from_cache);  // "not found" is cached, briefly
  EXPECT_EQ(negative.selection.outcome, SelectionOutcome::not_found);
  now += 2min;                             // 6 min: past the negative TTL
  EXPECT_FALSE(look(unknown).from_cache);  // asked again: a new card may have appeared
  EXPECT_TRUE(look(known).from_cache);     // certificates are still fresh
  auto version_of = [&](const std::string& mail) {
    auto make = [&cached, mail]() { return cached.kim_version(mail); };
    return run<VersionLookup>(io_, make);
  };
  const VersionLookup version = version_of(known);
  EXPECT_TRUE(version.from_cache);
  EXPECT_EQ(version.version.version.version, "1.5");
  now += 12h;  // past TTL_ENC_CERT
  const AddressLookup refreshed = look(known);
  EXPECT_FALSE(refreshed.from_cache);
  EXPECT_TRUE(refreshed.selection.ok());
  EXPECT_EQ(cached.cached_addresses(), 2U);
  now += 25h;  // past the 24 h of A_22340 and TTL_ENC_CERT
  const VersionLookup stale = version_of(known);
  EXPECT_FALSE(stale.from_cache);
  EXPECT_TRUE(stale.ok()) << stale.detail;
  EXPECT_EQ(stale.version.source, "kimData");
}

TEST_F(LdapWorld, InsurerByIkKvByRegionTelematikIdAndNames) {
  Directory* d = directory_.get();
  const std::string ik = world_["participants"]["kasse"]["ik"].get<std::string>();
  const EntriesLookup insurer = entries([d, ik]() { return d->insurer_by_ik(ik); });
  ASSERT_TRUE(insurer.ok()) << insurer.detail;
  ASSERT_EQ(insurer.entries.size(), 1U);
  EXPECT_EQ(insurer.entries[0].mails.at(0), address("kasse"));
  EXPECT_EQ(insurer.entries[0].entry_type, "5");
  EXPECT_EQ(insurer.entries[0].personal_entry, std::optional<bool>(false));
  EXPECT_EQ(insurer.entries[0].state, "");  // `st: -`
  const EntriesLookup second_ik = entries([d]() { return d->insurer_by_ik("104690009"); });
  EXPECT_EQ(second_ik.entries.size(), 1U);
  // The BSNR of practice A is a domainID too, but not of an insurer (entryType 5).
  const std::string bsnr = world_["participants"]["praxis_a"]["bsnr"].get<std::string>();
  const EntriesLookup not_insurer = entries([d, bsnr]() { return d->insurer_by_ik(bsnr); });
  ASSERT_TRUE(not_insurer.ok());
  EXPECT_TRUE(not_insurer.entries.empty());

  const EntriesLookup kv = entries([d]() { return d->kv_by_region("46", "Hessen"); });
  ASSERT_TRUE(kv.ok()) << kv.detail;
  ASSERT_EQ(kv.entries.size(), 1U);
  EXPECT_EQ(kv.entries[0].mails.at(0), address("kv_hessen"));
  const EntriesLookup kv_by_code = entries([d]() { return d->kv_by_region("46", ""); });
  EXPECT_EQ(kv_by_code.entries.size(), 1U);
  const EntriesLookup kv_by_land = entries([d]() { return d->kv_by_region("", "Hessen"); });
  EXPECT_EQ(kv_by_land.entries.size(), 1U);
  const EntriesLookup kv_bayern = entries([d]() { return d->kv_by_region("71", "Bayern"); });
  EXPECT_TRUE(kv_bayern.entries.empty());
  // The practice of KV Hessen has profession OID .50, not a KV OID.
  EXPECT_EQ(kv.entries[0].telematik_id, world_["participants"]["kv_hessen"]["telematik_id"].get<std::string>());

  const std::string tid = world_["participants"]["arzt_a"]["telematik_id"].get<std::string>();
  const EntriesLookup by_id = entries([d, tid]() { return d->by_telematik_id(tid); });
  ASSERT_EQ(by_id.entries.size(), 1U);
  EXPECT_EQ(by_id.entries[0].display_name, "Dr. Anna Aurich");

  const EntriesLookup names = entries([d]() { return d->search_name("Aurich"); });
  EXPECT_GE(names.entries.size(), 2U);
  const EntriesLookup star = entries([d]() { return d->search_name("*)(mail=*"); });
  ASSERT_TRUE(star.ok()) << star.detail;
  EXPECT_TRUE(star.entries.empty());
}

std::string pem_to_der(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) {
    return {};
  }
  X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  unsigned char* der = nullptr;
  const int n = cert != nullptr ? i2d_X509(cert, &der) : 0;
  std::string out(reinterpret_cast<const char*>(der), n > 0 ? static_cast<std::size_t>(n) : 0U);
  OPENSSL_free(der);
  X509_free(cert);
  return out;
}

TEST_F(LdapWorld, ServerCertificateMustMatchThePinOrTheCaFile) {
  ClientOptions wrong_ca = options_;
  wrong_ca.ca_file = world_["pki"]["cas"]["smcb"]["cert_pem"].get<std::string>();  // not slapd's issuer
  auto untrusted_client = Client::create(io_.get_executor(), pool_, wrong_ca);
  Directory untrusted(untrusted_client, DirectoryOptions{});
  auto make_untrusted = [&untrusted]() { return untrusted.lookup_address("praxis.a@fd-a.kim.telematik-test", false); };
  const AddressLookup refused = run<AddressLookup>(io_, make_untrusted);
  EXPECT_EQ(refused.error, DirectoryErrc::server_not_trusted) << refused.detail;

  const std::string der = pem_to_der(world_["vzd"]["server_cert_pem"].get<std::string>());
  ASSERT_FALSE(der.empty());
  ClientOptions pinned = options_;
  pinned.ca_file.clear();
  pinned.server_pin_sha256 = parse_certificate(der).sha256_hex;
  auto trusted_client = Client::create(io_.get_executor(), pool_, pinned);
  Directory trusted(trusted_client, DirectoryOptions{});
  auto make_trusted = [&trusted]() { return trusted.lookup_address("praxis.a@fd-a.kim.telematik-test", false); };
  const AddressLookup accepted = run<AddressLookup>(io_, make_trusted);
  EXPECT_TRUE(accepted.ok()) << accepted.detail;
  EXPECT_TRUE(accepted.selection.ok());

  ClientOptions wrong_pin = pinned;
  wrong_pin.server_pin_sha256 = std::string(64, '0');
  auto mispinned_client = Client::create(io_.get_executor(), pool_, wrong_pin);
  Directory mispinned(mispinned_client, DirectoryOptions{});
  auto make_mispinned = [&mispinned]() { return mispinned.lookup_address("praxis.a@fd-a.kim.telematik-test", false); };
  const AddressLookup wrong = run<AddressLookup>(io_, make_mispinned);
  EXPECT_EQ(wrong.error, DirectoryErrc::server_not_trusted) << wrong.detail;
  untrusted_client->close();
  trusted_client->close();
  mispinned_client->close();
}

TEST_F(LdapWorld, TwoHundredConcurrentSearchesOnOneConnectionWhileTheLoopStaysResponsive) {
  const std::vector<std::string> mails = {address("praxis_a"), address("praxis_b"), address("arzt_a"), address("kasse"),
                                          address("kv_hessen")};
  constexpr int kSearches = 200;
  int done = 0;
  int ok = 0;
  std::uint64_t ticks = 0;
  std::uint64_t ticks_at_first_done = 0;
  std::uint64_t ticks_at_last_done = 0;
  bool stop = false;
  std::string first_failure;
  bool ticker_done = false;
  auto ticker = [&ticks, &stop, &ticker_done]() -> net::awaitable<void> {
    while (!stop) {
      ++ticks;
      co_await asio::post(asio::use_awaitable);
    }
    ticker_done = true;
  };
  auto client = client_;
  for (int i = 0; i < kSearches; ++i) {
    const std::string filter = "(mail=" + mails[static_cast<std::size_t>(i) % mails.size()] + ")";
    auto one = [client, filter, &done, &ok, &first_failure, &ticks, &ticks_at_first_done, &ticks_at_last_done,
                &stop]() -> net::awaitable<void> {
      auto op = client->search(filter, address_attributes());
      SearchResult r = co_await std::move(op);
      if (r.ok() && r.entries.size() == 1 && !r.entries[0].values({"userCertificate;binary"}).empty()) {
        ++ok;
      } else if (first_failure.empty()) {
        first_failure =
            std::string(to_string(r.error)) + ": " + r.detail + " entries=" + std::to_string(r.entries.size());
      }
      if (++done == 1) {
        ticks_at_first_done = ticks;
      }
      if (done == kSearches) {
        ticks_at_last_done = ticks;
        stop = true;
      }
    };
    asio::co_spawn(io_, one, asio::detached);
  }
  asio::co_spawn(io_, ticker, asio::detached);
  io_.restart();
  while (!(stop && ticker_done) && io_.run_one() > 0) {
  }
  EXPECT_EQ(done, kSearches);
  EXPECT_EQ(ok, kSearches) << first_failure;
  EXPECT_EQ(client_->connects(), 1U);  // all on one connection
  EXPECT_EQ(client_->in_flight(), 0U);
  // The unrelated coroutine kept running while answers were arriving.
  EXPECT_GT(ticks_at_last_done, ticks_at_first_done);
  EXPECT_GT(ticks_at_first_done, 0U);
}

TEST_F(LdapWorld, HungServerTimesOutAsTyped) {
  const auto pid = slapd_pid();
  ASSERT_TRUE(pid.has_value());
  ASSERT_TRUE(lookup(address("praxis_a"), false).ok());  // connected
  ASSERT_EQ(::kill(*pid, SIGSTOP), 0);
  const AddressLookup stalled = lookup(address("praxis_b"), false);
  // A new connection to the stopped server: TCP connects (the kernel accepts), the TLS
  // handshake never completes and must end with a typed error, not hang or spin.
  ClientOptions quick = options_;
  quick.connect_timeout = 1s;
  auto fresh_client = Client::create(io_.get_executor(), pool_, quick);
  Directory fresh(fresh_client, DirectoryOptions{});
  auto make_fresh = [&fresh]() { return fresh.lookup_address("praxis.a@fd-a.kim.telematik-test", false); };
  const AddressLookup no_handshake = run<AddressLookup>(io_, make_fresh);
  fresh_client->close();
  ::kill(*pid, SIGCONT);
  EXPECT_EQ(stalled.error, DirectoryErrc::timeout) << stalled.detail;
  EXPECT_EQ(no_handshake.error, DirectoryErrc::unavailable) << no_handshake.detail;
  EXPECT_NE(no_handshake.detail.find("TLS handshake"), std::string::npos) << no_handshake.detail;
  // The connection survives an abandoned search.
  const AddressLookup after = lookup(address("arzt_a"), false);
  EXPECT_TRUE(after.ok()) << after.detail;
  EXPECT_EQ(client_->in_flight(), 0U);
}

TEST_F(LdapWorld, SlapdStopsAndRestartsWithoutRestartingTheClient) {
  const std::string cached = address("praxis_a");
  ASSERT_TRUE(lookup(cached, false).selection.ok());
  EXPECT_EQ(client_->connects(), 1U);

  // Searches in flight when slapd goes away end as typed errors, not hangs.
  int finished = 0;
  int failed_typed = 0;
  int succeeded = 0;
  bool killed = false;
  auto client = client_;
  for (int i = 0; i < 50; ++i) {
    auto one = [client, &finished, &failed_typed, &succeeded, &killed, this]() -> net::awaitable<void> {
      auto op = client->search("(mail=" + address("praxis_b") + ")", address_attributes());
      SearchResult r = co_await std::move(op);
      ++finished;
      if (r.ok()) {
        ++succeeded;
      } else if (r.error == DirectoryErrc::unavailable || r.error == DirectoryErrc::timeout) {
        ++failed_typed;
      }
      if (!killed) {
        killed = true;
        stop_slapd();  // the first answer has arrived: stop the server under the rest
      }
    };
    asio::co_spawn(io_, one, asio::detached);
  }
  io_.restart();
  while (finished < 50 && io_.run_one() > 0) {
  }
  EXPECT_EQ(finished, 50);
  EXPECT_EQ(succeeded + failed_typed, 50);
  EXPECT_FALSE(slapd_pid().has_value());

  const AddressLookup down = lookup(address("kasse"), false);
  EXPECT_EQ(down.error, DirectoryErrc::unavailable) << down.detail;
  EXPECT_FALSE(down.detail.empty());
  const AddressLookup from_cache = lookup(cached, false);
  EXPECT_TRUE(from_cache.ok());
  EXPECT_TRUE(from_cache.from_cache);
  EXPECT_TRUE(from_cache.selection.ok());

  ASSERT_TRUE(start_world());
  const AddressLookup back = lookup(address("kasse"), false);
  ASSERT_TRUE(back.ok()) << back.detail;
  EXPECT_TRUE(back.selection.ok());
  EXPECT_GE(client_->connects(), 2U);  // reconnected by the same client
}

}  // namespace
}  // namespace kimgate::ldap
