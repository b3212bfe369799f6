#include "web/metrics_endpoint.h"

#include <gtest/gtest.h>

namespace kimgate::web {
namespace {

Request request(http::verb verb, std::string target) {
  Request r{verb, target, 11};
  r.keep_alive(true);
  return r;
}

const auto kExposition = [] { return std::string("# HELP x_total X.\n# TYPE x_total counter\nx_total 3\n"); };

TEST(MetricsEndpoint, GetMetricsAnswersTheExpositionInFormat004) {
  const Response res = metrics_response(request(http::verb::get, "/metrics"), kExposition);
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res[http::field::content_type], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(res.body(), kExposition());
  EXPECT_TRUE(res.keep_alive());
}

TEST(MetricsEndpoint, QueryStringIsIgnored) {
  const Response res = metrics_response(request(http::verb::get, "/metrics?x=1"), kExposition);
  EXPECT_EQ(res.result(), http::status::ok);
}

TEST(MetricsEndpoint, HeadHasTheLengthButNoBody) {
  const Response res = metrics_response(request(http::verb::head, "/metrics"), kExposition);
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_TRUE(res.body().empty());
  EXPECT_EQ(res[http::field::content_length], std::to_string(kExposition().size()));
}

TEST(MetricsEndpoint, OtherPathsAndMethodsAreRefused) {
  EXPECT_EQ(metrics_response(request(http::verb::get, "/"), kExposition).result(), http::status::not_found);
  EXPECT_EQ(metrics_response(request(http::verb::get, "/metrics/x"), kExposition).result(), http::status::not_found);
  const Response post = metrics_response(request(http::verb::post, "/metrics"), kExposition);
  EXPECT_EQ(post.result(), http::status::method_not_allowed);
  EXPECT_EQ(post[http::field::allow], "GET, HEAD");
}

}  // namespace
}  // namespace kimgate::web
