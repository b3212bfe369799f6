// The whole KIM profile through seal_message/open_message (what kimctl message seal/open
// run): results of §5.3–§5.6 for good messages and for each tampering case.
#include <gtest/gtest.h>

#include <functional>

#include "admin/message_command.h"
#include "crypto/auth_enveloped.h"
#include "crypto/ossl.h"
#include "crypto/recipient_emails.h"
#include "crypto/signed_data.h"
#include "kim/kom_le.h"
#include "tests/crypto/test_pki.h"

namespace kimgate::admin {
namespace {

using crypto::Bytes;
using test::CertSpec;
using test::KeyKind;

constexpr const char* kA = "praxis.a@fd-a.kim.telematik-test";
constexpr const char* kB = "praxis.b@fd-b.kim.telematik-test";

const std::string kClient =
    "From: Praxis A <praxis.a@fd-a.kim.telematik-test>\r\n"
    "To: praxis.b@fd-b.kim.telematik-test\r\n"
    "Subject: Befund\r\n"
    "Date: Mon, 23 Nov 2026 10:00:00 +0100\r\n"
    "Message-ID: <550e8400-e29b-41d4-a716-446655440000@kim.local>\r\n"
    "X-KIM-Dienstkennung: KIM-Mail;Default;V1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "Hallo Praxis B\r\n";

struct World {
  test::Identity ca = test::make_ca("Message Test CA");
  test::Identity osig = test::issue(
      ca, CertSpec{KeyKind::rsa, "osig", "critical,nonRepudiation", "1.2.276.0.76.4.163,1.2.276.0.76.4.78"});
  test::Identity enc_a = test::issue(ca, CertSpec{});
  test::Identity enc_b_rsa = test::issue(ca, CertSpec{});
  test::Identity enc_b_ecc = test::issue(ca, CertSpec{KeyKind::brainpool, "b ecc", "critical,keyAgreement"});
};
const World& world() {
  static const World w;
  return w;
}

std::vector<std::pair<std::string, Bytes>> recipients() {
  return {{kB, world().enc_b_rsa.cert.der}, {kB, world().enc_b_ecc.cert.der}, {kA, world().enc_a.cert.der}};
}

Bytes emails(const std::vector<std::pair<std::string, Bytes>>& list) {
  std::vector<crypto::RecipientEmail> e;
  for (const auto& [a, c] : list) {
    e.push_back({a, *crypto::issuer_and_serial(c).value});
  }
  return crypto::encode_recipient_emails(e);
}

// Builds a KIM mail like seal_message, with hooks to tamper between the steps.
std::string build(const Bytes& signed_emails, const Bytes& enveloped_emails,
                  const std::function<void(Bytes&)>& mutate_signed_der = {}) {
  crypto::SignInput in;
  in.content = crypto::to_bytes(kim::signed_content(kClient));
  in.signer_cert_der = world().osig.cert.der;
  in.recipient_emails = signed_emails;
  in.signing_time = 1795000000;
  auto sd = crypto::sign_signed_data(in, crypto::sign_with_key(world().osig.key.get()));
  EXPECT_TRUE(sd.ok()) << sd.error;
  Bytes der = *sd.value;
  if (mutate_signed_der) {
    mutate_signed_der(der);
  }
  crypto::EnvelopeInput ein;
  ein.content = crypto::to_bytes(kim::signed_data_entity(crypto::to_string(der)));
  for (const auto& r : recipients()) {
    ein.recipient_certs.push_back(r.second);
  }
  ein.recipient_emails = enveloped_emails;
  auto cms = crypto::seal_auth_enveloped(ein);
  EXPECT_TRUE(cms.ok()) << cms.error;
  return *kim::build_outer_message(kClient, crypto::base64_encode_lines(crypto::der::view(*cms.value)), {});
}

OpenOutcome open_as(const std::string& mail, const std::string& address, const test::Identity& key,
                    bool with_trust = true) {
  OpenRequest req;
  req.input = mail;
  req.address = address;
  req.keys.push_back(crypto::key_access_from_pkey(key.key.get(), key.cert.der));
  if (with_trust) {
    req.trust_roots = {world().ca.cert};
  }
  req.generated = {"<generated@kimgate.local>", "Mon, 23 Nov 2026 12:00:00 +0000"};
  return open_message(req);
}

std::string sealed_normally() {
  SealRequest s;
  s.client_mail = kClient;
  s.signer_cert = world().osig.cert.der;
  s.sign = crypto::sign_with_key(world().osig.key.get());
  s.recipients = recipients();
  auto r = seal_message(s);
  EXPECT_TRUE(r.ok()) << r.error;
  return *r.value;
}

TEST(KimMessage, SealedMessageOpensForRsaAndEccKeys) {
  const std::string mail = sealed_normally();
  EXPECT_NE(mail.find("Subject: KOM-LE-Nachricht\r\n"), std::string::npos);
  EXPECT_NE(mail.find("X-KOM-LE-Version: 1.0\r\n"), std::string::npos);
  EXPECT_NE(mail.find("X-KIM-Dienstkennung: KIM-Mail;Default;V1.0\r\n"), std::string::npos);
  EXPECT_EQ(mail.find("Subject: Befund"), std::string::npos);
  for (const auto* key : {&world().enc_b_rsa, &world().enc_b_ecc}) {
    const auto o = open_as(mail, kB, *key);
    EXPECT_TRUE(o.decrypted);
    EXPECT_EQ(o.decryption_result, "00");
    EXPECT_EQ(o.integrity_result, "01") << o.verdict;
    EXPECT_NE(o.mail.find("X-KIM-DecryptionResult: 00\r\n"), std::string::npos);
    EXPECT_NE(o.mail.find("X-KIM-IntegrityCheckResult: 01\r\n"), std::string::npos);
    EXPECT_NE(o.mail.find("Subject: Befund\r\n"), std::string::npos);
    EXPECT_NE(o.mail.find("Die Nachricht wurde entschlüsselt.\r\nDie Signatur wurde erfolgreich geprüft."),
              std::string::npos);
  }
  // The sender can read his own copy.
  EXPECT_EQ(open_as(mail, kA, world().enc_a).decryption_result, "00");
}

TEST(KimMessage, WithoutTrustAnchorsTheStatusIsNotCheckable) {
  const auto o = open_as(sealed_normally(), kB, world().enc_b_rsa, false);
  EXPECT_EQ(o.integrity_result, "07");
}

TEST(KimMessage, BareCmsInBase64AndDerIsAccepted) {
  const std::string mail = sealed_normally();
  auto parts = kim::parse_outer_message(mail);
  ASSERT_TRUE(parts);
  const std::string b64(parts->smime_body);
  EXPECT_EQ(open_as(b64, kB, world().enc_b_rsa).integrity_result, "01");
  const Bytes der = *crypto::base64_decode(b64).value;
  EXPECT_EQ(open_as(crypto::to_string(der), kB, world().enc_b_ecc).integrity_result, "01");
}

TEST(KimMessage, FlippedCiphertextByteIsDecryptionResult02) {
  std::string mail = sealed_normally();
  auto parts = kim::parse_outer_message(mail);
  Bytes der = *crypto::base64_decode(parts->smime_body).value;
  // Locate the encryptedContent [0] of authEncryptedContentInfo by structure and flip one byte.
  auto ci = crypto::der::read(crypto::der::view(der));
  auto aed = crypto::der::read((*crypto::der::children(*ci))[1].contents);
  auto aeci = crypto::der::children((*crypto::der::children(*aed))[2]);
  const auto& ec = (*aeci)[2];
  ASSERT_EQ(ec.tag, 0x80);
  der[static_cast<std::size_t>(ec.contents.data() - der.data()) + ec.contents.size() / 2] ^= 0x01;
  const std::string header(mail.substr(0, mail.size() - parts->smime_body.size()));
  const auto o = open_as(header + crypto::base64_encode_lines(crypto::der::view(der)), kB, world().enc_b_rsa);
  EXPECT_FALSE(o.decrypted);
  EXPECT_EQ(o.decryption_result, "02");
  EXPECT_NE(o.mail.find("X-KIM-DecryptionResult: 02\r\n"), std::string::npos);
  EXPECT_NE(o.mail.find("X-KIM-Fehlermeldung: 4010\r\n"), std::string::npos);
  EXPECT_NE(o.mail.find("=?UTF-8?Q?Die_Nachricht_konnte_nicht_entschl=C3=BCsselt_werden?="), std::string::npos);
  EXPECT_NE(o.mail.find(header.substr(0, 100)), std::string::npos);  // the original is embedded
}

TEST(KimMessage, NotAddressedIsDecryptionResult01) {
  const auto o = open_as(sealed_normally(), "someone.else@fd-b.kim.telematik-test", world().enc_b_rsa);
  EXPECT_FALSE(o.decrypted);
  EXPECT_EQ(o.decryption_result, "01");
  EXPECT_NE(o.mail.find("(someone.else@fd-b.kim.telematik-test) weiter."), std::string::npos);
  EXPECT_NE(o.mail.find("X-KIM-Fehlermeldung: 4009\r\n"), std::string::npos);
}

TEST(KimMessage, ChangedSignedContentIsIntegrity02) {
  const Bytes e = emails(recipients());
  const std::string mail = build(e, e, [](Bytes& der) {
    const std::string needle = "Hallo Praxis B";
    auto it = std::search(der.begin(), der.end(), needle.begin(), needle.end());
    ASSERT_NE(it, der.end());
    *it = 'X';
  });
  const auto o = open_as(mail, kB, world().enc_b_rsa);
  EXPECT_TRUE(o.decrypted);
  EXPECT_EQ(o.integrity_result, "02");
  EXPECT_NE(o.mail.find("Beim Empfang dieser KIM-Nachricht wurde eine Sicherheitsverletzung erkannt."),
            std::string::npos);
  EXPECT_NE(o.mail.find("X-KIM-IntegrityCheckResult: 02\r\n"), std::string::npos);
  EXPECT_NE(o.mail.find("Content-Type: message/rfc822"), std::string::npos);
}

TEST(KimMessage, DifferentRecipientEmailsAreIntegrity09) {
  auto more = recipients();
  more.emplace_back("intruder@fd-x.kim.telematik-test", world().enc_a.cert.der);
  const std::string mail = build(emails(recipients()), emails(more));
  const auto o = open_as(mail, kB, world().enc_b_ecc);
  EXPECT_TRUE(o.decrypted);
  EXPECT_EQ(o.integrity_result, "09");
  EXPECT_NE(o.mail.find("X-KIM-Fehlermeldung: 4015\r\n"), std::string::npos);
}

TEST(KimMessage, OuterFromDifferingFromInnerIsIntegrity08) {
  std::string mail = sealed_normally();
  const std::string from = "From: Praxis A <praxis.a@fd-a.kim.telematik-test>\r\n";
  const auto at = mail.find(from);
  ASSERT_NE(at, std::string::npos);
  mail.replace(at, from.size(), "From: Mallory <mallory@fd-x.kim.telematik-test>\r\n");
  const auto o = open_as(mail, kB, world().enc_b_rsa);
  EXPECT_TRUE(o.decrypted);
  EXPECT_EQ(o.integrity_result, "08");
  EXPECT_NE(o.mail.find("X-KIM-Fehlermeldung: 4014\r\n"), std::string::npos);
}

TEST(KimMessage, CrLfCanonicalisedSignedDataIsIntegrity04) {
  const Bytes e = emails(recipients());
  bool changed = false;
  const std::string mail = build(e, e, [&changed](Bytes& der) {
    Bytes out;
    for (std::size_t i = 0; i < der.size(); ++i) {
      const auto c = der[i];
      if (c == 0x0a && (i == 0 || der[i - 1] != 0x0d)) {
        out.push_back(0x0d);
        changed = true;
      }
      out.push_back(c);
      if (c == 0x0d && (i + 1 == der.size() || der[i + 1] != 0x0a)) {
        out.push_back(0x0a);
        changed = true;
      }
    }
    der = out;
  });
  ASSERT_TRUE(changed) << "the DER happened to contain no lone CR/LF";
  const auto o = open_as(mail, kB, world().enc_b_rsa);
  EXPECT_TRUE(o.decrypted);
  EXPECT_EQ(o.decryption_result, "00");
  EXPECT_EQ(o.integrity_result, "04");
  EXPECT_NE(o.mail.find("X-KIM-DecryptionResult: 00\r\n"), std::string::npos);
  EXPECT_NE(o.mail.find("X-KIM-IntegrityCheckResult: 04\r\n"), std::string::npos);
  EXPECT_NE(o.mail.find("Sicherheitsverletzung"), std::string::npos);
}

TEST(KimMessage, UnsupportedVersionAndNonKimMail) {
  std::string mail = sealed_normally();
  mail.replace(mail.find("X-KOM-LE-Version: 1.0"), 21, "X-KOM-LE-Version: 9.9");
  const auto v = open_as(mail, kB, world().enc_b_rsa);
  EXPECT_FALSE(v.decrypted);
  EXPECT_NE(v.mail.find("X-KIM-Fehlermeldung: 4008\r\n"), std::string::npos);
  EXPECT_NE(v.mail.find("KIM-Version 9.9 nicht."), std::string::npos);
  const auto plain = open_as(kClient, kB, world().enc_b_rsa);
  EXPECT_FALSE(plain.decrypted);
  EXPECT_EQ(plain.mail, kClient);
}

}  // namespace
}  // namespace kimgate::admin
