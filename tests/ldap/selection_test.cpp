// Certificate selection rules (vzd-ldap.md §5) on certificate facts, and the TTL cache.
#include <gtest/gtest.h>

#include "ldap/cache.h"
#include "ldap/certificate.h"

namespace kimgate::ldap {
namespace {

using namespace std::chrono_literals;

const SystemTime kNow = std::chrono::system_clock::from_time_t(1'750'000'000);

CertInfo enc(KeyType key, std::string telematik_id, std::string der) {
  CertInfo c;
  c.der = std::move(der);
  c.sha256_hex = "h-" + c.der;
  c.parsed = true;
  c.key_type = key;
  c.has_key_usage = true;
  c.key_encipherment = key == KeyType::rsa;
  c.key_agreement = key == KeyType::ecc;
  c.policies = {"1.2.276.0.76.4.163", std::string(kOidPolicyHciEnc)};
  c.not_before = kNow - 24h * 365;
  c.not_after = kNow + 24h * 365;
  c.telematik_id = std::move(telematik_id);
  return c;
}

SelectionPolicy policy(bool ecc) {
  SelectionPolicy p;
  p.now = kNow;
  p.ecc_capable = ecc;
  return p;
}

TEST(LdapSelection, RsaAndEccDependOnKonnektor) {
  const std::vector<CertInfo> certs = {enc(KeyType::rsa, "1-2", "rsa"), enc(KeyType::ecc, "1-2", "ecc")};
  const Selection with = select_certificates(certs, 1, policy(true));
  ASSERT_TRUE(with.ok());
  EXPECT_EQ(with.certificates.size(), 2U);
  EXPECT_EQ(with.telematik_id, "1-2");
  const Selection without = select_certificates(certs, 1, policy(false));
  ASSERT_TRUE(without.ok());
  ASSERT_EQ(without.certificates.size(), 1U);
  EXPECT_EQ(without.certificates[0].key_type, KeyType::rsa);
  ASSERT_EQ(without.excluded.size(), 1U);
  EXPECT_EQ(without.excluded[0].reason, Exclusion::ecc_not_supported);
}

TEST(LdapSelection, OldAndNewCardBothUsed) {
  CertInfo old_card = enc(KeyType::rsa, "1-1123", "old");
  old_card.not_after = kNow + 1h;
  const Selection s = select_certificates({old_card, enc(KeyType::rsa, "1-1123", "new")}, 1, policy(false));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s.certificates.size(), 2U);
}

TEST(LdapSelection, ExclusionReasons) {
  CertInfo expired = enc(KeyType::rsa, "1-2", "expired");
  expired.not_after = kNow - 1s;
  CertInfo future = enc(KeyType::rsa, "1-2", "future");
  future.not_before = kNow + 1s;
  CertInfo wrong_ku = enc(KeyType::rsa, "1-2", "wrongku");
  wrong_ku.key_encipherment = false;
  CertInfo aut = enc(KeyType::rsa, "1-2", "aut");
  aut.policies = {"1.2.276.0.76.4.77"};
  CertInfo no_id = enc(KeyType::rsa, "", "noid");
  CertInfo junk;
  junk.der = "junk";
  const Selection s = select_certificates({expired, future, wrong_ku, aut, no_id, junk}, 1, policy(true));
  EXPECT_EQ(s.outcome, SelectionOutcome::no_enc_certificate);
  EXPECT_EQ(kim_error_code(s.outcome), "4003");
  ASSERT_EQ(s.excluded.size(), 6U);
  EXPECT_EQ(s.excluded[0].reason, Exclusion::expired);
  EXPECT_EQ(s.excluded[1].reason, Exclusion::not_yet_valid);
  EXPECT_EQ(s.excluded[2].reason, Exclusion::wrong_key_usage);
  EXPECT_EQ(s.excluded[3].reason, Exclusion::not_enc_type);
  EXPECT_EQ(s.excluded[4].reason, Exclusion::no_telematik_id);
  EXPECT_EQ(s.excluded[5].reason, Exclusion::not_a_certificate);
}

TEST(LdapSelection, DifferentTelematikIdsMakeTheAddressUnusable) {
  const Selection s = select_certificates(
      {enc(KeyType::rsa, "1-20469999904", "a"), enc(KeyType::rsa, "1-20469999905", "b")}, 2, policy(true));
  EXPECT_EQ(s.outcome, SelectionOutcome::different_telematik_ids);
  EXPECT_EQ(kim_error_code(s.outcome), "4005");
  EXPECT_TRUE(s.certificates.empty());
  EXPECT_EQ(s.telematik_ids.size(), 2U);
}

TEST(LdapSelection, ExpiredCertificateOfAnotherHolderDoesNotCount) {
  CertInfo expired_other = enc(KeyType::rsa, "9-9", "x");
  expired_other.not_after = kNow - 1h;
  const Selection s = select_certificates({enc(KeyType::rsa, "1-2", "a"), expired_other}, 1, policy(true));
  EXPECT_TRUE(s.ok());
}

TEST(LdapSelection, NotFoundAndDuplicatesAndInvalidated) {
  EXPECT_EQ(select_certificates({}, 0, policy(true)).outcome, SelectionOutcome::not_found);
  const CertInfo a = enc(KeyType::rsa, "1-2", "a");
  const Selection dup = select_certificates({a, a}, 2, policy(true));
  EXPECT_EQ(dup.certificates.size(), 1U);
  SelectionPolicy p = policy(true);
  p.invalidated_sha256 = {a.sha256_hex};
  const Selection inv = select_certificates({a}, 1, p);
  EXPECT_EQ(inv.outcome, SelectionOutcome::no_enc_certificate);
  EXPECT_EQ(inv.excluded.at(0).reason, Exclusion::invalidated);
}

TEST(LdapSelection, ParseRejectsGarbage) {
  const CertInfo c = parse_certificate("not DER");
  EXPECT_FALSE(c.parsed);
  EXPECT_EQ(parse_certificate("").parsed, false);
}

TEST(LdapCache, ExpiryBoundAndErase) {
  const SteadyTime t0{};
  TtlCache<int> cache(2);
  cache.put("a", 1, t0 + 10s);
  ASSERT_NE(cache.get("a", t0 + 9s), nullptr);
  EXPECT_EQ(*cache.get("a", t0 + 9s), 1);
  EXPECT_EQ(cache.get("a", t0 + 10s), nullptr);  // expired entries are gone
  EXPECT_EQ(cache.size(), 0U);
  cache.put("a", 1, t0 + 10s);
  cache.put("b", 2, t0 + 10s);
  ASSERT_NE(cache.get("a", t0), nullptr);  // a is now the most recently used
  cache.put("c", 3, t0 + 10s);             // evicts b
  EXPECT_EQ(cache.get("b", t0), nullptr);
  EXPECT_NE(cache.get("a", t0), nullptr);
  EXPECT_NE(cache.get("c", t0), nullptr);
  EXPECT_EQ(cache.erase_if([](const int& v) { return v == 3; }), 1U);
  EXPECT_EQ(cache.size(), 1U);
  EXPECT_TRUE(cache.erase("a"));
  EXPECT_FALSE(cache.erase("a"));
}

}  // namespace
}  // namespace kimgate::ldap
