// net::ConnectionLimits: the overall and per-client caps, and slots that free their place.
#include "net/connection_limits.h"

#include <gtest/gtest.h>

#include <vector>

namespace kimgate::net {
namespace {

TEST(ConnectionLimits, PerClientAndOverallCapsWithSentences) {
  ConnectionLimits limits(3, 2);
  std::vector<ConnectionLimits::Slot> held;
  for (int i = 0; i < 2; ++i) {
    ConnectionLimits::Admission a = limits.admit("192.0.2.1");
    ASSERT_TRUE(a.refused.empty());
    held.push_back(std::move(a.slot));
  }
  const ConnectionLimits::Admission third = limits.admit("192.0.2.1");
  EXPECT_EQ(third.refused, "Too many connections from 192.0.2.1 (2); close some or try again later");
  ConnectionLimits::Admission other = limits.admit("192.0.2.2");
  ASSERT_TRUE(other.refused.empty());
  EXPECT_EQ(limits.admit("192.0.2.3").refused, "Too many connections to kimgate (3); try again later");
  EXPECT_EQ(limits.open(), 3u);
  held.pop_back();  // a session ends
  EXPECT_EQ(limits.open_from("192.0.2.1"), 1u);
  EXPECT_TRUE(limits.admit("192.0.2.1").refused.empty());
  EXPECT_EQ(limits.open(), 2u) << "the admitted slot above was released again when dropped";
}

TEST(ConnectionLimits, MovedSlotsReleaseOnce) {
  ConnectionLimits limits(1, 1);
  {
    ConnectionLimits::Slot a = std::move(limits.admit("x").slot);
    ConnectionLimits::Slot b = std::move(a);
    ConnectionLimits::Slot c;
    c = std::move(b);
    EXPECT_EQ(limits.open(), 1u);
  }
  EXPECT_EQ(limits.open(), 0u);
  EXPECT_EQ(limits.open_from("x"), 0u);
}

}  // namespace
}  // namespace kimgate::net
