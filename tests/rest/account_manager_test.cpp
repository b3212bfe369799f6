// The Account Manager client against an in-process TLS server: per operation the request it sends
// (method, target, headers incl. the base64 passwords, JSON body) and how it reads the answer.
#include "rest/account_manager.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "crypto/base64.h"
#include "tests/rest/scripted_server.h"

namespace kimgate::rest {
namespace {

using nlohmann::json;
using test_server::json_reply;
using test_server::run_on;
using test_server::ScriptedServer;
using test_server::Seen;

const std::string kJwt = "eyJhbGciOiJQUzI1NiJ9.eyJuYmYiOjF9.c2ln";
const std::string kNoContent = "HTTP/1.1 204 No Content\r\n\r\n";

std::string b64(std::string_view s) {
  return crypto::base64::encode(s);
}

class AccountManagerTest : public ::testing::Test {
 protected:
  ServiceEndpoint accmgr(std::uint16_t port) const {
    ServiceEndpoint e;
    e.endpoint = Endpoint{"127.0.0.1", "127.0.0.1", port};
    return e;
  }
  // Every request carries the JWT and asks for JSON.
  static void expect_common(const Seen& s) {
    EXPECT_EQ(s.headers.at("authorization"), "Bearer " + kJwt);
    EXPECT_EQ(s.headers.at("accept"), "application/json");
  }
  static void expect_no_secret(const AmError& e) {
    for (const std::string* text : {&e.sentence_en, &e.sentence_de, &e.advice_en, &e.advice_de}) {
      EXPECT_EQ(text->find("Geheim-2024!"), std::string::npos) << *text;
      EXPECT_EQ(text->find(b64("Geheim-2024!")), std::string::npos) << *text;
    }
  }
  asio::io_context io_;
  const Credentials who_{"praxis.a@fd-a.kim.telematik-test", "Geheim-2024!"};
  const std::string path_ = "/AccountMgmt/v2.4/account/praxis.a@fd-a.kim.telematik-test";
};

TEST_F(AccountManagerTest, RegisterAccountPostsTheAccountWithTheInitialPassword) {
  ScriptedServer server(io_, {kNoContent});
  AccountManagerClient client(io_.get_executor(), server.settings());
  Account account;
  account.reference_id = "REF-4711";
  account.username = "B-461234500.KVH@fd-a.kim.telematik-test";
  account.password = "Neu-Passwort-1!";
  account.kim_version = "1.5+";
  const AmResult<AmDone> r =
      run_on(io_, client.register_account(accmgr(server.port()), kJwt, "Start-123", std::move(account)));
  ASSERT_TRUE(r.ok()) << r.error.sentence_en;
  ASSERT_EQ(server.seen.size(), 1u);
  const Seen& s = server.seen[0];
  expect_common(s);
  EXPECT_EQ(s.method, "POST");
  EXPECT_EQ(s.target, "/AccountMgmt/v2.4/account");
  EXPECT_EQ(s.headers.at("inipassword"), b64("Start-123"));
  EXPECT_EQ(s.headers.count("password"), 0u);
  EXPECT_EQ(s.headers.at("content-type"), "application/json; charset=utf-8");
  const json body = json::parse(s.body);
  EXPECT_EQ(body, json::parse(R"({"referenceID":"REF-4711","username":"B-461234500.KVH@fd-a.kim.telematik-test",
                                 "password":")" +
                              b64("Neu-Passwort-1!") + R"(","kimVersion":"1.5+"})"));
}

TEST_F(AccountManagerTest, RegisterAccountConflictNamesTheTakenAddressAndTheProviderTrace) {
  ScriptedServer server(io_,
                        {json_reply("409 Conflict", R"({"message":"address in use","traceId":"19aaf69260f63694"})")});
  AccountManagerClient client(io_.get_executor(), server.settings());
  Account account;
  account.username = "praxis.a@fd-a.kim.telematik-test";
  account.password = "Geheim-2024!";
  const AmResult<AmDone> r = run_on(io_, client.register_account(accmgr(server.port()), kJwt, "Geheim-2024!", account));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error.kind, AmError::Kind::provider);
  EXPECT_EQ(r.error.http_status, 409);
  EXPECT_EQ(r.error.op, AmOperation::register_account);
  EXPECT_EQ(r.error.provider_message, "address in use");
  EXPECT_EQ(r.error.trace_id, "19aaf69260f63694");
  EXPECT_EQ(r.error.sentence_en,
            "Registering the KIM address failed: the address is already taken (HTTP 409). Provider: address in use "
            "(traceId 19aaf69260f63694)");
  EXPECT_EQ(r.error.sentence_de,
            "Die Registrierung der KIM-Adresse ist fehlgeschlagen: die Adresse ist bereits vergeben (HTTP 409). "
            "Anbieter: address in use (traceId 19aaf69260f63694)");
  EXPECT_NE(r.error.advice_en.find("Choose another address"), std::string::npos);
  expect_no_secret(r.error);
}

TEST_F(AccountManagerTest, PasswordPolicyViolationQuotesTheProvidersPolicy) {
  ScriptedServer server(io_, {json_reply("420 Policy Not Fulfilled", R"({"message":"weak"})")});
  AccountManagerClient client(io_.get_executor(), server.settings());
  client.set_password_policy("mindestens 12 Zeichen, Ziffer, Groß- und Kleinbuchstabe, Sonderzeichen");
  Account changes;
  changes.password = "kurz";
  const AmResult<AmDone> r = run_on(io_, client.set_account(accmgr(server.port()), kJwt, who_, changes));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error.http_status, 420);
  EXPECT_NE(r.error.sentence_de.find("das neue Passwort entspricht nicht den Regeln des Anbieters (mindestens 12 "
                                     "Zeichen, Ziffer, Groß- und Kleinbuchstabe, Sonderzeichen) (HTTP 420)"),
            std::string::npos)
      << r.error.sentence_de;
  ASSERT_EQ(server.seen.size(), 1u);
  EXPECT_EQ(server.seen[0].method, "PUT");
  EXPECT_EQ(server.seen[0].target, path_);
  EXPECT_EQ(server.seen[0].headers.at("password"), b64("Geheim-2024!"));
  EXPECT_EQ(json::parse(server.seen[0].body), json::parse(R"({"password":")" + b64("kurz") + R"("})"));
}

