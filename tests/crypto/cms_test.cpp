// CMS building blocks: DER, base64, recipient-emails, SignedData and AuthEnvelopedData
// with keys generated per test (RSA-2048 and brainpoolP256r1).
#include <gtest/gtest.h>

#include <algorithm>

#include "crypto/auth_enveloped.h"
#include "crypto/der.h"
#include "crypto/oids.h"
#include "crypto/ossl.h"
#include "crypto/recipient_emails.h"
#include "crypto/signed_data.h"
#include "tests/crypto/test_pki.h"

namespace kimgate::crypto {
namespace {

using test::CertSpec;
using test::Identity;
using test::KeyKind;

struct Pki {
  Identity ca = test::make_ca("Test CA");
  Identity enc_rsa = test::issue(ca, CertSpec{});
  Identity enc_ecc = test::issue(ca, CertSpec{KeyKind::brainpool, "enc ecc", "critical,keyAgreement"});
  Identity enc_ecc2 = test::issue(ca, CertSpec{KeyKind::brainpool, "enc ecc 2", "critical,keyAgreement"});
  Identity osig_rsa = test::issue(
      ca, CertSpec{KeyKind::rsa, "osig rsa", "critical,nonRepudiation", "1.2.276.0.76.4.163,1.2.276.0.76.4.78"});
  Identity osig_ecc = test::issue(
      ca, CertSpec{KeyKind::brainpool, "osig ecc", "critical,nonRepudiation", "1.2.276.0.76.4.163,1.2.276.0.76.4.78"});
};

const Pki& pki() {
  static const Pki p;
  return p;
}

Bytes emails_for(const std::vector<std::pair<std::string, const Identity*>>& list) {
  std::vector<RecipientEmail> entries;
  for (const auto& [addr, id] : list) {
    entries.push_back({addr, *issuer_and_serial(id->cert.der).value});
  }
  return encode_recipient_emails(entries);
}

TEST(CryptoDer, OidRoundTripAndTruncation) {
  const Bytes o = der::oid(oids::recipient_emails);
  auto t = der::read(der::view(o));
  ASSERT_TRUE(t);
  EXPECT_EQ(der::oid_text(t->contents), "1.2.276.0.76.4.173");
  Bytes cut(o.begin(), o.end() - 1);
  EXPECT_FALSE(der::read(der::view(cut)));
  const Bytes big = der::octet_string(der::view(Bytes(300, 7)));
  EXPECT_EQ(big[1], 0x82);  // long-form length
  EXPECT_EQ(der::read(der::view(big))->contents.size(), 300u);
}

TEST(CryptoDer, IndefiniteLengthConstructedOctetsAreConcatenated) {
  // BER: [0] constructed indefinite, two OCTET STRING chunks, end-of-contents
  const Bytes ber{0xA0, 0x80, 0x04, 0x02, 'a', 'b', 0x04, 0x01, 'c', 0x00, 0x00};
  auto t = der::read(der::view(ber));
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->indefinite);
  EXPECT_EQ(to_string(*der::octets(*t)), "abc");
}

TEST(CryptoBase64, RoundTripAndRejects) {
  const Bytes data = to_bytes("Hallo|Welt\xff\x00");
  const std::string b = base64_encode(der::view(data));
  EXPECT_EQ(*base64_decode(b).value, data);
  EXPECT_EQ(*base64_decode("SGFs\r\nbG8=\r\n").value, to_bytes("Hallo"));
  EXPECT_FALSE(base64_decode("SGF*bG8=").ok());
  EXPECT_FALSE(base64_decode("SG=sbG8=").ok());
  EXPECT_FALSE(base64_decode("SGFsb").ok());
}

TEST(CryptoRecipientEmails, WritesOneSequencePerAttributeValue) {
  const Bytes attr = emails_for({{"a@x.kim.telematik", &pki().enc_rsa}, {"b@y.kim.telematik", &pki().enc_ecc}});
  auto outer = der::read(der::view(attr));
  ASSERT_TRUE(outer);
  auto parts = der::children(*outer);
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[1].tag, der::kSet);
  auto values = der::children((*parts)[1]);
  ASSERT_EQ(values->size(), 2u);  // §12 item 19: the SET holds the SEQUENCEs directly
  for (const auto& v : *values) {
    EXPECT_EQ(v.tag, der::kSequence);
  }
  auto parsed = parse_recipient_emails(der::view(attr));
  ASSERT_TRUE(parsed.ok()) << parsed.error;
  ASSERT_EQ(parsed.value->size(), 2u);
  EXPECT_EQ(rids_for_address(*parsed.value, "A@X.KIM.TELEMATIK").size(), 1u);
}

TEST(CryptoRecipientEmails, ReadsTheWrappedShapeToo) {
  const Bytes attr = emails_for({{"a@x", &pki().enc_rsa}, {"b@y", &pki().enc_ecc}});
  auto direct = parse_recipient_emails(der::view(attr));
  // Re-wrap the two SEQUENCEs in an inner SET: SEQUENCE { OID, SET { SET { seq, seq } } }
  auto outer = der::read(der::view(attr));
  auto parts = der::children(*outer);
  const Bytes wrapped = der::seq({der::copy((*parts)[0].raw), der::tlv(der::kSet, der::copy((*parts)[1].raw))});
  auto parsed = parse_recipient_emails(der::view(wrapped));
  ASSERT_TRUE(parsed.ok()) << parsed.error;
  EXPECT_TRUE(same_recipient_emails(*parsed.value, *direct.value));
}

