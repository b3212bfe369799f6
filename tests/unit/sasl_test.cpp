#include "net/sasl.h"

#include <gtest/gtest.h>

namespace kimgate::net {
namespace {

TEST(Base64, StrictDecoding) {
  EXPECT_EQ(decode_base64("aGFsbG8="), "hallo");
  EXPECT_EQ(decode_base64(""), "");
  EXPECT_EQ(decode_base64("AA=="), std::string("\0", 1));
  EXPECT_FALSE(decode_base64("aGFsbG8").has_value()) << "padding is required";
  EXPECT_FALSE(decode_base64("aGFs bG8=").has_value());
  EXPECT_FALSE(decode_base64("a=Fs").has_value());
  EXPECT_FALSE(decode_base64("aGF|bG8=").has_value());
  EXPECT_EQ(encode_base64("hallo"), "aGFsbG8=");
  EXPECT_EQ(decode_base64(encode_base64(std::string("\x00\xff|x", 4))), std::string("\x00\xff|x", 4));
}

TEST(SaslPlain, DecodesAuthcidAndPassword) {
  const std::string user = "praxis.a@fd-a.kim.telematik-test#127.0.0.1:10465#M1#CS1#WP1";
  const auto r = decode_plain(encode_base64(std::string("\0", 1) + user + std::string("\0", 1) + "Geheim 1!"));
  ASSERT_TRUE(r.credentials) << r.error;
  EXPECT_EQ(r.credentials->user, user);
  EXPECT_EQ(r.credentials->password, "Geheim 1!");
  const auto same = decode_plain(encode_base64(user + std::string("\0", 1) + user + std::string("\0", 1) + "pw"));
  EXPECT_TRUE(same.credentials) << "authzid equal to authcid is accepted";
}

TEST(SaslPlain, RejectsMalformed) {
  for (const std::string& raw : {std::string("user\0pw", 7), std::string("\0\0pw", 4), std::string("\0user\0", 6),
                                 std::string("other\0user\0pw", 13), std::string("\0u\0p\0x", 7)}) {
    const auto r = decode_plain(encode_base64(raw));
    EXPECT_FALSE(r.credentials.has_value());
    EXPECT_FALSE(r.error.empty());
  }
  EXPECT_FALSE(decode_plain("not base64!").credentials.has_value());
  EXPECT_FALSE(decode_plain("=").credentials.has_value());
}

TEST(SaslLogin, Steps) {
  EXPECT_EQ(decode_login_step(encode_base64("user#h:1#M#C#W")).value, "user#h:1#M#C#W");
  EXPECT_FALSE(decode_login_step("").value.has_value());
  EXPECT_FALSE(decode_login_step(encode_base64(std::string("a\0b", 3))).value.has_value());
  EXPECT_TRUE(is_cancel("*"));
}

TEST(Credentials, MoveLeavesNoPasswordBehind) {
  Credentials a("u", "secret");
  Credentials b(std::move(a));
  EXPECT_EQ(b.password, "secret");
  EXPECT_TRUE(a.password.empty());  // NOLINT(bugprone-use-after-move): checking the wipe
}

}  // namespace
}  // namespace kimgate::net
