// The x-kas JSON structure (kim/x_kas.h).
#include "kim/x_kas.h"

#include <gtest/gtest.h>

namespace kimgate::kim {
namespace {

TEST(XKas, ParsesCompactAndPrettyJson) {
  const std::string compact =
      R"({"link":"https://kas.gematik.kim.telematik-test/attachments/v2.3/attachment/a566f001","k":"AZtUCtV3M5mTC/XzfDDl25mZ4FwoOADyaIi3Fn8wH6w=","hash":"Wc148UGImi84VG3H/fF+3x6ouGMknls6hf2wn0qcqjU=","size":27262976})";
  auto r = parse_x_kas(compact);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.value->size, 27262976u);
  EXPECT_EQ(format_x_kas(*r.value), compact);
  auto pretty = parse_x_kas("\r\n{\r\n  \"size\": 1,\n  \"hash\": \"h\", \"k\": \"k\",\n \"link\": \"l\"\r\n}\r\n");
  ASSERT_TRUE(pretty.ok()) << pretty.error;
  EXPECT_EQ(pretty.value->link, "l");
}

TEST(XKas, RejectsMissingOrMistypedMembers) {
  EXPECT_FALSE(parse_x_kas(R"({"link":"l","k":"k","hash":"h"})").ok());
  EXPECT_FALSE(parse_x_kas(R"({"link":"l","k":"k","hash":"h","size":-1})").ok());
  EXPECT_FALSE(parse_x_kas(R"({"link":1,"k":"k","hash":"h","size":1})").ok());
  EXPECT_FALSE(parse_x_kas(R"([1,2])").ok());
  EXPECT_FALSE(parse_x_kas("{").ok());
}

TEST(XKas, IgnoresOtherMembersAndKeepsSizeExact) {
  const auto r = parse_x_kas(R"({"link":"l","k":"k","hash":"h","size":18446744073709551615,"name":"x"})");
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.value->size, 18446744073709551615u);
  EXPECT_FALSE(parse_x_kas(R"({"link":"l","k":"k","hash":"h","size":1.5})").ok());
  EXPECT_FALSE(parse_x_kas(R"({"link":"l","k":"k","hash":"h","size":"1"})").ok());
}

}  // namespace
}  // namespace kimgate::kim