TEST(CryptoRecipientEmails, RejectsMalformedEntries) {
  const Bytes bad = der::seq({der::oid(oids::recipient_emails), der::set_of({der::seq({der::ia5("a@x")})})});
  EXPECT_FALSE(parse_recipient_emails(der::view(bad)).ok());
  const Bytes other = der::seq({der::oid(oids::data), der::set_of({der::null()})});
  EXPECT_FALSE(parse_recipient_emails(der::view(other)).ok());
}

class CryptoSignedData : public ::testing::TestWithParam<KeyKind> {};

TEST_P(CryptoSignedData, SignsAndVerifiesTheProfile) {
  const Identity& signer = GetParam() == KeyKind::rsa ? pki().osig_rsa : pki().osig_ecc;
  SignInput in;
  in.content = to_bytes("Content-Type: message/rfc822\r\n\r\nFrom: a@x\r\n\r\nHallo\r\n");
  in.signer_cert_der = signer.cert.der;
  in.recipient_emails = emails_for({{"a@x", &pki().enc_rsa}});
  in.signing_time = 1790000000;
  bool called = false;
  const SignFn key_sign = sign_with_key(signer.key.get());
  SignFn sign = [&](const SignRequest& r) {
    called = true;
    EXPECT_EQ(r.digest, sha256(der::view(r.to_be_signed)));
    EXPECT_EQ(r.to_be_signed[0], der::kSet);
    EXPECT_EQ(r.algorithm,
              GetParam() == KeyKind::rsa ? SignatureAlgorithm::rsassa_pss_sha256 : SignatureAlgorithm::ecdsa_sha256);
    return key_sign(r);
  };
  auto sd = sign_signed_data(in, sign);
  ASSERT_TRUE(sd.ok()) << sd.error;
  EXPECT_TRUE(called);
  auto v = verify_signed_data(der::view(*sd.value));
  EXPECT_EQ(v.status, SignatureStatus::valid) << v.detail;
  EXPECT_EQ(v.content, in.content);
  EXPECT_EQ(v.signer_cert_der, signer.cert.der);
  ASSERT_TRUE(v.has_recipient_emails);
  EXPECT_EQ(v.recipient_emails.front().address, "a@x");

  // One changed byte of the eContent: the messageDigest no longer matches.
  Bytes tampered = *sd.value;
  const std::string needle = "Hallo";
  auto it = std::search(tampered.begin(), tampered.end(), needle.begin(), needle.end());
  ASSERT_NE(it, tampered.end());
  *it = 'X';
  EXPECT_EQ(verify_signed_data(der::view(tampered)).status, SignatureStatus::invalid);
}

INSTANTIATE_TEST_SUITE_P(Keys, CryptoSignedData, ::testing::Values(KeyKind::rsa, KeyKind::brainpool));

TEST(CryptoSignedData, RejectsNonSignedDataAndGarbage) {
  EXPECT_EQ(verify_signed_data(der::view(to_bytes("garbage"))).status, SignatureStatus::format_error);
  const Bytes ci = der::seq({der::oid(oids::data), der::tlv(der::context(0, true), der::octet_string({}))});
  EXPECT_EQ(verify_signed_data(der::view(ci)).status, SignatureStatus::missing);
}

TEST(CryptoSignedData, SignFailureIsReported) {
  SignInput in;
  in.content = to_bytes("x");
  in.signer_cert_der = pki().osig_rsa.cert.der;
  in.recipient_emails = emails_for({{"a@x", &pki().enc_rsa}});
  auto r = sign_signed_data(in, [](const SignRequest&) { return Result<Bytes>::failure("card removed"); });
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error.find("card removed"), std::string::npos);
}

struct Sealed {
  Bytes cms;
  Bytes content;
};

Sealed seal_for_both(const std::string& b_address) {
  EnvelopeInput in;
  in.content = to_bytes("signed entity bytes \r\n\x00\x01");
  in.recipient_certs = {pki().enc_rsa.cert.der, pki().enc_ecc.cert.der};
  in.recipient_emails = emails_for({{"a@x", &pki().enc_rsa}, {b_address, &pki().enc_ecc}});
  auto r = seal_auth_enveloped(in);
  EXPECT_TRUE(r.ok()) << r.error;
  return {*r.value, in.content};
}