TEST_F(AccountManagerTest, GetAccountReadsEveryMember) {
  ScriptedServer server(
      io_, {json_reply("200 OK", R"({"username":"praxis.a@fd-a.kim.telematik-test","kimVersion":"1.5","regStat":
        "deregistered","deregDate":1616588543,"maxMailSize":734003200,"dataTimeToLive":90,"noVzdMailEntry":false,
        "referenceID":"REF-4711","password":"ignored","appTags":["x"]})")});
  AccountManagerClient client(io_.get_executor(), server.settings());
  const AmResult<Account> r = run_on(io_, client.get_account(accmgr(server.port()), kJwt, who_));
  ASSERT_TRUE(r.ok()) << r.error.sentence_en;
  EXPECT_EQ(r.value->username, "praxis.a@fd-a.kim.telematik-test");
  EXPECT_EQ(r.value->kim_version, "1.5");
  EXPECT_EQ(r.value->reg_stat, RegStat::deregistered);
  EXPECT_EQ(r.value->dereg_date, 1616588543);
  EXPECT_EQ(r.value->max_mail_size, 734003200u);
  EXPECT_EQ(r.value->data_time_to_live, 90u);
  EXPECT_EQ(r.value->no_vzd_mail_entry, false);
  EXPECT_EQ(r.value->reference_id, "REF-4711");
  EXPECT_FALSE(r.value->password) << "password is writeOnly";
  ASSERT_EQ(server.seen.size(), 1u);
  expect_common(server.seen[0]);
  EXPECT_EQ(server.seen[0].method, "GET");
  EXPECT_EQ(server.seen[0].target, path_);
  EXPECT_EQ(server.seen[0].headers.at("password"), b64("Geheim-2024!"));
  EXPECT_TRUE(server.seen[0].body.empty());
}

TEST_F(AccountManagerTest, AnAnswerOfTheWrongShapeIsAnInvalidAnswer) {
  ScriptedServer server(io_, {json_reply("200 OK", R"({"regStat":"gone"})"), json_reply("200 OK", R"({"otp":7})"),
                              json_reply("200 OK", "[]")});
  AccountManagerClient client(io_.get_executor(), server.settings());
  const AmResult<Account> account = run_on(io_, client.get_account(accmgr(server.port()), kJwt, who_));
  ASSERT_FALSE(account.ok());
  EXPECT_EQ(account.error.kind, AmError::Kind::invalid_answer);
  EXPECT_EQ(account.error.http_status, 200);
  EXPECT_NE(account.error.sentence_en.find("regStat"), std::string::npos) << account.error.sentence_en;
  const AmResult<Otp> otp = run_on(io_, client.get_otp(accmgr(server.port()), kJwt, who_));
  EXPECT_EQ(otp.error.kind, AmError::Kind::invalid_answer);
  const AmResult<OutOfOffice> ooo = run_on(io_, client.get_out_of_office(accmgr(server.port()), kJwt, who_));
  EXPECT_EQ(ooo.error.kind, AmError::Kind::invalid_answer);
}

TEST_F(AccountManagerTest, DeregisterAndRevoke) {
  ScriptedServer server(io_,
                        {kNoContent, json_reply("403 Forbidden", R"({"message":"not deregistered"})"), kNoContent});
  AccountManagerClient client(io_.get_executor(), server.settings());
  EXPECT_TRUE(run_on(io_, client.deregister_account(accmgr(server.port()), kJwt, who_)).ok());
  const AmResult<AmDone> refused = run_on(io_, client.revoke_deregistration(accmgr(server.port()), kJwt, who_));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error.http_status, 403);
  EXPECT_NE(refused.error.sentence_en.find("the account is not deregistered"), std::string::npos);
  EXPECT_TRUE(run_on(io_, client.revoke_deregistration(accmgr(server.port()), kJwt, who_)).ok());
  ASSERT_EQ(server.seen.size(), 3u);
  EXPECT_EQ(server.seen[0].method, "DELETE");
  EXPECT_EQ(server.seen[0].target, path_);
  EXPECT_EQ(server.seen[0].headers.at("password"), b64("Geheim-2024!"));
  EXPECT_EQ(server.seen[2].method, "PUT");
  EXPECT_EQ(server.seen[2].target, path_ + "/revokeDeregistration");
  expect_common(server.seen[2]);
}

