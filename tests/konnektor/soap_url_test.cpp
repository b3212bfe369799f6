#include <gtest/gtest.h>

#include "konnektor/soap_transport.h"

namespace kimgate::konnektor {
namespace {

TEST(KonnektorSoapUrl, HttpsUrlsWithAndWithoutPortAndPath) {
  const auto a = parse_https_url("https://konnektor.konlan/connector.sds");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "konnektor.konlan");
  EXPECT_EQ(a->port, "443");
  EXPECT_EQ(a->target, "/connector.sds");
  const auto b = parse_https_url("https://127.0.0.1:8443");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->authority(), "127.0.0.1:8443");
  EXPECT_EQ(b->target, "/");
  const auto c = parse_https_url("https://[::1]:9443/ws/EventService/v7.2");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->host, "::1");
  EXPECT_EQ(c->port, "9443");
  EXPECT_EQ(c->target, "/ws/EventService/v7.2");
  EXPECT_FALSE(parse_https_url("http://konnektor.konlan/connector.sds"));
  EXPECT_FALSE(parse_https_url("https://:443/"));
  EXPECT_FALSE(parse_https_url("https://host:44x3/"));
  EXPECT_FALSE(parse_https_url("https://[::1/"));
}

}  // namespace
}  // namespace kimgate::konnektor
