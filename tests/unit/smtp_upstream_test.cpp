// The pure parts of the send path's SMTP side: reply lines from the provider, MAIL/RCPT path
// arguments from the PVS, and the login lock.
#include <gtest/gtest.h>

#include "smtp/reply_line.h"
#include "smtp/server_session.h"

using namespace kimgate::smtp;

TEST(ReplyLine, CodesContinuationAndEnhancedCodes) {
  auto r = parse_reply_line("250-fd-a.test Hello");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->code, 250);
  EXPECT_TRUE(r->more);
  EXPECT_EQ(r->enhanced, "");
  EXPECT_EQ(r->text, "fd-a.test Hello");
  r = parse_reply_line("535 5.7.8 Error: authentication failed");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->more);
  EXPECT_EQ(r->enhanced, "5.7.8");
  EXPECT_EQ(r->text, "Error: authentication failed");
  r = parse_reply_line("250 2.0.0");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->enhanced, "2.0.0");
  EXPECT_EQ(r->text, "");
  r = parse_reply_line("250 5.0.0 class mismatch stays text");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->enhanced, "");
  r = parse_reply_line("354");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->code, 354);
  EXPECT_FALSE(parse_reply_line("25"));
  EXPECT_FALSE(parse_reply_line("abc def"));
  EXPECT_FALSE(parse_reply_line("250x"));
  EXPECT_FALSE(parse_reply_line("650 no such class"));
  EXPECT_FALSE(parse_reply_line(""));
}

TEST(PathArgument, MailAndRcpt) {
  auto p = parse_path_argument("FROM:<a@b.test> SIZE=123 BODY=8BITMIME", "FROM:");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->address, "a@b.test");
  EXPECT_EQ(p->params, "SIZE=123 BODY=8BITMIME");
  p = parse_path_argument("to: <c@d.test>", "TO:");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->address, "c@d.test");
  EXPECT_EQ(p->params, "");
  p = parse_path_argument("TO:<c@d.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;c@d.test", "TO:");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->params, "NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;c@d.test");
  EXPECT_FALSE(parse_path_argument("FROM:a@b", "FROM:"));
  EXPECT_FALSE(parse_path_argument("FROM:<a@b", "FROM:"));
  EXPECT_FALSE(parse_path_argument("FROM:<a b@c>", "FROM:"));
  EXPECT_FALSE(parse_path_argument("FROM:<a@b>SIZE=1", "FROM:"));
  EXPECT_FALSE(parse_path_argument("TO:<a@b>", "FROM:"));
}