TEST(CryptoAuthEnveloped, OpensForRsaAndEccRecipients) {
  const Sealed s = seal_for_both("b@y");
  auto a = open_auth_enveloped(der::view(s.cms), "a@x",
                               {key_access_from_pkey(pki().enc_rsa.key.get(), pki().enc_rsa.cert.der)});
  ASSERT_TRUE(a.opened) << a.detail;
  EXPECT_EQ(a.opened->content, s.content);
  EXPECT_EQ(a.opened->recipient_emails.size(), 2u);
  auto b = open_auth_enveloped(der::view(s.cms), "B@Y",
                               {key_access_from_pkey(pki().enc_ecc.key.get(), pki().enc_ecc.cert.der)});
  ASSERT_TRUE(b.opened) << b.detail;
  EXPECT_EQ(b.opened->content, s.content);
  auto emails = envelope_recipient_emails(der::view(s.cms));
  ASSERT_TRUE(emails.ok());
  EXPECT_EQ(emails.value->size(), 2u);
}

std::size_t occurrences(const Bytes& haystack, const Bytes& needle) {
  std::size_t n = 0;
  for (auto it = haystack.begin();
       (it = std::search(it, haystack.end(), needle.begin(), needle.end())) != haystack.end(); ++it) {
    ++n;
  }
  return n;
}

TEST(CryptoAuthEnveloped, RecipientsOnOneCurveShareOneEphemeralKeyAndEachOpens) {
  EnvelopeInput in;
  in.content = to_bytes("for two brainpool keys");
  in.recipient_certs = {pki().enc_ecc.cert.der, pki().enc_rsa.cert.der, pki().enc_ecc2.cert.der};
  in.recipient_emails = emails_for({{"b@y", &pki().enc_ecc}, {"a@x", &pki().enc_rsa}, {"c@z", &pki().enc_ecc2}});
  auto r = seal_auth_enveloped(in);
  ASSERT_TRUE(r.ok()) << r.error;
  const Bytes kari_version_and_originator{0x02, 0x01, 0x03, 0xa0};  // KeyAgreeRecipientInfo: version 3, [0]
  EXPECT_EQ(occurrences(*r.value, kari_version_and_originator), 1u) << "one KeyAgreeRecipientInfo for the curve";
  const std::pair<const char*, const Identity*> ecc_recipients[] = {{"b@y", &pki().enc_ecc}, {"c@z", &pki().enc_ecc2}};
  for (const auto& [address, id] : ecc_recipients) {
    auto opened =
        open_auth_enveloped(der::view(*r.value), address, {key_access_from_pkey(id->key.get(), id->cert.der)});
    ASSERT_TRUE(opened.opened) << address << ": " << opened.detail;
    EXPECT_EQ(opened.opened->content, in.content);
  }
}

TEST(CryptoAuthEnveloped, KeyOfAnotherAddressIsNeverUsed) {
  const Sealed s = seal_for_both("b@y");
  // a@x's key is unlocked, but the fetching user is b@y: KOM-LE-A_2043.
  auto r = open_auth_enveloped(der::view(s.cms), "b@y",
                               {key_access_from_pkey(pki().enc_rsa.key.get(), pki().enc_rsa.cert.der)});
  EXPECT_FALSE(r.opened);
  EXPECT_EQ(r.error, OpenError::no_key);
  auto n = open_auth_enveloped(der::view(s.cms), "c@z",
                               {key_access_from_pkey(pki().enc_rsa.key.get(), pki().enc_rsa.cert.der)});
  EXPECT_EQ(n.error, OpenError::not_addressed);
}

TEST(CryptoAuthEnveloped, FlippedCiphertextByteFailsAuthentication) {
  Sealed s = seal_for_both("b@y");
  // The encryptedContent [0] sits after the GCM parameters; flip a byte of the ciphertext.
  const Bytes needle = to_bytes("signed");  // not present in ciphertext, so locate by structure instead
  (void)needle;
  auto ci = der::read(der::view(s.cms));
  auto outer = der::children(*ci);
  auto aed = der::read((*outer)[1].contents);
  auto fields = der::children(*aed);
  auto aeci = der::children((*fields)[2]);
  const der::Tlv& ec = (*aeci)[2];
  const std::size_t offset = static_cast<std::size_t>(ec.contents.data() - s.cms.data());
  s.cms[offset + 3] ^= 0x01;
  auto r = open_auth_enveloped(der::view(s.cms), "a@x",
                               {key_access_from_pkey(pki().enc_rsa.key.get(), pki().enc_rsa.cert.der)});
  EXPECT_FALSE(r.opened);
  EXPECT_EQ(r.error, OpenError::authentication);
}

TEST(CryptoAuthEnveloped, CardCallbackFailureIsAKeyOperationError) {
  const Sealed s = seal_for_both("b@y");
  KeyAccess k;
  k.cert_der = pki().enc_rsa.cert.der;
  k.rsa_raw = [](const Bytes&) { return Result<Bytes>::failure("card not inserted"); };
  auto r = open_auth_enveloped(der::view(s.cms), "a@x", {k});
  EXPECT_EQ(r.error, OpenError::key_operation);
}

TEST(CryptoAuthEnveloped, GarbageIsAFormatError) {
  EXPECT_EQ(open_auth_enveloped(der::view(to_bytes("\x30\x03\x02\x01\x00")), "a@x", {}).error, OpenError::format);
  EXPECT_EQ(open_auth_enveloped(der::view(Bytes{}), "a@x", {}).error, OpenError::format);
}

}  // namespace
}  // namespace kimgate::crypto
