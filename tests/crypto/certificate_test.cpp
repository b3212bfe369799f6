// Certificate facts and checks with an in-memory PKI (the test world's CRL and OCSP
// cases are in world_certificate_test.cpp).
#include "crypto/certificate.h"

#include <gtest/gtest.h>

#include "tests/crypto/test_pki.h"

namespace kimgate::crypto {
namespace {

using test::CertSpec;
using test::KeyKind;

const test::Identity& ca() {
  static const test::Identity c = test::make_ca("Cert Test CA");
  return c;
}

CertCheckOptions enc_options() {
  CertCheckOptions o;
  o.allowed_types = {CertType::hci_enc, CertType::hp_enc};
  o.roots = {ca().cert};
  return o;
}

TEST(CryptoCertificate, ReadsTelematikIdAndProfessionOid) {
  CertSpec spec;
  spec.telematik_id = "1-20461234500";
  spec.profession_oid = "1.2.276.0.76.4.50";
  const auto id = test::issue(ca(), spec);
  auto a = admission_of(id.cert);
  ASSERT_TRUE(a.ok()) << a.error;
  EXPECT_EQ(a.value->telematik_id, "1-20461234500");
  ASSERT_EQ(a.value->profession_oids.size(), 1u);
  EXPECT_EQ(a.value->profession_oids[0], "1.2.276.0.76.4.50");
  EXPECT_EQ(cert_type_of(id.cert), CertType::hci_enc);
  EXPECT_FALSE(admission_of(ca().cert).ok());
}

TEST(CryptoCertificate, GoodEncryptionCertificatePasses) {
  const auto id = test::issue(ca(), CertSpec{});
  const auto c = check_certificate(id.cert, enc_options());
  EXPECT_EQ(c.status, CertStatus::ok) << c.detail;
}

TEST(CryptoCertificate, DistinctResultsForTheBadCases) {
  CertSpec expired;
  expired.not_before_days = -800;
  expired.not_after_days = -30;
  EXPECT_EQ(check_certificate(test::issue(ca(), expired).cert, enc_options()).status, CertStatus::expired);

  CertSpec future;
  future.not_before_days = 10;
  EXPECT_EQ(check_certificate(test::issue(ca(), future).cert, enc_options()).status, CertStatus::not_yet_valid);

  CertSpec wrong_ku;
  wrong_ku.key_usage = "critical,digitalSignature";
  EXPECT_EQ(check_certificate(test::issue(ca(), wrong_ku).cert, enc_options()).status, CertStatus::wrong_key_usage);

  CertSpec osig;
  osig.key_usage = "critical,nonRepudiation";
  osig.policies = "1.2.276.0.76.4.163,1.2.276.0.76.4.78";
  EXPECT_EQ(check_certificate(test::issue(ca(), osig).cert, enc_options()).status, CertStatus::wrong_type);

  const test::Identity other_ca = test::make_ca("Other CA");
  EXPECT_EQ(check_certificate(test::issue(other_ca, CertSpec{}).cert, enc_options()).status, CertStatus::untrusted);
}

TEST(CryptoCertificate, DifferentTelematikIdsAreRecognised) {
  CertSpec a;
  a.telematik_id = "1-20469999904";
  CertSpec b = a;
  b.kind = KeyKind::brainpool;
  b.key_usage = "critical,keyAgreement";
  const auto x = test::issue(ca(), a);
  const auto y = test::issue(ca(), b);
  EXPECT_EQ(check_same_telematik_id({x.cert, y.cert}).status, CertStatus::ok);
  b.telematik_id = "1-20469999905";
  const auto z = test::issue(ca(), b);
  EXPECT_EQ(check_same_telematik_id({x.cert, z.cert}).status, CertStatus::different_telematik_id);
}

}  // namespace
}  // namespace kimgate::crypto
