#include "konnektor/types.h"

#include <gtest/gtest.h>

namespace kimgate::konnektor {
namespace {

TEST(KonnektorTypes, VersionComparisonAndEccRule) {
  EXPECT_EQ(compare_versions("7.4.1", "7.4.1"), 0);
  EXPECT_LT(compare_versions("7.4.0", "7.4.1"), 0);
  EXPECT_GT(compare_versions("7.10", "7.9.9"), 0);
  EXPECT_EQ(compare_versions("6.1", "6.1.0"), 0);
  ProductInformation p;
  p.signature_service_version = "7.5.5";
  p.encryption_service_version = "6.1.2";
  EXPECT_TRUE(ecc_capable(p, "7.4.1", "6.1.1"));
  p.encryption_service_version = "6.1.0";
  EXPECT_FALSE(ecc_capable(p, "7.4.1", "6.1.1"));
  p.encryption_service_version.clear();
  EXPECT_FALSE(ecc_capable(p, "7.4.1", "6.1.1"));
}

TEST(KonnektorTypes, KonVersionHeader) {
  const ProductInformation p{"SECUN", "secunet konnektor 2.0.0", "Konnektor PTV4Plus", "4.80.3", "2.0.0", "4.10.1", "",
                             ""};
  EXPECT_EQ(kon_version_header(p), "<secunet konnektor 2.0.0><Konnektor PTV4Plus><4.80.3><2.0.0><4.10.1>");
}

}  // namespace
}  // namespace kimgate::konnektor
