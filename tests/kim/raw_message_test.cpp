// with_crlf / append_with_crlf: bare LFs become CRLF, CRLF stays, a final CRLF is ensured.
#include "kim/raw_message.h"

#include <gtest/gtest.h>

#include <string>

namespace kimgate::kim {
namespace {

TEST(WithCrlf, TurnsBareLineFeedsIntoCrlfAndKeepsCrlf) {
  EXPECT_EQ(with_crlf("a\nb\r\nc\n"), "a\r\nb\r\nc\r\n");
  EXPECT_EQ(with_crlf("\n\n"), "\r\n\r\n");
  EXPECT_EQ(with_crlf("\r\n"), "\r\n");
}

TEST(WithCrlf, EnsuresAFinalCrlf) {
  EXPECT_EQ(with_crlf(""), "\r\n");
  EXPECT_EQ(with_crlf("x"), "x\r\n");
  EXPECT_EQ(with_crlf("x\r"), "x\r\r\n");  // a bare CR is kept as it is
  EXPECT_EQ(with_crlf("\r"), "\r\r\n");
}

TEST(WithCrlf, AppendJudgesTheFinalCrlfByTheAppendedPartOnly) {
  std::string out = "Head: v\r\n";
  append_with_crlf(out, "");
  EXPECT_EQ(out, "Head: v\r\n\r\n");
  out = "Head: v\r\n\r\n";
  append_with_crlf(out, "body\nline\r\nend");
  EXPECT_EQ(out, "Head: v\r\n\r\nbody\r\nline\r\nend\r\n");
}

TEST(WithCrlf, LargeBodyWithMixedLineEnds) {
  std::string raw;
  std::string want;
  for (int i = 0; i < 20000; ++i) {
    raw += (i % 3 == 0) ? "line\n" : "line\r\n";
    want += "line\r\n";
  }
  EXPECT_EQ(with_crlf(raw), want);
}

}  // namespace
}  // namespace kimgate::kim
