// crypto::read_pkcs12_file: modern and legacy (RC2-40 / 3DES / SHA-1 MAC, `openssl pkcs12
// -export -legacy`, what many Konnektors export and gematik's test material uses) PKCS#12 files,
// and a sentence that says which file failed and why. The files are made here with the openssl
// command-line tool.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "crypto/ossl.h"

namespace kimgate::crypto {
namespace {

namespace fs = std::filesystem;

class Pkcs12Files : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::path(::testing::TempDir()) / "kimgate-pkcs12";
    fs::create_directories(dir_);
    const std::string d = dir_.string();
    const std::string make = "openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=legacy-test -days 2 -keyout " + d +
                             "/k.pem -out " + d + "/c.pem 2>/dev/null && openssl pkcs12 -export -legacy -in " + d +
                             "/c.pem -inkey " + d + "/k.pem -name konnektor -passout pass:geheim -out " + d +
                             "/legacy.p12 && openssl pkcs12 -export -in " + d + "/c.pem -inkey " + d +
                             "/k.pem -passout pass:geheim -out " + d + "/modern.p12";
    ASSERT_EQ(std::system(make.c_str()), 0);
  }
  static fs::path dir_;
};
fs::path Pkcs12Files::dir_;

TEST_F(Pkcs12Files, LegacyAlgorithmsAreRead) {
  const auto r = read_pkcs12_file(dir_ / "legacy.p12", "geheim");
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_TRUE(r.value->key);
  EXPECT_FALSE(r.value->cert.der.empty());
  EXPECT_EQ(r.value->friendly_name, "konnektor");
  // The key works in the default library context (a signature verifies with the certificate).
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  const unsigned char data[] = "kim";
  unsigned char sig[512];
  std::size_t sig_len = sizeof sig;
  ASSERT_EQ(EVP_DigestSignInit(md, nullptr, EVP_sha256(), nullptr, r.value->key.get()), 1);
  ASSERT_EQ(EVP_DigestSign(md, sig, &sig_len, data, 3), 1);
  EVP_MD_CTX_free(md);
  md = EVP_MD_CTX_new();
  ASSERT_EQ(EVP_DigestVerifyInit(md, nullptr, EVP_sha256(), nullptr, X509_get0_pubkey(r.value->cert.x509.get())), 1);
  EXPECT_EQ(EVP_DigestVerify(md, sig, sig_len, data, 3), 1);
  EVP_MD_CTX_free(md);
}

TEST_F(Pkcs12Files, ModernFilesStillRead) {
  const auto r = read_pkcs12_file(dir_ / "modern.p12", "geheim");
  ASSERT_TRUE(r.ok()) << r.error;
}

TEST_F(Pkcs12Files, AWrongPasswordIsNamedWithTheFile) {
  for (const char* name : {"legacy.p12", "modern.p12"}) {
    const auto r = read_pkcs12_file(dir_ / name, "falsch");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error.find(name), std::string::npos) << r.error;
    EXPECT_NE(r.error.find("the password is wrong"), std::string::npos) << r.error;
  }
}

}  // namespace
}  // namespace kimgate::crypto
