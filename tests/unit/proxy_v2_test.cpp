#include "net/proxy_v2.h"

#include <gtest/gtest.h>

#include <string>

namespace kimgate::net {
namespace {

using namespace std::string_literals;

const std::string kSig = "\r\n\r\n\0\r\nQUIT\n"s;

// HAProxy send-proxy-v2 for 127.0.0.5:40000 -> 127.0.0.1:2465.
const std::string kTcp4 = kSig + "\x21\x11\x00\x0c"s + "\x7f\x00\x00\x05"s + "\x7f\x00\x00\x01"s + "\x9c\x40\x09\xa1"s;

TEST(ProxyV2, Tcp4) {
  const ProxyParse p = parse_proxy_header(kTcp4 + "\x16\x03\x01");  // a TLS ClientHello behind it
  ASSERT_EQ(p.status, ProxyParse::Status::complete) << p.error;
  EXPECT_EQ(p.header.command, ProxyHeader::Command::proxy);
  EXPECT_EQ(p.header.source_address, "127.0.0.5");
  EXPECT_EQ(p.header.source_port, 40000);
  EXPECT_EQ(p.header.destination_address, "127.0.0.1");
  EXPECT_EQ(p.header.destination_port, 2465);
  EXPECT_EQ(p.header.length, 28U);
  EXPECT_EQ(p.header.version, 2);
}

TEST(ProxyV2, Tcp6WithTlvsSkipped) {
  std::string addr(36, '\0');
  addr[15] = 1;       // ::1
  addr[16] = '\x20';  // 2001:db8::7
  addr[17] = '\x01';
  addr[18] = '\x0d';
  addr[19] = '\xb8';
  addr[31] = 7;
  addr[32] = '\x01';  // port 443
  addr[33] = '\xbb';
  addr[34] = '\x00';  // port 25
  addr[35] = '\x19';
  const std::string tlv =
      "\x04\x00\x03"
      "abc"s;  // PP2_TYPE_NOOP
  const std::string h = kSig + "\x21\x21\x00"s + static_cast<char>(36 + tlv.size()) + addr + tlv;
  const ProxyParse p = parse_proxy_header(h);
  ASSERT_EQ(p.status, ProxyParse::Status::complete) << p.error;
  EXPECT_EQ(p.header.source_address, "::1");
  EXPECT_EQ(p.header.destination_address, "2001:db8::7");
  EXPECT_EQ(p.header.source_port, 443);
  EXPECT_EQ(p.header.destination_port, 25);
  EXPECT_EQ(p.header.length, h.size());
}

TEST(ProxyV2, LocalHasNoAddress) {
  const ProxyParse p = parse_proxy_header(kSig + "\x20\x00\x00\x00"s);
  ASSERT_EQ(p.status, ProxyParse::Status::complete) << p.error;
  EXPECT_EQ(p.header.command, ProxyHeader::Command::local);
  EXPECT_FALSE(p.header.has_address());
  EXPECT_EQ(p.header.length, 16U);
}

TEST(ProxyV2, UnspecProxyHasNoAddress) {
  const ProxyParse p = parse_proxy_header(kSig + "\x21\x00\x00\x00"s);
  ASSERT_EQ(p.status, ProxyParse::Status::complete);
  EXPECT_FALSE(p.header.has_address());
}

TEST(ProxyV2, AsksForExactlyWhatTheHeaderNeeds) {
  EXPECT_EQ(parse_proxy_header("").need, 6U);
  EXPECT_EQ(parse_proxy_header(kSig.substr(0, 6)).need, 16U);
  const ProxyParse fixed = parse_proxy_header(kTcp4.substr(0, 16));
  EXPECT_EQ(fixed.status, ProxyParse::Status::need_more);
  EXPECT_EQ(fixed.need, 28U);
  EXPECT_EQ(parse_proxy_header(kTcp4.substr(0, 27)).need, 28U);
}

TEST(ProxyV2, RefusesWhatIsNotAValidHeader) {
  const auto refused = [](const std::string& bytes) {
    return parse_proxy_header(bytes).status == ProxyParse::Status::invalid;
  };
  EXPECT_TRUE(refused("EHLO x\r\n"));                                        // no header at all
  EXPECT_TRUE(refused("\x16\x03\x01\x02\x00\x01"s));                         // TLS straight away
  EXPECT_TRUE(refused(kSig + "\x11\x11\x00\x0c"s + std::string(12, 'x')));   // version 1 in v2 form
  EXPECT_TRUE(refused(kSig + "\x22\x11\x00\x0c"s + std::string(12, 'x')));   // command 2
  EXPECT_TRUE(refused(kSig + "\x21\x12\x00\x0c"s + std::string(12, 'x')));   // UDP
  EXPECT_TRUE(refused(kSig + "\x21\x11\x00\x08"s + std::string(8, 'x')));    // TCP4 too short
  EXPECT_TRUE(refused(kSig + "\x21\x21\x00\x0c"s + std::string(12, 'x')));   // TCP6 too short
  EXPECT_TRUE(refused(kSig + "\x21\x31\x00\xd8"s + std::string(216, 'x')));  // AF_UNIX
  EXPECT_TRUE(refused(kSig + "\x21\x11\xff\xff"s));                          // longer than allowed
}

TEST(ProxyV1, Tcp4AndTcp6) {
  const ProxyParse p = parse_proxy_header("PROXY TCP4 192.0.2.7 127.0.0.1 51000 2465\r\nEHLO");
  ASSERT_EQ(p.status, ProxyParse::Status::complete) << p.error;
  EXPECT_EQ(p.header.version, 1);
  EXPECT_EQ(p.header.source_address, "192.0.2.7");
  EXPECT_EQ(p.header.source_port, 51000);
  EXPECT_EQ(p.header.length, 43U);
  const ProxyParse six = parse_proxy_header("PROXY TCP6 2001:db8::1 ::1 1 2\r\n");
  ASSERT_EQ(six.status, ProxyParse::Status::complete) << six.error;
  EXPECT_EQ(six.header.source_address, "2001:db8::1");
}

TEST(ProxyV1, UnknownHasNoAddress) {
  const ProxyParse p = parse_proxy_header("PROXY UNKNOWN\r\n");
  ASSERT_EQ(p.status, ProxyParse::Status::complete);
  EXPECT_FALSE(p.header.has_address());
  EXPECT_EQ(p.header.length, 15U);
}

TEST(ProxyV1, ReadsOneByteAtATimeUpToTheLimit) {
  EXPECT_EQ(parse_proxy_header("PROXY TCP4 1").need, 13U);
  EXPECT_EQ(parse_proxy_header("PROXY " + std::string(101, 'x')).status, ProxyParse::Status::invalid);
}

TEST(ProxyV1, RefusesMalformedLines) {
  for (const std::string line : {"PROXY TCP4 1.2.3 127.0.0.1 1 2\r\n", "PROXY TCP4 ::1 127.0.0.1 1 2\r\n",
                                 "PROXY TCP4 1.2.3.4 127.0.0.1 1 65536\r\n", "PROXY TCP4 1.2.3.4 127.0.0.1 01 2\r\n",
                                 "PROXY TCP4 1.2.3.4 127.0.0.1 1\r\n", "PROXY TCP4 1.2.3.4 127.0.0.1 1 2 3\r\n",
                                 "PROXY UDP4 1.2.3.4 127.0.0.1 1 2\r\n"}) {
    EXPECT_EQ(parse_proxy_header(line).status, ProxyParse::Status::invalid) << line;
  }
}

}  // namespace
}  // namespace kimgate::net
