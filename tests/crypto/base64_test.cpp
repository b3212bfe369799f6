// The strict base64 codec (crypto/base64.h): alphabet, padding, length, whitespace policy.
#include "crypto/base64.h"

#include <gtest/gtest.h>

#include <string>

namespace kimgate::crypto::base64 {
namespace {

std::string error_of(std::string_view text, Whitespace ws) {
  std::string error;
  EXPECT_FALSE(decode(text, ws, &error).has_value()) << text;
  return error;
}

TEST(Base64, RoundTripsEveryLengthAndByte) {
  std::string bytes;
  for (int i = 0; i < 300; ++i) {
    bytes.push_back(static_cast<char>(i * 37 + 11));
    const auto back = decode(encode(bytes), Whitespace::refuse);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, bytes);
  }
}

TEST(Base64, PaddingIsStrippedFromTheResult) {
  EXPECT_EQ(decode("YQ==", Whitespace::refuse), std::string("a"));
  EXPECT_EQ(decode("YWI=", Whitespace::refuse), std::string("ab"));
  EXPECT_EQ(decode("", Whitespace::refuse), std::string());
}

TEST(Base64, WhitespaceIsSkippedOrRefused) {
  EXPECT_EQ(decode("YW\r\nJj\t ZA==\r\n", Whitespace::skip), std::string("abcd"));
  EXPECT_EQ(error_of("YWJj\r\nZA==", Whitespace::refuse), "invalid base64 character");
}

TEST(Base64, RefusesWhatIsNotStrictBase64) {
  EXPECT_EQ(error_of("YW|j", Whitespace::skip), "invalid base64 character");
  EXPECT_EQ(error_of("YQ==YQ==", Whitespace::skip), "base64 padding in the middle");
  EXPECT_EQ(error_of("Y===", Whitespace::skip), "base64 padding in the middle");
  EXPECT_EQ(error_of("YWJ", Whitespace::skip), "base64 length is not a multiple of 4");
  EXPECT_EQ(error_of(std::string_view("YW\0j", 4), Whitespace::skip), "invalid base64 character");
  EXPECT_EQ(error_of("YW\xc3\xa4", Whitespace::skip), "invalid base64 character");
}

}  // namespace
}  // namespace kimgate::crypto::base64
