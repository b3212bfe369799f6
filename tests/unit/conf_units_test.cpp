#include <gtest/gtest.h>

#include "conf/units.h"

namespace kimgate::conf {
namespace {

using namespace std::chrono_literals;

TEST(ParseDuration, AcceptsUnitsAndCombinations) {
  EXPECT_EQ(parse_duration("250ms"), 250ms);
  EXPECT_EQ(parse_duration("30s"), 30s);
  EXPECT_EQ(parse_duration("5m"), 5min);
  EXPECT_EQ(parse_duration("5min"), 5min);
  EXPECT_EQ(parse_duration("12h"), 12h);
  EXPECT_EQ(parse_duration("30d"), std::chrono::hours(24 * 30));
  EXPECT_EQ(parse_duration("1h30m"), 90min);
  EXPECT_EQ(parse_duration(" 2s "), 2s);
}

TEST(ParseDuration, RejectsGarbage) {
  for (const char* bad : {"", "5", "s", "5x", "-5s", "5 s", "1.5h", "99999999999999999999d", "5m5"}) {
    EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
  }
}

TEST(ParseSize, AcceptsBytesAndUnits) {
  EXPECT_EQ(parse_size("512"), 512u);
  EXPECT_EQ(parse_size("15MiB"), 15u * 1024 * 1024);
  EXPECT_EQ(parse_size("700 MiB"), 700u * 1024 * 1024);
  EXPECT_EQ(parse_size("1k"), 1000u);
  EXPECT_EQ(parse_size("1KiB"), 1024u);
  EXPECT_EQ(parse_size("2GiB"), 2ULL << 30);
}

TEST(ParseSize, RejectsGarbage) {
  for (const char* bad : {"", "MiB", "12 parsecs", "-1", "99999999999999999999999", "1e6"}) {
    EXPECT_FALSE(parse_size(bad).has_value()) << bad;
  }
}

TEST(Format, RoundTrips) {
  EXPECT_EQ(format_duration(90s), "1m30s");
  EXPECT_EQ(format_duration(12h), "12h");
  EXPECT_EQ(format_duration(0ms), "0s");
  EXPECT_EQ(format_size(15728640), "15MiB");
  EXPECT_EQ(format_size(734003200), "700MiB");
  EXPECT_EQ(format_size(512), "512");
  EXPECT_EQ(parse_duration(format_duration(std::chrono::milliseconds(93784005))), std::chrono::milliseconds(93784005));
}

TEST(Addresses, LoopbackAndLiterals) {
  EXPECT_TRUE(is_loopback("127.0.0.1"));
  EXPECT_TRUE(is_loopback("127.3.2.1"));
  EXPECT_TRUE(is_loopback("::1"));
  EXPECT_FALSE(is_loopback("0.0.0.0"));
  EXPECT_FALSE(is_loopback("192.168.1.10"));
  EXPECT_FALSE(is_loopback("::"));
  EXPECT_FALSE(is_loopback("localhost"));
  EXPECT_TRUE(is_ip_literal("10.0.0.1"));
  EXPECT_TRUE(is_ip_literal("fe80::1"));
  EXPECT_FALSE(is_ip_literal("konnektor.konlan"));
}

}  // namespace
}  // namespace kimgate::conf
