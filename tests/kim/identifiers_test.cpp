// Check digits and region prefixes of IK, BSNR and LANR (routing-and-identifiers.md §7).
#include "kim/identifiers.h"

#include <gtest/gtest.h>

namespace kimgate::kim {
namespace {

TEST(IdentifiersIk, RealWorldNumbersPass) {
  EXPECT_TRUE(check_ik("101575519").ok());  // Techniker Krankenkasse (digest example)
  EXPECT_TRUE(check_ik("104612348").ok());  // the test world's insurer
  EXPECT_EQ(check_ik("101575519").expected_check_digit, 9);
}

TEST(IdentifiersIk, WrongCheckDigitFails) {
  const IkCheck r = check_ik("101575518");
  EXPECT_EQ(r.problem, IdentifierProblem::bad_check_digit);
  EXPECT_EQ(r.expected_check_digit, 9);
  // The reference environment's test insurer fails the check (digest §7.4).
  EXPECT_EQ(check_ik("101577501").problem, IdentifierProblem::bad_check_digit);
}

TEST(IdentifiersIk, ShapeErrors) {
  EXPECT_EQ(check_ik("10157551").problem, IdentifierProblem::wrong_length);
  EXPECT_EQ(check_ik("1015755190").problem, IdentifierProblem::wrong_length);
  EXPECT_EQ(check_ik("").problem, IdentifierProblem::wrong_length);
  EXPECT_EQ(check_ik("10157551x").problem, IdentifierProblem::not_digits);
  EXPECT_EQ(check_ik("10157551 ").problem, IdentifierProblem::not_digits);
  EXPECT_EQ(check_ik("10157551x").expected_check_digit, -1);
}

TEST(IdentifiersBsnr, RegionPrefix) {
  const BsnrCheck hessen = check_bsnr("461234500");
  EXPECT_TRUE(hessen.ok());
  EXPECT_EQ(hessen.region, "46");
  EXPECT_EQ(hessen.landes_kv, "46");
  const BsnrCheck giessen = check_bsnr("411234500");  // Bezirksstelle Gießen -> KV Hessen
  EXPECT_TRUE(giessen.ok());
  EXPECT_EQ(giessen.landes_kv, "46");
  EXPECT_EQ(check_bsnr("381234567").landes_kv, "38");
  EXPECT_EQ(check_bsnr("941234500").landes_kv, "98");
  EXPECT_EQ(check_bsnr("801234500").landes_kv, "83");
  EXPECT_TRUE(check_bsnr("991234500").ok());
  EXPECT_EQ(check_bsnr("991234500").landes_kv, "");
}

TEST(IdentifiersBsnr, SpecialForms) {
  const BsnrCheck hospital = check_bsnr("354612345");  // 35kk: KV in digits 3-4
  EXPECT_TRUE(hospital.ok());
  EXPECT_EQ(hospital.region, "46");
  const BsnrCheck sapv = check_bsnr("747112363");
  EXPECT_TRUE(sapv.ok());
  EXPECT_EQ(sapv.landes_kv, "71");
  EXPECT_EQ(check_bsnr("350012345").problem, IdentifierProblem::unknown_region);
}

TEST(IdentifiersBsnr, UnknownRegionsAndShape) {
  for (const char* bad :
       {"001234500", "041234500", "221234500", "301234500", "751234500", "841234500", "901234500", "971234500"}) {
    EXPECT_EQ(check_bsnr(bad).problem, IdentifierProblem::unknown_region) << bad;
  }
  EXPECT_EQ(check_bsnr("46123450").problem, IdentifierProblem::wrong_length);
  EXPECT_EQ(check_bsnr("46-234500").problem, IdentifierProblem::not_digits);
}

TEST(IdentifiersLanr, CheckDigit) {
  EXPECT_EQ(check_lanr("123456601").problem, IdentifierProblem::none);  // digest example 123456 -> 6
  EXPECT_FALSE(check_lanr("123456601").warning());
  const LanrCheck wrong = check_lanr("123456501");
  EXPECT_EQ(wrong.problem, IdentifierProblem::bad_check_digit);
  EXPECT_TRUE(wrong.warning());
  EXPECT_TRUE(wrong.usable());  // a warning, not a hard error
  // r = 0 -> check digit 0: 100000 -> 4*1 = 4 ... choose 500000: 4*5 = 20 -> r 0 -> 0
  EXPECT_EQ(check_lanr("500000000").problem, IdentifierProblem::none);
  EXPECT_EQ(check_lanr("500000100").problem, IdentifierProblem::bad_check_digit);
}

TEST(IdentifiersLanr, PseudoNumbersAreNotChecked) {
  EXPECT_TRUE(check_lanr("999999900").pseudo);
  EXPECT_TRUE(check_lanr("555555123").pseudo);
  EXPECT_EQ(check_lanr("555555123").problem, IdentifierProblem::none);
  EXPECT_TRUE(check_lanr("333333301").pseudo);
}

TEST(IdentifiersLanr, ShapeErrorsAreNotUsable) {
  EXPECT_FALSE(check_lanr("12345660").usable());
  EXPECT_FALSE(check_lanr("12345660a").usable());
}

TEST(IdentifiersKvRegion, Codes) {
  const auto hessen = kv_region("46");
  ASSERT_TRUE(hessen.has_value());
  EXPECT_EQ(hessen->name, "Hessen");
  EXPECT_EQ(kv_region("41")->code, "46");
  EXPECT_EQ(kv_region("38")->state_name, "Nordrhein");
  EXPECT_FALSE(kv_region("99").has_value());
  EXPECT_FALSE(kv_region("00").has_value());
  EXPECT_FALSE(kv_region("4").has_value());
  EXPECT_FALSE(kv_region("4a").has_value());
}

}  // namespace
}  // namespace kimgate::kim