TEST_F(AccountManagerTest, CreateCertAccepts200And201AndDecodesTheContainer) {
  const std::string p12("\x30\x82\x01\x00pkcs12-bytes\xff", 17);
  ScriptedServer server(io_, {json_reply("200 OK", R"({"file":")" + b64(p12) + R"("})"),
                              json_reply("201 Created", R"({"file":")" + b64(p12) + R"("})"),
                              json_reply("502 Bad Gateway", R"({"message":"CMP down"})")});
  AccountManagerClient client(io_.get_executor(), server.settings());
  const CertificateParameters parameters{"Praxis Dr. Müller", "p12-Passwort"};
  AmResult<CertificateFile> r = run_on(io_, client.create_cert(accmgr(server.port()), kJwt, who_, parameters));
  ASSERT_TRUE(r.ok()) << r.error.sentence_en;
  EXPECT_EQ(r.value->pkcs12, p12);
  r = run_on(io_, client.create_cert(accmgr(server.port()), kJwt, who_, parameters));
  ASSERT_TRUE(r.ok()) << r.error.sentence_en;
  r = run_on(io_, client.create_cert(accmgr(server.port()), kJwt, who_, parameters));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error.sentence_en.find("certificate service (CMP/PKI)"), std::string::npos) << r.error.sentence_en;
  ASSERT_EQ(server.seen.size(), 3u);
  EXPECT_EQ(server.seen[0].method, "POST");
  EXPECT_EQ(server.seen[0].target, path_ + "/cert");
  EXPECT_EQ(json::parse(server.seen[0].body),
            json::parse(R"({"commonName":"Praxis Dr. Müller","certPassword":")" + b64("p12-Passwort") + R"("})"));
}

TEST_F(AccountManagerTest, PortingGetsTheOtpAndSendsItBase64) {
  ScriptedServer server(io_, {json_reply("200 OK", R"({"otp":")" + b64("otp-8812") + R"("})"), kNoContent,
                              json_reply("408 Request Timeout", R"({"message":"otp expired"})")});
  AccountManagerClient client(io_.get_executor(), server.settings());
  const AmResult<Otp> otp = run_on(io_, client.get_otp(accmgr(server.port()), "old-card-jwt", who_));
  ASSERT_TRUE(otp.ok()) << otp.error.sentence_en;
  EXPECT_EQ(otp.value->otp, "otp-8812");
  EXPECT_TRUE(run_on(io_, client.set_tid(accmgr(server.port()), "new-card-jwt", who_, otp.value->otp)).ok());
  const AmResult<AmDone> late = run_on(io_, client.set_tid(accmgr(server.port()), "new-card-jwt", who_, "otp-8812"));
  ASSERT_FALSE(late.ok());
  EXPECT_NE(late.error.sentence_en.find("expired"), std::string::npos);
  EXPECT_NE(late.error.advice_en.find("with the old card"), std::string::npos);
  ASSERT_EQ(server.seen.size(), 3u);
  EXPECT_EQ(server.seen[0].target, path_ + "/OTP");
  EXPECT_EQ(server.seen[0].headers.at("authorization"), "Bearer old-card-jwt");
  EXPECT_EQ(server.seen[1].method, "PUT");
  EXPECT_EQ(server.seen[1].target, path_ + "/telematikID");
  EXPECT_EQ(server.seen[1].headers.at("authorization"), "Bearer new-card-jwt");
  EXPECT_EQ(server.seen[1].headers.at("otp"), b64("otp-8812"));
  EXPECT_EQ(server.seen[1].headers.at("password"), b64("Geheim-2024!"));
}

