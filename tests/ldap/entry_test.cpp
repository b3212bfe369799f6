// komLeData / kimData parsing and VZD data quirks (vzd-ldap.md §2).
#include "ldap/entry.h"

#include <gtest/gtest.h>

namespace kimgate::ldap {
namespace {

TEST(LdapKomLeData, VersionThenMail) {
  const auto p = parse_kom_le_data("1.0,tk-dt03@akquinet.kim.telematik-test");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.value->version.version, "1.0");
  EXPECT_FALSE(p.value->version.large_mail);
  EXPECT_EQ(p.value->mail, "tk-dt03@akquinet.kim.telematik-test");
  const auto plus = parse_kom_le_data("1.5+,praxis.b@fd-b.kim.telematik-test");
  ASSERT_TRUE(plus.ok());
  EXPECT_EQ(plus.value->version.version, "1.5");
  EXPECT_TRUE(plus.value->version.large_mail);
}

TEST(LdapKomLeData, Errors) {
  EXPECT_EQ(parse_kom_le_data("").error, ParseError::empty);
  EXPECT_EQ(parse_kom_le_data("1.5").error, ParseError::missing_separator);
  EXPECT_EQ(parse_kom_le_data("x@y.de,1.5").error, ParseError::bad_version);  // kimData order
  EXPECT_EQ(parse_kom_le_data("1.5,not-a-mail").error, ParseError::bad_mail);
  EXPECT_EQ(parse_kom_le_data("15,a@b").error, ParseError::bad_version);
  EXPECT_EQ(parse_kom_le_data("1.5++,a@b").error, ParseError::bad_version);
  EXPECT_EQ(parse_kom_le_data(std::string(5000, '1')).error, ParseError::too_long);
}

TEST(LdapKimData, MailThenVersionThenTags) {
  const auto p = parse_kim_data("x@y.kim.telematik,1.5,DALE-UV;Einsendung;V1.0|eEB;V1.0");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.value->mail, "x@y.kim.telematik");
  EXPECT_EQ(p.value->version.version, "1.5");
  ASSERT_EQ(p.value->app_tags.size(), 2U);
  EXPECT_EQ(p.value->app_tags[0], "DALE-UV;Einsendung;V1.0");
  EXPECT_EQ(p.value->app_tags[1], "eEB;V1.0");
  const auto bare = parse_kim_data("anna.aurich@fd-a.kim.telematik-test,1.5");
  ASSERT_TRUE(bare.ok());
  EXPECT_TRUE(bare.value->app_tags.empty());
  const auto empty_tags = parse_kim_data("a@b,1.0,||");
  ASSERT_TRUE(empty_tags.ok());
  EXPECT_TRUE(empty_tags.value->app_tags.empty());
}

TEST(LdapKimData, Errors) {
  EXPECT_EQ(parse_kim_data("1.5,x@y.de").error, ParseError::bad_mail);  // komLeData order
  EXPECT_EQ(parse_kim_data("x@y.de").error, ParseError::missing_separator);
  EXPECT_EQ(parse_kim_data("x@y.de,v1").error, ParseError::bad_version);
  EXPECT_EQ(parse_kim_data("  ").error, ParseError::empty);
}

TEST(LdapEntry, QuirksPlaceholdersBooleansAlternativeNames) {
  RawEntry raw;
  raw.dn = "uid=1,dc=data,dc=vzd";
  raw.add("telematikID", "8-01-0000104612348");
  raw.add("personalEntry", "false");
  raw.add("st", "-");
  raw.add("stateOrProvinceName", "Hessen");
  raw.add("streetAddress", "Zeil 12");
  raw.add("otherName", "-");
  raw.add("MAIL", "A@B.de");
  raw.add("komLeData", "1.0,a@b.de");
  raw.add("komLeData", "garbage");
  raw.add("userCertificate;binary", std::string("\x30\x82", 2));
  const VzdEntry e = to_vzd_entry(raw);
  EXPECT_EQ(e.telematik_id, "8-01-0000104612348");
  ASSERT_TRUE(e.personal_entry.has_value());
  EXPECT_FALSE(*e.personal_entry);
  EXPECT_EQ(e.state, "Hessen");  // `st: -` means not set: the alias stateOrProvinceName is used
  EXPECT_EQ(e.street, "Zeil 12");
  ASSERT_EQ(e.mails.size(), 1U);
  EXPECT_EQ(e.kom_le_data.size(), 1U);
  EXPECT_EQ(e.warnings.size(), 1U);
  EXPECT_EQ(e.certificates.size(), 1U);
  EXPECT_EQ(parse_bool("TRUE"), std::optional<bool>(true));
  EXPECT_EQ(parse_bool("False"), std::optional<bool>(false));
  EXPECT_EQ(parse_bool("-"), std::nullopt);
}

TEST(LdapEntry, KimVersionPrecedence) {
  VzdEntry e;
  e.mails = {"a@b.de"};
  EXPECT_EQ(kim_version_of(e, "a@b.de").version.version, "1.0");  // none -> 1.0
  e.kom_le_data.push_back(KomLeData{KimVersion{"1.5", true}, "A@b.de"});
  auto v = kim_version_of(e, "a@B.de");
  EXPECT_EQ(v.source, "komLeData");
  EXPECT_TRUE(v.version.large_mail);
  e.kim_data.push_back(KimData{"a@b.de", KimVersion{"1.5", false}, {}});
  v = kim_version_of(e, "a@b.de");
  EXPECT_EQ(v.version.version, "1.5");
  EXPECT_TRUE(v.version.large_mail);  // '+' carried over from komLeData of the same version
  EXPECT_EQ(kim_version_of(e, "other@b.de").version.version, "1.0");
}

}  // namespace
}  // namespace kimgate::ldap
