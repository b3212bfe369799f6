// The Account Manager's JSON mapping from literal bodies: tolerant of unknown members, strict about
// types; the request bodies hold only what the yaml allows.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "crypto/base64.h"
#include "rest/account_manager.h"

namespace kimgate::rest {
namespace {

using nlohmann::json;

TEST(AccountManagerJson, AccountIsTolerantOfUnknownAndMissingMembers) {
  std::string error;
  const auto a = parse_account(R"({"kimVersion":"1.5+","future":{"x":[1,2]},"kasMailSizeThreshold":1})", error);
  ASSERT_TRUE(a) << error;
  EXPECT_EQ(a->kim_version, "1.5+");
  EXPECT_FALSE(a->username);
  EXPECT_FALSE(a->reg_stat);
  const auto empty = parse_account("{}", error);
  ASSERT_TRUE(empty);
  EXPECT_FALSE(parse_account(R"({"regStat":null})", error)->reg_stat);
}

TEST(AccountManagerJson, AccountIsStrictAboutTypes) {
  for (const char* bad : {R"({"kimVersion":1.5})", R"({"username":["a"]})", R"({"regStat":"REGISTERED"})",
                          R"({"deregDate":"1616588543"})", R"({"deregDate":1.5})", R"({"dataTimeToLive":-1})",
                          R"({"dataTimeToLive":4294967296})", R"({"maxMailSize":-734003200})",
                          R"({"noVzdMailEntry":"false"})", "[]", "", "{", "null", R"("text")"}) {
    std::string error;
    EXPECT_FALSE(parse_account(bad, error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

TEST(AccountManagerJson, OtpAndCertificateFileAreBase64) {
  std::string error;
  const auto otp = parse_otp(R"({"otp":"MTIzNDU2"})", error);
  ASSERT_TRUE(otp) << error;
  EXPECT_EQ(otp->otp, "123456");
  EXPECT_FALSE(parse_otp(R"({"OTP":"MTIzNDU2"})", error)) << "JSON keys are case-sensitive (digest §10)";
  EXPECT_FALSE(parse_otp(R"({"otp":"not base64!"})", error));
  EXPECT_FALSE(parse_otp(R"({"otp":""})", error));
  const auto file = parse_certificate_file("{\"file\":\"MIIB\\r\\nAAAA\"}", error);
  ASSERT_TRUE(file) << error;
  EXPECT_EQ(file->pkcs12, std::string("\x30\x82\x01\x00\x00\x00", 6));
  EXPECT_FALSE(parse_certificate_file(R"({"file":42})", error));
  EXPECT_FALSE(parse_certificate_file(R"({})", error));
}

TEST(AccountManagerJson, OutOfOfficeReadsBooleansOnly) {
  std::string error;
  const auto n = parse_out_of_office(
      R"({"startDate":"2021-07-20T17:32:28Z","endDate":"2021-07-28T17:32:28Z","message":"Urlaub","active":true})",
      error);
  ASSERT_TRUE(n) << error;
  EXPECT_TRUE(n->active);
  EXPECT_EQ(n->start_date, "2021-07-20T17:32:28Z");
  EXPECT_FALSE(parse_out_of_office(R"({"active":"true"})", error)) << "the doc's string example is not a boolean";
  EXPECT_FALSE(parse_out_of_office(R"({"active":false,"message":3})", error));
}

TEST(AccountManagerJson, AccountBodySendsOnlyWritableMembers) {
  Account a;
  a.kim_version = "1.5";
  a.data_time_to_live = 30;
  a.no_vzd_mail_entry = false;
  a.reg_stat = RegStat::registered;
  a.max_mail_size = 734003200;
  a.dereg_date = 5;
  const AmBody body = account_body(AmOperation::set_account, a);
  ASSERT_TRUE(body.json) << body.error->sentence_en;
  EXPECT_EQ(json::parse(*body.json), json::parse(R"({"kimVersion":"1.5","dataTimeToLive":30,"noVzdMailEntry":false})"));
}

TEST(AccountManagerJson, AccountBodyRefusesWhatTheYamlForbids) {
  const auto refused = [](AmOperation op, const Account& a) {
    const AmBody b = account_body(op, a);
    return !b.json && b.error && b.error->kind == AmError::Kind::invalid_request;
  };
  Account a;
  EXPECT_TRUE(refused(AmOperation::set_account, a)) << "nothing to change";
  EXPECT_TRUE(refused(AmOperation::register_account, a)) << "no address";
  a.username = "x@fd.kim.telematik";
  EXPECT_TRUE(refused(AmOperation::register_account, a)) << "no password";
  a.password = "pw";
  EXPECT_FALSE(refused(AmOperation::register_account, a));
  a.kim_version = "1.5++";
  EXPECT_TRUE(refused(AmOperation::register_account, a));
  a.kim_version = "1.5";
  a.data_time_to_live = 9;
  EXPECT_TRUE(refused(AmOperation::register_account, a));
  a.data_time_to_live = 365;
  a.reference_id = std::string(257, 'r');
  EXPECT_TRUE(refused(AmOperation::register_account, a));
  a.reference_id = std::string(256, 'r');
  a.password = std::string(193, 'p');  // 260 base64 characters
  EXPECT_TRUE(refused(AmOperation::register_account, a));
  a.password = std::string(192, 'p');  // 256
  EXPECT_FALSE(refused(AmOperation::register_account, a));
  EXPECT_TRUE(refused(AmOperation::set_account, a)) << "referenceID and username cannot be changed";
}

TEST(AccountManagerJson, CertificateParametersBody) {
  AmBody b = certificate_parameters_body(CertificateParameters{"Praxis", std::nullopt});
  ASSERT_TRUE(b.json);
  EXPECT_EQ(json::parse(*b.json), json::parse(R"({"commonName":"Praxis"})"));
  b = certificate_parameters_body(CertificateParameters{"Praxis", std::string("\xff\x00", 2)});
  ASSERT_TRUE(b.json);
  EXPECT_EQ(json::parse(*b.json)["certPassword"], crypto::base64::encode(std::string("\xff\x00", 2)));
  EXPECT_TRUE(certificate_parameters_body(CertificateParameters{}).error);
}

TEST(AccountManagerJson, OutOfOfficeBodyFollowsTheFaq) {
  OutOfOffice n;
  AmBody b = out_of_office_body(n);
  ASSERT_TRUE(b.json);
  EXPECT_EQ(*b.json, R"({"active":false})") << "active=false alone is enough";
  n.active = true;
  n.start_date = "2026-07-28T00:00:00Z";
  n.end_date = "2026-07-20T00:00:00Z";
  n.message = "weg";
  b = out_of_office_body(n);
  ASSERT_TRUE(b.error);
  EXPECT_NE(b.error->sentence_en.find("ends before it starts"), std::string::npos);
  n.end_date = "2026-07-28 00:00:00";
  EXPECT_TRUE(out_of_office_body(n).error);
  n.end_date = "2026-07-28T00:00:00Z";
  EXPECT_TRUE(out_of_office_body(n).json);
  n.message = std::string(2048, 'x');
  EXPECT_TRUE(out_of_office_body(n).json);
  n.message = std::string(2049, 'x');
  EXPECT_TRUE(out_of_office_body(n).error);
}

TEST(AccountManagerJson, Rfc3339) {
  EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_rfc3339("2021-07-20T17:32:28Z"), 1626802348);
  EXPECT_EQ(parse_rfc3339("2021-07-20T19:32:28.123+02:00"), 1626802348);
  EXPECT_EQ(parse_rfc3339("2021-07-20t17:32:28z"), 1626802348);
  EXPECT_EQ(parse_rfc3339("2024-02-29T00:00:00Z"), 1709164800);
  for (const char* bad : {"", "2021-07-20", "2021-07-20T17:32:28", "2021-13-01T00:00:00Z", "2023-02-29T00:00:00Z",
                          "2021-07-20T24:00:00Z", "2021-07-20T17:32:28.Z", "2021-07-20T17:32:28+0200",
                          "2021-07-20T17:32:28Zjunk", "2021-07-20T17:32:28+02:00x", "20a1-07-20T17:32:28Z"}) {
    EXPECT_FALSE(parse_rfc3339(bad)) << bad;
  }
}

}  // namespace
}  // namespace kimgate::rest
