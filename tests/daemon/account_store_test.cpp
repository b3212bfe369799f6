// AccountStore: the account registry and each account's installed client certificate — written
// with the key 0600, read back by a new store (a restart), a TLS context only for accounts that
// have their own certificate, a key that does not belong to the certificate refused, and
// addresses that would escape the state directory refused.
#include "daemon/account_store.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "../crypto/test_pki.h"

namespace kimgate::daemon {
namespace {

namespace fs = std::filesystem;

class AccountStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("kimgate-account-store-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    ca_ = test::make_ca("Test CA");
    ca_file_ = dir_ / "ca.pem";
    std::ofstream(ca_file_) << pem(ca_.cert);
  }
  void TearDown() override { fs::remove_all(dir_); }

  static std::string pem(const crypto::Certificate& c) {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bio, c.x509.get());
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<std::size_t>(n));
    BIO_free(bio);
    return out;
  }

  crypto::Pkcs12Contents client_identity() {
    test::CertSpec spec;
    spec.common_name = "Praxis Test#CM";
    spec.key_usage = "critical,digitalSignature,keyEncipherment";
    test::Identity id = test::issue(ca_, spec);
    crypto::Pkcs12Contents p12;
    p12.key = std::move(id.key);
    p12.cert = id.cert;
    p12.chain.push_back(ca_.cert);
    return p12;
  }

  fs::path dir_;
  fs::path ca_file_;
  test::Identity ca_;
};

AccountRecord record(const std::string& address) {
  AccountRecord r;
  r.address = address;
  r.provider = "fd-a.kim.telematik-test";
  r.telematik_id = "1-20467654300";
  r.card = "80276883110000100006";
  r.mandant_id = "Mandant1";
  r.client_system_id = "CS1";
  r.workplace_id = "kimgate-admin";
  return r;
}

TEST_F(AccountStoreTest, InstallsTheCertificateAndReadsItBackAfterARestart) {
  const std::string address = "B-467654300.KVH@fd-a.kim.telematik-test";
  {
    AccountStore store(dir_, ca_file_);
    EXPECT_TRUE(store.load().empty());
    ASSERT_FALSE(store.save(record(address)));
    EXPECT_EQ(store.tls_for(address), nullptr);
    auto installed = store.install(address, client_identity());
    ASSERT_TRUE(std::holds_alternative<InstalledCertificate>(installed)) << std::get<std::string>(installed);
    const auto& c = std::get<InstalledCertificate>(installed);
    EXPECT_EQ(c.sha256.size(), 64U);
    EXPECT_EQ(c.not_after.size(), 20U);  // 2027-12-04T18:00:00Z
    EXPECT_NE(store.tls_for(address), nullptr);
    EXPECT_NE(store.tls_for("b-467654300.kvh@FD-A.kim.telematik-test"), nullptr);  // case-insensitive
    EXPECT_EQ(store.tls_for("praxis.a@fd-a.kim.telematik-test"), nullptr);
    EXPECT_EQ(store.find(address)->certificate_sha256, c.sha256);
  }
  const fs::path key = dir_ / "accounts" / "b-467654300.kvh@fd-a.kim.telematik-test" / "client.key";
  struct stat st {};
  ASSERT_EQ(::stat(key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  std::ifstream registry(dir_ / "accounts.json");
  std::stringstream text;
  text << registry.rdbuf();
  EXPECT_NE(text.str().find(address), std::string::npos);

  AccountStore again(dir_, ca_file_);
  EXPECT_TRUE(again.load().empty());
  ASSERT_EQ(again.list().size(), 1U);
  EXPECT_EQ(again.list().front().card, "80276883110000100006");
  EXPECT_NE(again.tls_for(address), nullptr);
}

TEST_F(AccountStoreTest, RefusesAKeyOfAnotherCertificate) {
  AccountStore store(dir_, ca_file_);
  crypto::Pkcs12Contents p12 = client_identity();
  p12.key = test::make_key(test::KeyKind::rsa);
  auto installed = store.install("praxis.c@fd-a.kim.telematik-test", p12);
  ASSERT_TRUE(std::holds_alternative<std::string>(installed));
  EXPECT_NE(std::get<std::string>(installed).find("does not belong"), std::string::npos);
  EXPECT_EQ(store.tls_for("praxis.c@fd-a.kim.telematik-test"), nullptr);
}

TEST_F(AccountStoreTest, RefusesAddressesThatAreNoDirectoryName) {
  AccountStore store(dir_, ca_file_);
  for (const std::string bad : {"../etc@x", "a/b@fd-a.kim.telematik-test", "", ".hidden@x"}) {
    EXPECT_TRUE(store.save(record(bad))) << bad;
    EXPECT_TRUE(std::holds_alternative<std::string>(store.install(bad, client_identity()))) << bad;
  }
  EXPECT_TRUE(store.list().empty());
}

}  // namespace
}  // namespace kimgate::daemon