TEST_F(AccountManagerTest, OutOfOfficeReadAndUpdate) {
  ScriptedServer server(io_, {json_reply("200 OK", R"({"message":"Urlaub"})"), kNoContent});
  AccountManagerClient client(io_.get_executor(), server.settings());
  const AmResult<OutOfOffice> got = run_on(io_, client.get_out_of_office(accmgr(server.port()), kJwt, who_));
  ASSERT_TRUE(got.ok()) << got.error.sentence_en;
  EXPECT_FALSE(got.value->active) << "a missing active reads as false (FAQ)";
  EXPECT_EQ(got.value->message, "Urlaub");
  OutOfOffice note;
  note.active = true;
  note.start_date = "2026-12-23T00:00:00+01:00";
  note.end_date = "2027-01-06T00:00:00Z";
  note.message = "Die Praxis ist bis 6. Januar geschlossen.";
  EXPECT_TRUE(run_on(io_, client.update_out_of_office(accmgr(server.port()), kJwt, who_, note)).ok());
  ASSERT_EQ(server.seen.size(), 2u);
  EXPECT_EQ(server.seen[0].target, path_ + "/outofoffice");
  EXPECT_EQ(server.seen[1].method, "PUT");
  EXPECT_EQ(json::parse(server.seen[1].body),
            json::parse(R"({"active":true,"startDate":"2026-12-23T00:00:00+01:00","endDate":"2027-01-06T00:00:00Z",
                           "message":"Die Praxis ist bis 6. Januar geschlossen."})"));
}

TEST_F(AccountManagerTest, BadRequestsAreRefusedWithoutAConnection) {
  ScriptedServer server(io_, {});  // accepts nothing: any connection attempt would fail the call differently
  AccountManagerClient client(io_.get_executor(), server.settings());
  const ServiceEndpoint at = accmgr(server.port());
  Account changes;
  changes.username = "other@fd-a.kim.telematik-test";
  AmResult<AmDone> r = run_on(io_, client.set_account(at, kJwt, who_, changes));
  EXPECT_EQ(r.error.kind, AmError::Kind::invalid_request);
  EXPECT_EQ(r.error.sentence_en,
            "Changing the account was not attempted: the referenceID and the address cannot be changed.");
  changes = Account{};
  changes.data_time_to_live = 400;
  r = run_on(io_, client.set_account(at, kJwt, who_, changes));
  EXPECT_EQ(r.error.kind, AmError::Kind::invalid_request);
  r = run_on(io_, client.deregister_account(at, "", who_));
  EXPECT_EQ(r.error.kind, AmError::Kind::invalid_request);
  r = run_on(io_, client.deregister_account(at, kJwt, Credentials{who_.user, ""}));
  EXPECT_EQ(r.error.kind, AmError::Kind::invalid_request);
  r = run_on(io_, client.set_tid(at, kJwt, who_, std::string(200, 'x')));
  EXPECT_EQ(r.error.kind, AmError::Kind::invalid_request);
  OutOfOffice note;
  note.active = true;
  note.message = "weg";
  r = run_on(io_, client.update_out_of_office(at, kJwt, who_, note));
  EXPECT_EQ(r.error.kind, AmError::Kind::invalid_request);
  EXPECT_NE(r.error.sentence_de.find("braucht Beginn, Ende und Text"), std::string::npos);
  const AmResult<CertificateFile> cert = run_on(io_, client.create_cert(at, kJwt, who_, CertificateParameters{}));
  EXPECT_EQ(cert.error.kind, AmError::Kind::invalid_request);
  EXPECT_TRUE(server.seen.empty());
}

TEST_F(AccountManagerTest, AnUnreachableAccountManagerIsATransportError) {
  std::uint16_t closed = 0;
  {
    net::tcp::acceptor probe(io_, net::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    closed = probe.local_endpoint().port();
  }
  ScriptedServer server(io_, {});
  AccountManagerClient client(io_.get_executor(), server.settings());
  const AmResult<Account> r = run_on(io_, client.get_account(accmgr(closed), kJwt, who_));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error.kind, AmError::Kind::transport);
  EXPECT_EQ(r.error.http_status, 0);
  EXPECT_EQ(r.error.sentence_en.rfind("Reading the account failed: the Account Manager could not be reached: ", 0), 0u)
      << r.error.sentence_en;
  expect_no_secret(r.error);
}

TEST(AccountManagerTarget, BasePathFromTxtAndPercentEncoding) {
  ServiceEndpoint at;
  EXPECT_EQ(account_target(at, "a.b@fd.kim.telematik", "OTP"), "/AccountMgmt/v2.4/account/a.b@fd.kim.telematik/OTP");
  at.txt["accountmanager"] = "/am/v2.4/";
  EXPECT_EQ(account_target(at, "a b/c?@x", ""), "/am/v2.4/account/a%20b%2Fc%3F@x");
}

}  // namespace
}  // namespace kimgate::rest
