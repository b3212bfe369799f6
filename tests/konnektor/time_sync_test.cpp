#include "konnektor/time_sync.h"

#include <gtest/gtest.h>

namespace kimgate::konnektor {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::system_clock;

system_clock::time_point at(std::int64_t unix_seconds, std::int64_t ms = 0) {
  return system_clock::time_point(
      std::chrono::duration_cast<system_clock::duration>(seconds(unix_seconds) + milliseconds(ms)));
}

void put64(NtpPacket& p, std::size_t offset, std::uint64_t v) {
  for (std::size_t i = 0; i < 8; ++i) {
    p[offset + 7 - i] = static_cast<std::uint8_t>(v >> (8 * i));
  }
}

// A server answer to `request` whose receive and transmit timestamps are `t2` and `t3`.
NtpPacket answer(const NtpPacket& request, system_clock::time_point t2, system_clock::time_point t3, int stratum = 2) {
  NtpPacket p{};
  p[0] = (4 << 3) | 4;
  p[1] = static_cast<std::uint8_t>(stratum);
  std::copy(request.begin() + 40, request.end(), p.begin() + 24);
  put64(p, 32, to_ntp(t2));
  put64(p, 40, to_ntp(t3));
  return p;
}

TEST(TimeSync, NtpTimestampsRoundTripAndKnownEpoch) {
  // 1970-01-01 is 2208988800 s after the NTP epoch (RFC 5905 figure 4).
  EXPECT_EQ(to_ntp(at(0)) >> 32, 2208988800ULL);
  const auto t = at(1796400000, 250);
  EXPECT_LT(std::chrono::abs(from_ntp(to_ntp(t)) - t), std::chrono::microseconds(1));
  EXPECT_EQ(to_ntp(at(0, 500)) & 0xffffffffULL, 0x80000000ULL);  // half a second
}

TEST(TimeSync, RequestIsClientModeVersion4WithTransmitTimestamp) {
  const NtpPacket p = ntp_request(at(1796400000));
  EXPECT_EQ(p[0], 0x23);  // LI 0, VN 4, mode 3
  std::uint64_t transmit = 0;
  for (std::size_t i = 40; i < 48; ++i) {
    transmit = (transmit << 8) | p[i];
  }
  EXPECT_EQ(transmit, to_ntp(at(1796400000)));
  for (std::size_t i = 1; i < 40; ++i) {
    EXPECT_EQ(p[i], 0) << i;
  }
}

TEST(TimeSync, ParsesAServerAnswerAndComputesTheOffset) {
  const auto t1 = at(1796400000);
  const NtpPacket request = ntp_request(t1);
  // The Konnektor is 90 s ahead; 20 ms there, 10 ms in the Konnektor, 20 ms back.
  const auto t2 = t1 + seconds(90) + milliseconds(20);
  const auto t3 = t2 + milliseconds(10);
  const auto t4 = t1 + milliseconds(50);
  const NtpPacket reply = answer(request, t2, t3);
  const NtpParse parsed = parse_ntp_reply(reply, request);
  ASSERT_TRUE(parsed.reply) << parsed.error;
  EXPECT_EQ(parsed.reply->stratum, 2);
  const TimeSample s = time_sample(t1, *parsed.reply, t4);
  EXPECT_EQ(s.offset, milliseconds(90000));
  EXPECT_EQ(s.round_trip, milliseconds(40));
  EXPECT_LT(std::chrono::abs(s.konnektor_time - (t4 + seconds(90))), milliseconds(1));
}

TEST(TimeSync, NegativeOffsetWhenTheKonnektorIsBehind) {
  const auto t1 = at(1796400000);
  const NtpPacket request = ntp_request(t1);
  const auto t2 = t1 - seconds(400);
  const NtpParse parsed = parse_ntp_reply(answer(request, t2, t2), request);
  ASSERT_TRUE(parsed.reply);
  EXPECT_EQ(time_sample(t1, *parsed.reply, t1).offset, milliseconds(-400000));
}

TEST(TimeSync, RefusesWhatIsNotAnAnswerToOurRequest) {
  const NtpPacket request = ntp_request(at(1796400000));
  const NtpPacket good = answer(request, at(1796400001), at(1796400001));
  EXPECT_FALSE(parse_ntp_reply(std::span<const std::uint8_t>(good.data(), 47), request).reply);
  NtpPacket wrong_mode = good;
  wrong_mode[0] = (4 << 3) | 3;
  EXPECT_NE(parse_ntp_reply(wrong_mode, request).error.find("mode 3"), std::string::npos);
  const NtpPacket kiss = answer(request, at(1796400001), at(1796400001), 0);
  EXPECT_NE(parse_ntp_reply(kiss, request).error.find("not synchronised"), std::string::npos);
  NtpPacket unsynchronised = good;
  unsynchronised[0] = static_cast<std::uint8_t>(0xC0 | unsynchronised[0]);  // leap indicator 3
  EXPECT_FALSE(parse_ntp_reply(unsynchronised, request).reply);
  const NtpPacket other = answer(ntp_request(at(1796400005)), at(1796400001), at(1796400001));
  EXPECT_NE(parse_ntp_reply(other, request).error.find("originate"), std::string::npos);
}

TEST(TimeSync, TimeServerFromConfigurationOrSdsUrl) {
  TimeServer t = time_server_of("", "https://konnektor.konlan:8443/connector.sds");
  EXPECT_EQ(t.host, "konnektor.konlan");
  EXPECT_EQ(t.port, 123);
  t = time_server_of("", "https://10.0.0.5/connector.sds");
  EXPECT_EQ(t.host, "10.0.0.5");
  t = time_server_of("127.0.0.1:40123", "https://konnektor/connector.sds");
  EXPECT_EQ(t.host, "127.0.0.1");
  EXPECT_EQ(t.port, 40123);
  t = time_server_of("ntp.konlan", "");
  EXPECT_EQ(t.host, "ntp.konlan");
  EXPECT_EQ(t.port, 123);
  t = time_server_of("[fd00::1]:1123", "");
  EXPECT_EQ(t.host, "fd00::1");
  EXPECT_EQ(t.port, 1123);
  t = time_server_of("", "https://[fd00::2]:443/connector.sds");
  EXPECT_EQ(t.host, "fd00::2");
  EXPECT_EQ(t.port, 123);
  t = time_server_of("host:99999999", "");
  EXPECT_EQ(t.port, 123);  // not a port: the default
}

}  // namespace
}  // namespace kimgate::konnektor
