// Certificate checks against the test world's PKI: the awkward participants (expired,
// revoked via the CRL, wrong key usage, two TelematikIDs for one address) each give a
// distinct result, and the good ones pass. Needs the CTest fixture `world`.
#include <gtest/gtest.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "crypto/certificate.h"
#include "crypto/ocsp.h"

namespace kimgate::crypto {
namespace {

Bytes slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(f), {});
}

const nlohmann::json& world() {
  static const nlohmann::json w = [] {
    const char* dir = std::getenv("KIMGATE_WORLD_DIR");
    const std::string path = std::string(dir != nullptr ? dir : "build/world") + "/world.json";
    std::ifstream f(path);
    return nlohmann::json::parse(f, nullptr, false);
  }();
  return w;
}

Certificate cert_of(const std::string& participant, const std::string& label) {
  const auto path = world()["participants"][participant]["keys"][label]["cert_pem"].get<std::string>();
  return *certificate_from_pem_or_der(slurp(path)).value;
}

CertCheckOptions options() {
  CertCheckOptions o;
  o.allowed_types = {CertType::hci_enc, CertType::hp_enc};
  for (auto& c : certificates_from_pem(slurp(world()["pki"]["ca_bundle_pem"].get<std::string>()))) {
    if (X509_check_issued(c.x509.get(), c.x509.get()) == X509_V_OK) {
      o.roots.push_back(std::move(c));
    } else {
      o.intermediates.push_back(std::move(c));
    }
  }
  o.crls_pem = {slurp(world()["pki"]["crls_pem"].get<std::string>())};
  return o;
}

class WorldCertificates : public ::testing::Test {
 protected:
  void SetUp() override {
    if (world().is_discarded() || !world().contains("participants")) {
      const char* dir = std::getenv("KIMGATE_WORLD_DIR");
      GTEST_FAIL() << "world.json not readable in " << (dir != nullptr ? dir : "(KIMGATE_WORLD_DIR unset)")
                   << "; is the world fixture up?";
    }
  }
};

TEST_F(WorldCertificates, GoodEncryptionCertificatesPass) {
  for (const char* label : {"C.HCI.ENC.RSA", "C.HCI.ENC.ECC"}) {
    const auto c = check_certificate(cert_of("praxis_b", label), options());
    EXPECT_EQ(c.status, CertStatus::ok) << label << ": " << c.detail;
  }
  const auto hp = check_certificate(cert_of("arzt_a", "C.HP.ENC.RSA"), options());
  EXPECT_EQ(hp.status, CertStatus::ok) << hp.detail;
}

TEST_F(WorldCertificates, AwkwardCasesGiveDistinctResults) {
  EXPECT_EQ(check_certificate(cert_of("expired", "C.HCI.ENC.RSA"), options()).status, CertStatus::expired);
  EXPECT_EQ(check_certificate(cert_of("revoked", "C.HCI.ENC.RSA"), options()).status, CertStatus::revoked);
  EXPECT_EQ(check_certificate(cert_of("wrongku", "C.HCI.ENC.RSA"), options()).status, CertStatus::wrong_key_usage);
  EXPECT_EQ(
      check_same_telematik_id({cert_of("twoids_1", "C.HCI.ENC.RSA"), cert_of("twoids_2", "C.HCI.ENC.RSA")}).status,
      CertStatus::different_telematik_id);
  EXPECT_EQ(
      check_same_telematik_id({cert_of("praxis_b", "C.HCI.ENC.RSA"), cert_of("praxis_b", "C.HCI.ENC.ECC")}).status,
      CertStatus::ok);
}

TEST_F(WorldCertificates, RevokedIsOnlyFoundWithTheCrl) {
  auto o = options();
  o.crls_pem.clear();
  EXPECT_EQ(check_certificate(cert_of("revoked", "C.HCI.ENC.RSA"), o).status, CertStatus::ok);
}

TEST_F(WorldCertificates, AdmissionOfWorldCertificates) {
  auto a = admission_of(cert_of("praxis_a", "C.HCI.OSIG.RSA"));
  ASSERT_TRUE(a.ok()) << a.error;
  EXPECT_EQ(a.value->telematik_id, world()["participants"]["praxis_a"]["telematik_id"].get<std::string>());
  ASSERT_FALSE(a.value->profession_oids.empty());
  EXPECT_EQ(a.value->profession_oids.front(), world()["participants"]["praxis_a"]["profession_oid"].get<std::string>());
  EXPECT_EQ(cert_type_of(cert_of("praxis_a", "C.HCI.OSIG.ECC")), CertType::hci_osig);
  EXPECT_EQ(cert_type_of(cert_of("arzt_a", "C.HP.ENC.ECC")), CertType::hp_enc);
}

Certificate smcb_ca() {
  return *certificate_from_pem_or_der(slurp(world()["pki"]["cas"]["smcb"]["cert_pem"].get<std::string>())).value;
}

std::vector<Certificate> root() {
  return certificates_from_pem(slurp(world()["pki"]["root_pem"].get<std::string>()));
}

// The world's OCSP responder's answer about one participant's C.HCI.ENC.RSA. crypto/ does no
// I/O; the test posts the request with curl and hands the response bytes back.
Bytes fetch_ocsp(const std::string& participant) {
  auto req = ocsp_request(cert_of(participant, "C.HCI.ENC.RSA"), smcb_ca());
  EXPECT_TRUE(req.ok()) << req.error;
  const std::string base = "/tmp/kimgate-ocsp-" + std::to_string(getpid()) + "-" + participant;
  {
    std::ofstream f(base + ".req", std::ios::binary);
    f.write(reinterpret_cast<const char*>(req.value->data()), static_cast<std::streamsize>(req.value->size()));
  }
  const std::string cmd = "curl -sf --max-time 20 -H 'Content-Type: application/ocsp-request' --data-binary @" + base +
                          ".req -o " + base + ".resp " + world()["pki"]["cas"]["smcb"]["ocsp_url"].get<std::string>();
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  Bytes resp = slurp(base + ".resp");
  std::remove((base + ".req").c_str());
  std::remove((base + ".resp").c_str());
  return resp;
}

TEST_F(WorldCertificates, OcspResponderSaysGoodAndRevoked) {
  const auto good = ocsp_status(fetch_ocsp("praxis_b"), cert_of("praxis_b", "C.HCI.ENC.RSA"), smcb_ca(), root());
  EXPECT_EQ(good.status, CertStatus::ok) << good.detail;
  const auto revoked = ocsp_status(fetch_ocsp("revoked"), cert_of("revoked", "C.HCI.ENC.RSA"), smcb_ca(), root());
  EXPECT_EQ(revoked.status, CertStatus::revoked) << revoked.detail;
}

TEST_F(WorldCertificates, OcspResponseMustCoverTheCertificateAndBeTrusted) {
  const Bytes about_b = fetch_ocsp("praxis_b");
  // A "good" answer about praxis_b says nothing about the revoked certificate.
  EXPECT_EQ(ocsp_status(about_b, cert_of("revoked", "C.HCI.ENC.RSA"), smcb_ca(), root()).status, CertStatus::malformed);
  // Without the TI root the responder is not trusted.
  EXPECT_EQ(ocsp_status(about_b, cert_of("praxis_b", "C.HCI.ENC.RSA"), smcb_ca(), {}).status, CertStatus::untrusted);
  EXPECT_EQ(ocsp_status(to_bytes("junk"), cert_of("praxis_b", "C.HCI.ENC.RSA"), smcb_ca(), root()).status,
            CertStatus::malformed);
}

}  // namespace
}  // namespace kimgate::crypto
