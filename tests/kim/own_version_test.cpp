// A_21387-01: this client module's KIM version against the sender's entry — newer here updates
// the entry (keeping the large-message opt-in), older here is the 4017 case, equal and
// unreadable versions change nothing.
#include "kim/own_version.h"

#include <gtest/gtest.h>

namespace kimgate::kim {
namespace {

TEST(CompareKimVersions, NumericPartsWithTheOptInIgnored) {
  EXPECT_EQ(compare_kim_versions("1.0", "1.5"), -1);
  EXPECT_EQ(compare_kim_versions("1.5", "1.5+"), 0);
  EXPECT_EQ(compare_kim_versions("1.10", "1.9"), 1);
  EXPECT_EQ(compare_kim_versions("1.5", "1.5.0"), 0);
  EXPECT_EQ(compare_kim_versions("1.5.1", "1.5"), 1);
  EXPECT_FALSE(compare_kim_versions("1", "1.5").has_value());
  EXPECT_FALSE(compare_kim_versions("1.x", "1.5").has_value());
  EXPECT_FALSE(compare_kim_versions("", "1.5").has_value());
  EXPECT_FALSE(compare_kim_versions("1..5", "1.5").has_value());
  EXPECT_FALSE(compare_kim_versions("1.5++", "1.5").has_value());
}

TEST(OwnVersionStep, NewerHereUpdatesTheEntry) {
  const OwnVersionVerdict v = own_version_step("1.0", "1.5");
  EXPECT_EQ(v.step, OwnVersionStep::update);
  EXPECT_EQ(v.set_to, "1.5");
}

TEST(OwnVersionStep, TheUpdateKeepsTheLargeMessageOptIn) {
  const OwnVersionVerdict v = own_version_step("1.5+", "1.6");
  EXPECT_EQ(v.step, OwnVersionStep::update);
  EXPECT_EQ(v.set_to, "1.6+");
}

TEST(OwnVersionStep, EqualVersionsChangeNothingWithOrWithoutOptIn) {
  EXPECT_EQ(own_version_step("1.5", "1.5").step, OwnVersionStep::none);
  EXPECT_EQ(own_version_step("1.5+", "1.5").step, OwnVersionStep::none);
}

TEST(OwnVersionStep, OlderHereIsThe4017Case) {
  EXPECT_EQ(own_version_step("1.6", "1.5").step, OwnVersionStep::outdated);
  EXPECT_EQ(own_version_step("2.0+", "1.5").step, OwnVersionStep::outdated);
}

TEST(OwnVersionStep, UnreadableVersionsChangeNothing) {
  EXPECT_EQ(own_version_step("-", "1.5").step, OwnVersionStep::unknown);
  EXPECT_EQ(own_version_step("1.5", "").step, OwnVersionStep::unknown);
}

}  // namespace
}  // namespace kimgate::kim
