// Pure parsers of rest/: URLs, TXT records, the provider's JSON answers, HTTP responses.
#include <gtest/gtest.h>

#include "rest/account_limit.h"
#include "rest/dnssd.h"
#include "rest/http_client.h"
#include "rest/provider_error.h"
#include "rest/service_information.h"
#include "rest/url.h"

namespace kimgate::rest {
namespace {

TEST(HttpsUrl, AcceptsNamesPortsAndV6Literals) {
  auto u = parse_https_url("https://KAS.fd-a.kim.telematik-test/attachments/v2.4/attachment/a566f001?x=1");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "kas.fd-a.kim.telematik-test");
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(u->target, "/attachments/v2.4/attachment/a566f001?x=1");
  u = parse_https_url("https://127.0.0.1:8443");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 8443);
  EXPECT_EQ(u->target, "/");
  u = parse_https_url("https://[::1]:9443/a");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 9443);
  EXPECT_EQ(u->target, "/a");
  EXPECT_EQ(host_port("::1", 9443), "[::1]:9443");
}

TEST(HttpsUrl, RejectsWhatCouldSmuggleOrIsNotHttps) {
  for (const char* bad : {"http://kas.example/a", "https://user:pw@kas.example/a", "https://kas.example/a#frag",
                          "https://kas.example/a b", "https://kas.example/a\r\nX: y", "https://kas.example:0/",
                          "https://kas.example:65536/", "https://kas.example:/", "https://", "https:///a",
                          "https://[::1/a", "https://[zz]/", "https://kas..example/", "https://-kas.example/",
                          "https://kas.example:12a/", "ftp://kas.example/"}) {
    EXPECT_FALSE(parse_https_url(bad)) << bad;
  }
}

TEST(JoinPath, OneSlashBetween) {
  EXPECT_EQ(join_path("/attachments/v2.4", "attachment/"), "/attachments/v2.4/attachment/");
  EXPECT_EQ(join_path("/AccountLimit/v1.1/", "/limit"), "/AccountLimit/v1.1/limit");
  EXPECT_EQ(join_path("base", "x"), "/base/x");
}

TEST(Txt, SplitsLengthPrefixedStrings) {
  const std::vector<std::uint8_t> rdata{4, 'p', 'a', 't', 'h', 0, 3, 'a', '=', 'b'};
  const auto strings = split_txt_rdata(rdata);
  ASSERT_TRUE(strings);
  ASSERT_EQ(strings->size(), 3u);
  EXPECT_EQ((*strings)[0], "path");
  EXPECT_EQ((*strings)[1], "");
  EXPECT_EQ((*strings)[2], "a=b");
  const std::vector<std::uint8_t> truncated{5, 'a', 'b'};
  EXPECT_FALSE(split_txt_rdata(truncated));
  EXPECT_TRUE(split_txt_rdata({}));
}

TEST(Txt, KeysCaseInsensitiveFirstWinsEmptyIgnored) {
  const auto txt = parse_txt(
      {"Path=/attachments/v2.4", "PATH=/other", "=nokey", "", "flag", "a==b", "x=", std::string(256, 'k') + "=long"});
  EXPECT_EQ(txt.at("path"), "/attachments/v2.4");
  EXPECT_EQ(txt.at("flag"), "");
  EXPECT_EQ(txt.at("a"), "=b");
  EXPECT_EQ(txt.at("x"), "");
  EXPECT_EQ(txt.size(), 4u);
}

TEST(Txt, InstanceMatching) {
  EXPECT_TRUE(instance_matches("fd-a.kim.telematik-test", "fd-a.kim.telematik-test"));
  EXPECT_TRUE(instance_matches("kas.FD-A.kim.telematik-test", "fd-a.kim.telematik-test."));
  EXPECT_FALSE(instance_matches("xfd-a.kim.telematik-test", "fd-a.kim.telematik-test"));
  EXPECT_FALSE(instance_matches("fd-b.kim.telematik-test", "fd-a.kim.telematik-test"));
  EXPECT_FALSE(instance_matches("anything", ""));
}

TEST(AccountLimits, ParsesTheYamlExampleAndToleratesUnknownFields) {
  std::string error;
  auto l = parse_account_limits(
      R"({"dataTimeToLive":30,"maxMailSize":734003200,"quota":160000000000,"remainQuota":112000000000,)"
      R"("kasMailSizeThreshold":15728640})",
      error);
  ASSERT_TRUE(l) << error;
  EXPECT_EQ(l->data_time_to_live_days, 30u);
  EXPECT_EQ(l->max_mail_size, 734003200u);
  EXPECT_EQ(l->quota, 160000000000);
  EXPECT_EQ(l->remain_quota, 112000000000);
  l = parse_account_limits(R"({"quota":-1})", error);
  ASSERT_TRUE(l) << error;
  EXPECT_EQ(l->data_time_to_live_days, 90u);
  EXPECT_EQ(l->quota, -1);
  EXPECT_EQ(l->remain_quota, -1);
}

