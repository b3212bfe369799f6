// RFC 4515 escaping and the VZD filters (vzd-ldap.md §3).
#include "ldap/filter.h"

#include <gtest/gtest.h>

namespace kimgate::ldap {
namespace {

TEST(LdapFilter, EscapesSpecialCharacters) {
  EXPECT_EQ(escape_filter_value("a*b"), "a\\2ab");
  EXPECT_EQ(escape_filter_value("(x)"), "\\28x\\29");
  EXPECT_EQ(escape_filter_value("back\\slash"), "back\\5cslash");
  EXPECT_EQ(escape_filter_value(std::string("nul\0x", 5)), "nul\\00x");
  EXPECT_EQ(escape_filter_value("plain.addr@fd-a.kim.telematik-test"), "plain.addr@fd-a.kim.telematik-test");
  EXPECT_EQ(escape_filter_value(""), "");
}

TEST(LdapFilter, EscapesNonAsciiAndControlBytes) {
  EXPECT_EQ(escape_filter_value("D\xc3\xbc"), "D\\c3\\bc");
  EXPECT_EQ(escape_filter_value("a\nb"), "a\\0ab");
}

TEST(LdapFilter, InjectionStaysOneAssertion) {
  const std::string f = filter_by_mail("x)(mail=*");
  EXPECT_EQ(f, "(mail=x\\29\\28mail=\\2a)");
}

TEST(LdapFilter, Builders) {
  EXPECT_EQ(filter_by_telematik_id("1-20461234500"), "(telematikID=1-20461234500)");
  EXPECT_EQ(filter_insurer_by_ik("104612348"), "(&(domainID=104612348)(entryType=5))");
  EXPECT_EQ(filter_kv({"1.2.276.0.76.4.255", "1.2.276.0.76.4.210"}, "46", "Hessen"),
            "(&(|(professionOID=1.2.276.0.76.4.255)(professionOID=1.2.276.0.76.4.210))"
            "(|(domainID=46)(st=Hessen)))");
  EXPECT_EQ(filter_kv({"1.2.276.0.76.4.255"}, "", ""), "(professionOID=1.2.276.0.76.4.255)");
  EXPECT_EQ(filter_kv({"1.2.276.0.76.4.255"}, "46", ""), "(&(professionOID=1.2.276.0.76.4.255)(domainID=46))");
  EXPECT_EQ(filter_name_search("Mei*er"),
            "(|(displayName=*Mei\\2aer*)(cn=*Mei\\2aer*)(sn=*Mei\\2aer*)(givenName=*Mei\\2aer*)"
            "(mail=*Mei\\2aer*)(telematikID=*Mei\\2aer*))");
}

}  // namespace
}  // namespace kimgate::ldap
