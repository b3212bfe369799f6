#include "net/line_buffer.h"

#include <gtest/gtest.h>

namespace kimgate::net {
namespace {

TEST(LineBuffer, SplitsOnCrlfAcrossFeeds) {
  LineBuffer b(512);
  b.feed("EHLO pv");
  EXPECT_FALSE(b.next().has_value());
  b.feed("s\r");
  EXPECT_FALSE(b.next().has_value());
  b.feed("\nNOOP\r\nQU");
  auto l1 = b.next();
  ASSERT_TRUE(l1);
  EXPECT_EQ(l1->text, "EHLO pvs");
  EXPECT_FALSE(l1->bare_lf);
  auto l2 = b.next();
  ASSERT_TRUE(l2);
  EXPECT_EQ(l2->text, "NOOP");
  EXPECT_FALSE(b.next().has_value());
  EXPECT_EQ(b.take_rest(), "QU");
}

TEST(LineBuffer, ReportsBareLf) {
  LineBuffer b(512);
  b.feed("QUIT\n");
  auto l = b.next();
  ASSERT_TRUE(l);
  EXPECT_EQ(l->text, "QUIT");
  EXPECT_TRUE(l->bare_lf);
}

TEST(LineBuffer, ExactLimitIsAccepted) {
  LineBuffer b(8);
  b.feed("12345678\r\n");
  auto l = b.next();
  ASSERT_TRUE(l);
  EXPECT_EQ(l->kind, Line::Kind::complete);
  EXPECT_EQ(l->text, "12345678");
}

TEST(LineBuffer, TooLongInOneChunkIsReportedOnceAndRecovers) {
  LineBuffer b(8);
  b.feed("123456789\r\nNOOP\r\n");
  auto l = b.next();
  ASSERT_TRUE(l);
  EXPECT_EQ(l->kind, Line::Kind::too_long);
  auto next = b.next();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->text, "NOOP");
}

TEST(LineBuffer, TooLongAcrossChunksIsReportedAtTheLimitAndDiscardedWithoutBuffering) {
  LineBuffer b(8);
  b.feed("xxxxxxxxxxxxxxxx");
  auto l = b.next();
  ASSERT_TRUE(l);  // answered now, with no LF in sight
  EXPECT_EQ(l->kind, Line::Kind::too_long);
  for (int i = 0; i < 1000; ++i) {
    b.feed("xxxxxxxxxxxxxxxx");
    EXPECT_FALSE(b.next().has_value());
    EXPECT_LE(b.buffered(), 32u);
  }
  b.feed("yy\r\nQUIT\r\n");
  auto q = b.next();
  ASSERT_TRUE(q);
  EXPECT_EQ(q->text, "QUIT");
}

TEST(LineBuffer, TakeRestDropsPipelinedBytes) {
  LineBuffer b(512);
  b.feed("STARTTLS\r\nMAIL FROM:<evil@example>\r\n");
  auto l = b.next();
  ASSERT_TRUE(l);
  EXPECT_EQ(l->text, "STARTTLS");
  EXPECT_EQ(b.take_rest(), "MAIL FROM:<evil@example>\r\n");
  EXPECT_FALSE(b.next().has_value());
}

}  // namespace
}  // namespace kimgate::net