TEST(AccountLimits, RejectsWrongTypesAndRanges) {
  std::string error;
  EXPECT_FALSE(parse_account_limits(R"({"dataTimeToLive":"90"})", error));
  EXPECT_NE(error.find("dataTimeToLive"), std::string::npos) << error;
  EXPECT_FALSE(parse_account_limits(R"({"maxMailSize":-5})", error));
  EXPECT_FALSE(parse_account_limits(R"({"quota":-2})", error));
  EXPECT_FALSE(parse_account_limits(R"({"quota":1.5})", error));
  EXPECT_FALSE(parse_account_limits(R"([1,2])", error));
  EXPECT_FALSE(parse_account_limits("not json", error));
  EXPECT_FALSE(parse_account_limits(R"({"remainQuota":18446744073709551615})", error));
}

TEST(ServiceInformation, ParsesAllFields) {
  std::string error;
  const auto s = parse_service_information(
      R"({"kimServiceVersion":"1.5.5;1.5.4","passwordPolicyRegEx":"^.{12,256}$","passwordPolicyDisplay":"12+",)"
      R"("jwtExpiration":300,"referenceIdRequired":true,"initialPasswordRequired":false,"other":1})",
      error);
  ASSERT_TRUE(s) << error;
  EXPECT_EQ(s->kim_service_version, "1.5.5;1.5.4");
  EXPECT_EQ(s->password_policy_regex, "^.{12,256}$");
  EXPECT_EQ(s->jwt_expiration, 300u);
  EXPECT_EQ(s->reference_id_required, true);
  EXPECT_EQ(s->initial_password_required, false);
  EXPECT_FALSE(parse_service_information(R"({"jwtExpiration":"300"})", error));
  EXPECT_FALSE(parse_service_information(R"({"referenceIdRequired":"yes"})", error));
}

TEST(ProviderError, MessageAndTraceIdOrJustTheStatus) {
  EXPECT_EQ(describe_status(507, R"({"message":"Quota exceeded","traceId":"19aaf69260f63694"})"),
            "HTTP 507: Quota exceeded (traceId 19aaf69260f63694)");
  EXPECT_EQ(describe_status(500, "<html>oops</html>"), "HTTP 500");
  EXPECT_EQ(describe_status(400, R"({"message":"bad\r\nX-Injected: 1"})"), "HTTP 400: bad??X-Injected: 1");
  EXPECT_EQ(describe_status(401, R"({"message":42})"), "HTTP 401");
}

TEST(ResponseParser, ContentLengthChunkedAndCloseDelimited) {
  auto r = parse_response("HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\nhello",
                          8192, 1024, false, false);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.body, "hello");
  r = parse_response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n", 8192,
                     1024, false, false);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.body, "abcde");
  r = parse_response("HTTP/1.1 200 OK\r\n\r\nuntil close", 8192, 1024);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.body, "until close");
  r = parse_response("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n", 8192, 1024, false, false);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.status, 204);
  r = parse_response("HTTP/1.1 200 OK\r\nContent-Length: 700\r\n\r\n", 8192, 1024, true, false);
  EXPECT_TRUE(r.complete);  // HEAD: no body whatever Content-Length says
}

TEST(ResponseParser, LimitsAndGarbage) {
  auto r = parse_response("HTTP/1.1 200 OK\r\nX-Big: " + std::string(10000, 'a') + "\r\n\r\n", 4096, 1024);
  EXPECT_FALSE(r.complete);
  EXPECT_EQ(r.failure, Response::Failure::too_large);
  r = parse_response("HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n" + std::string(2000, 'x'), 4096, 1024);
  EXPECT_EQ(r.failure, Response::Failure::too_large);
  r = parse_response("SMTP 220 hello\r\n\r\n", 4096, 1024);
  EXPECT_EQ(r.failure, Response::Failure::protocol);
  r = parse_response("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", 4096, 1024);
  EXPECT_FALSE(r.complete);
  EXPECT_EQ(r.failure, Response::Failure::protocol);
  r = parse_response("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 4096, 1024);
  EXPECT_FALSE(r.complete);
}

TEST(RequestHead, FramingHeadersAreOurs) {
  Endpoint at{"kas.example", "", 443};
  Request req;
  req.method = "POST";
  req.target = "/attachments/v2.4/attachment/";
  req.headers.push_back({"Accept", "application/json"});
  req.body = "xyz";
  std::string error;
  auto head = format_request_head(at, req, error);
  ASSERT_TRUE(head) << error;
  EXPECT_EQ(*head,
            "POST /attachments/v2.4/attachment/ HTTP/1.1\r\nHost: kas.example\r\nAccept: application/json\r\n"
            "Content-Length: 3\r\nConnection: close\r\n\r\n");
  at.port = 8443;
  req.headers.push_back({"recipient", "a@b\r\nX: y"});
  EXPECT_FALSE(format_request_head(at, req, error));
  req.headers.pop_back();
  req.headers.push_back({"Content-Length", "5"});
  EXPECT_FALSE(format_request_head(at, req, error));
  req.headers.pop_back();
  req.target = "/a b";
  EXPECT_FALSE(format_request_head(at, req, error));
  EXPECT_EQ(basic_authorization("gematik", "kim"), "Basic Z2VtYXRpazpraW0=");
}

}  // namespace
}  // namespace kimgate::rest
