// The typed clients (KAS, AccountLimit) against an in-process TLS server that answers a scripted
// sequence of connections: the requests they send and how they read the answers.
#include "rest/kas_client.h"

#include <gtest/gtest.h>

#include "rest/account_limit.h"
#include "tests/rest/scripted_server.h"

namespace kimgate::rest {
namespace {

using test_server::json_reply;
using test_server::run_on;
using test_server::ScriptedServer;
using test_server::Seen;

class KasClientTest : public ::testing::Test {
 protected:
  ServiceEndpoint kas(std::uint16_t port) const {
    ServiceEndpoint e;
    e.endpoint = Endpoint{"127.0.0.1", "127.0.0.1", port};
    e.txt["path"] = "/attachments/v2.4";
    return e;
  }
  asio::io_context io_;
  asio::thread_pool pool_{1};
  ServiceLocator locator_{pool_, ServiceLocator::Settings{}};
  const Credentials who_{"praxis@fd-a.kim.telematik-test", "geheim"};
};

TEST_F(KasClientTest, AddMailDataUploadsTheMultipartFormAndReadsTheLink) {
  ScriptedServer server(
      io_, {json_reply("201 Created", R"({"sharedLink":"https://127.0.0.1/attachments/v2.4/attachment/u1"})")});
  KasClient client(io_.get_executor(), locator_, server.settings());
  const std::string data(70000, '\xab');
  StringSource source(data);
  KasUpload upload{"bde36ec8@example",
                   {"a@fd-b.kim.telematik-test", "b@fd-b.kim.telematik-test"},
                   "Tue, 01 Apr 2026 12:00:00 +0000",
                   data.size(),
                   &source};
  const KasResult r = run_on(io_, client.add_mail_data(kas(server.port()), who_, std::move(upload)));
  EXPECT_EQ(r.outcome, KasResult::Outcome::ok) << r.detail;
  EXPECT_EQ(r.shared_link, "https://127.0.0.1/attachments/v2.4/attachment/u1");
  ASSERT_EQ(server.seen.size(), 1u);
  const Seen& s = server.seen[0];
  EXPECT_EQ(s.method, "POST");
  EXPECT_EQ(s.target, "/attachments/v2.4/attachment/");
  EXPECT_EQ(s.headers.at("authorization"), basic_authorization(who_.user, who_.password));
  EXPECT_EQ(s.headers.at("content-type").rfind("multipart/form-data; boundary=", 0), 0u);
  EXPECT_EQ(s.headers.at("content-length"), std::to_string(s.body.size()));
  EXPECT_NE(s.body.find("name=\"messageID\"\r\n\r\nbde36ec8@example\r\n"), std::string::npos);
  EXPECT_NE(s.body.find("name=\"recipients\"\r\n\r\nb@fd-b.kim.telematik-test\r\n"), std::string::npos);
  EXPECT_NE(s.body.find("name=\"attachment\"; filename=\"attachment.enc\"\r\nContent-Type: application/octet-stream\r\n"
                        "Content-Length: 70000\r\n\r\n" +
                        data + "\r\n--"),
            std::string::npos);
}

TEST_F(KasClientTest, QuotaExceededCarriesTheProviderMessage) {
  ScriptedServer server(io_, {json_reply("507 Insufficient Storage", R"({"message":"Quota","traceId":"t-1"})")});
  KasClient client(io_.get_executor(), locator_, server.settings());
  StringSource source("x");
  const KasResult r =
      run_on(io_, client.add_mail_data(kas(server.port()), who_, KasUpload{"m@x", {"a@b"}, "e", 1, &source}));
  EXPECT_EQ(r.outcome, KasResult::Outcome::quota_exceeded);
  EXPECT_EQ(r.status, 507);
  EXPECT_NE(r.detail.find("HTTP 507: Quota (traceId t-1)"), std::string::npos) << r.detail;
  EXPECT_EQ(r.detail.find("geheim"), std::string::npos);
}

TEST_F(KasClientTest, HeadReadAndDelete) {
  ScriptedServer server(io_, {"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n",
                              "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 11\r\n\r\n"
                              "hello world",
                              json_reply("429 Too Many Requests", R"({"message":"too many downloads"})"),
                              "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"});
  KasClient client(io_.get_executor(), locator_, server.settings());
  const std::string link = "https://127.0.0.1:" + std::to_string(server.port()) + "/attachments/v2.4/attachment/u1";
  KasResult r = run_on(io_, client.head(link, "b@fd-b.kim.telematik-test"));
  EXPECT_EQ(r.outcome, KasResult::Outcome::ok) << r.detail;
  EXPECT_EQ(r.size, 11u);
  StringSink sink;
  r = run_on(io_, client.read_mail_data(link, "b@fd-b.kim.telematik-test", sink));
  EXPECT_EQ(r.outcome, KasResult::Outcome::ok) << r.detail;
  EXPECT_EQ(sink.data(), "hello world");
  StringSink refused;
  r = run_on(io_, client.read_mail_data(link, "b@fd-b.kim.telematik-test", refused));
  EXPECT_EQ(r.outcome, KasResult::Outcome::too_many);
  EXPECT_TRUE(refused.data().empty()) << "an error body is not mail data";
  EXPECT_NE(r.detail.find("too many downloads"), std::string::npos) << r.detail;
  r = run_on(io_, client.delete_mail_data(link, who_));
  EXPECT_EQ(r.outcome, KasResult::Outcome::ok) << r.detail;
  ASSERT_EQ(server.seen.size(), 4u);
  EXPECT_EQ(server.seen[0].method, "HEAD");
  EXPECT_EQ(server.seen[0].headers.at("recipient"), "b@fd-b.kim.telematik-test");
  EXPECT_EQ(server.seen[1].headers.at("accept"), "application/octet-stream");
  EXPECT_EQ(server.seen[3].method, "DELETE");
  EXPECT_EQ(server.seen[3].target, "/attachments/v2.4/attachment/u1");
  EXPECT_EQ(server.seen[3].headers.at("authorization"), basic_authorization(who_.user, who_.password));
  EXPECT_EQ(run_on(io_, client.head("http://127.0.0.1/x", "b@x")).outcome, KasResult::Outcome::failed);
}

TEST_F(KasClientTest, AccountLimitsAreFetchedOnceAndCached) {
  ScriptedServer server(
      io_, {json_reply("200 OK", R"({"dataTimeToLive":30,"maxMailSize":734003200,"quota":-1,"remainQuota":-1})")});
  AccountLimitClient client(io_.get_executor(), server.settings());
  ServiceEndpoint accmgr;
  accmgr.endpoint = Endpoint{"127.0.0.1", "127.0.0.1", server.port()};
  LimitsResult r = run_on(io_, client.get_limits(accmgr, who_));
  ASSERT_TRUE(r.limits) << r.detail;
  EXPECT_EQ(r.limits->data_time_to_live_days, 30u);
  ASSERT_EQ(server.seen.size(), 1u);
  EXPECT_EQ(server.seen[0].target, "/AccountLimit/v1.1/limit");
  EXPECT_EQ(server.seen[0].headers.at("authorization"), basic_authorization(who_.user, who_.password));
  r = run_on(io_, client.get_limits(accmgr, who_));
  ASSERT_TRUE(r.limits) << r.detail;  // the server accepts no second connection
  EXPECT_EQ(r.limits->data_time_to_live_days, 30u);
  client.forget(who_.user);
  r = run_on(io_, client.get_limits(accmgr, who_));
  EXPECT_FALSE(r.limits);
  EXPECT_FALSE(r.detail.empty());
}

}  // namespace
}  // namespace kimgate::rest
