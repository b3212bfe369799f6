// The error table against the yaml files: every status each operation documents has a row with
// both sentences and both pieces of advice, and no row exists for a status the yaml does not list.
#include "rest/account_manager_errors.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <vector>

namespace kimgate::rest {
namespace {

// The error responses per operation, copied by hand from gematik/api-kim src/openapi:
// AccountManager.yaml 2.4.0, AccountLimit.yaml 1.1.4 (getLimits), ServiceInformation.yaml 1.0.3.
const std::map<AmOperation, std::vector<int>> kYaml{
    {AmOperation::register_account, {400, 401, 409, 420, 422, 423, 500, 502}},
    {AmOperation::set_account, {400, 401, 404, 420, 422, 423, 500, 502}},
    {AmOperation::deregister_account, {400, 401, 404, 500, 502}},
    {AmOperation::get_account, {400, 401, 404, 500, 502}},
    {AmOperation::revoke_deregistration, {400, 401, 403, 404, 423, 500, 502}},
    {AmOperation::get_otp, {400, 401, 404, 500}},
    {AmOperation::set_tid, {400, 401, 403, 404, 408, 423, 500, 502}},
    {AmOperation::create_cert, {400, 401, 404, 500, 502}},
    {AmOperation::get_out_of_office, {400, 401, 404, 500}},
    {AmOperation::update_out_of_office, {400, 401, 404, 500}},
    {AmOperation::get_limits, {401, 404, 500}},
    {AmOperation::get_service_information, {500}},
};

TEST(AccountManagerErrors, EveryYamlStatusHasARowWithSentencesAndAdvice) {
  ASSERT_EQ(kYaml.size(), kAmOperationCount);
  for (const auto& [op, statuses] : kYaml) {
    for (const int status : statuses) {
      const AmErrorRow* row = am_error_row(op, status);
      ASSERT_NE(row, nullptr) << to_string(op) << " " << status;
      EXPECT_FALSE(row->cause_en.empty());
      EXPECT_FALSE(row->cause_de.empty());
      EXPECT_FALSE(row->advice_en.empty());
      EXPECT_FALSE(row->advice_de.empty());
      EXPECT_NE(row->cause_en.find("(HTTP " + std::to_string(status) + ")"), std::string_view::npos) << row->cause_en;
      EXPECT_NE(row->cause_de.find("(HTTP " + std::to_string(status) + ")"), std::string_view::npos) << row->cause_de;
      EXPECT_NE(row->cause_en, row->cause_de);
      const AmError e = am_provider_error(op, status, R"({"message":"m","traceId":"t"})");
      EXPECT_EQ(e.http_status, status);
      EXPECT_EQ(e.sentence_en.rfind(std::string(am_action_en(op)) + " failed: ", 0), 0u) << e.sentence_en;
      EXPECT_EQ(e.sentence_de.rfind(std::string(am_action_de(op)) + " ist fehlgeschlagen: ", 0), 0u) << e.sentence_de;
    }
  }
}

TEST(AccountManagerErrors, TheTableDocumentsNothingTheYamlDoesNot) {
  for (const auto& [op, statuses] : kYaml) {
    const std::span<const int> documented = am_documented_statuses(op);
    EXPECT_EQ(std::vector<int>(documented.begin(), documented.end()), statuses) << to_string(op);
    for (int status = 100; status < 600; ++status) {
      const bool in_yaml = std::find(statuses.begin(), statuses.end(), status) != statuses.end();
      EXPECT_EQ(am_error_row(op, status) != nullptr, in_yaml) << to_string(op) << " " << status;
    }
  }
}

TEST(AccountManagerErrors, OperationNamesAreTheYamlOperationIds) {
  EXPECT_EQ(to_string(AmOperation::register_account), "registerAccount");
  EXPECT_EQ(to_string(AmOperation::revoke_deregistration), "revokeDeregistration");
  EXPECT_EQ(to_string(AmOperation::get_otp), "getOTP");
  EXPECT_EQ(to_string(AmOperation::set_tid), "setTID");
  EXPECT_EQ(to_string(AmOperation::update_out_of_office), "updateOutOfOffice");
  EXPECT_EQ(to_string(AmOperation::get_service_information), "getServiceInformation");
}

TEST(AccountManagerErrors, SpecificCausesAndNextSteps) {
  AmError e = am_provider_error(AmOperation::set_tid, 408, "");
  EXPECT_EQ(e.sentence_en,
            "Moving the address to the new card failed: the one-time password has expired: it is valid for one week "
            "(HTTP 408).");
  EXPECT_NE(e.advice_de.find("mit der bisherigen Karte ein neues Einmalpasswort"), std::string::npos);
  e = am_provider_error(AmOperation::register_account, 401, "");
  EXPECT_NE(e.sentence_en.find("referenceID"), std::string::npos);
  e = am_provider_error(AmOperation::register_account, 423, "");
  EXPECT_NE(e.sentence_de.find("Verzeichnisdienst (VZD) ist inaktiv"), std::string::npos);
  EXPECT_NE(e.advice_en.find("Contact the provider"), std::string::npos);
  e = am_provider_error(AmOperation::register_account, 420, "", "12 bis 256 Zeichen");
  EXPECT_NE(e.sentence_en.find("rules (12 bis 256 Zeichen) (HTTP 420)"), std::string::npos) << e.sentence_en;
  e = am_provider_error(AmOperation::register_account, 420, "");
  EXPECT_NE(e.sentence_en.find("rules (HTTP 420)"), std::string::npos) << e.sentence_en;
  e = am_provider_error(AmOperation::create_cert, 502, "");
  EXPECT_NE(e.sentence_en.find("CMP/PKI"), std::string::npos);
  e = am_provider_error(AmOperation::get_account, 502, "");
  EXPECT_NE(e.sentence_en.find("VZD"), std::string::npos);
}

TEST(AccountManagerErrors, AnUndocumentedStatusStillGetsASentence) {
  const AmError e = am_provider_error(AmOperation::get_otp, 503, "<html>busy</html>");
  EXPECT_EQ(e.kind, AmError::Kind::provider);
  EXPECT_EQ(e.sentence_en,
            "Requesting the one-time password for moving the address failed: the provider answered HTTP 503, which the "
            "interface does not define for this operation.");
  EXPECT_FALSE(e.advice_en.empty());
  EXPECT_FALSE(e.advice_de.empty());
  EXPECT_TRUE(e.provider_message.empty());
}

TEST(AccountManagerErrors, AHostileProviderMessageIsCutAndDefused) {
  const std::string body = R"({"message":"line\r\nInjected: yes)" + std::string(1000, 'x') + R"(","traceId":"a\tb"})";
  const AmError e = am_provider_error(AmOperation::get_account, 500, body);
  EXPECT_EQ(e.provider_message.size(), 300u);
  EXPECT_EQ(e.provider_message.substr(0, 20), "line??Injected: yesx");
  EXPECT_EQ(e.trace_id, "a?b");
  EXPECT_EQ(e.sentence_en.find('\n'), std::string::npos);
}

TEST(AccountManagerErrors, TransportInvalidAnswerAndInvalidRequest) {
  AmError e = am_transport_error(AmOperation::create_cert, "connect to 127.0.0.1:1 failed: Connection refused");
  EXPECT_EQ(e.kind, AmError::Kind::transport);
  EXPECT_EQ(e.http_status, 0);
  EXPECT_EQ(e.sentence_de,
            "Die Anforderung des Clientmodul-Zertifikats ist fehlgeschlagen: der Account Manager war nicht erreichbar: "
            "connect to 127.0.0.1:1 failed: Connection refused.");
  e = am_invalid_answer(AmOperation::get_otp, 200, "the getOTP answer carries no \"otp\"");
  EXPECT_EQ(e.kind, AmError::Kind::invalid_answer);
  EXPECT_EQ(e.http_status, 200);
  EXPECT_NE(e.sentence_en.find("(HTTP 200) is unusable"), std::string::npos);
  e = am_invalid_request(AmOperation::set_account, "there is nothing to change", "es gibt nichts zu ändern");
  EXPECT_EQ(e.sentence_en, "Changing the account was not attempted: there is nothing to change.");
  EXPECT_EQ(e.sentence_de, "Die Änderung des Kontos wurde nicht ausgeführt: es gibt nichts zu ändern.");
}

}  // namespace
}  // namespace kimgate::rest
