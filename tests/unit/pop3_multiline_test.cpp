#include <gtest/gtest.h>

#include "pop3/multiline.h"

namespace kimgate::pop3 {
namespace {

using Status = MultilineReader::Status;

TEST(MultilineReader, UnstuffsAndKeepsTheWireForm) {
  MultilineReader r(1000);
  const std::string wire = "1 120\r\n..dot\r\n.\r\n";
  EXPECT_EQ(r.feed(wire.substr(0, 5)), 5u);
  EXPECT_EQ(r.status(), Status::more);
  EXPECT_EQ(r.feed(wire.substr(5) + "+OK next"), wire.size() - 5);
  EXPECT_EQ(r.status(), Status::done);
  EXPECT_EQ(r.raw(), wire);
  EXPECT_EQ(r.body(), "1 120\r\n.dot\r\n");
  EXPECT_EQ(r.feed("more"), 0u);
}

TEST(MultilineReader, BareLfDotDoesNotEndTheBody) {
  MultilineReader r(1000);
  r.feed("a\n.\nb\r\n");
  EXPECT_EQ(r.status(), Status::more);
  r.feed(".\r\n");
  EXPECT_EQ(r.status(), Status::done);
  EXPECT_EQ(r.body(), "a\n.\nb\r\n");
}

TEST(MultilineReader, StopsPastTheLimit) {
  MultilineReader r(8);
  r.feed("0123456789\r\n");
  EXPECT_EQ(r.status(), Status::too_large);
  EXPECT_EQ(r.feed(".\r\n"), 0u);
}

}  // namespace
}  // namespace kimgate::pop3
