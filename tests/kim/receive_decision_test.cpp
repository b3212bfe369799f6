// The receive decision table (kim/receive_decision.h): Tab_Fehlertext_Entschl,
// Tab_Verm_Sig_Prüf with the Konnektor codes, and which mail the PVS gets.
#include "kim/receive_decision.h"

#include <gtest/gtest.h>

namespace kimgate::kim {
namespace {

IntegrityFacts fine(int verify_code) {
  IntegrityFacts f;
  f.signed_entity = true;
  f.signed_data_readable = true;
  f.verdict = signature_verdict_of(verify_code);
  f.inner_is_mail = true;
  f.headers_match = true;
  f.recipient_emails_match = true;
  return f;
}

TEST(ReceiveDecision, KonnektorCodesMapToIntegrityResults) {
  EXPECT_EQ(integrity_result(fine(0)), "01");
  EXPECT_EQ(integrity_result(fine(4264)), "07");
  EXPECT_EQ(integrity_result(fine(4115)), "02");
  EXPECT_EQ(integrity_result(fine(4253)), "03");
  EXPECT_EQ(integrity_result(fine(4112)), "04");
  EXPECT_EQ(integrity_result(fine(4206)), "05");
  EXPECT_EQ(integrity_result(fine(4001)), "06");
  EXPECT_EQ(integrity_result(fine(-1)), "06");
}

TEST(ReceiveDecision, LocalFactsBeforeAndAfterTheVerdict) {
  IntegrityFacts f = fine(0);
  f.signed_entity = false;
  EXPECT_EQ(integrity_result(f), "03") << "no signed-data entity";
  f = fine(0);
  f.signed_data_readable = false;
  EXPECT_EQ(integrity_result(f), "04") << "§12 item 20: the entity's DER is no SignedData";
  f = fine(4115);
  f.inner_is_mail = false;
  EXPECT_EQ(integrity_result(f), "02") << "the verdict comes before the content type";
  f = fine(0);
  f.inner_is_mail = false;
  EXPECT_EQ(integrity_result(f), "04");
  f = fine(4264);
  f.headers_match = false;
  f.recipient_emails_match = false;
  EXPECT_EQ(integrity_result(f), "08");
  f = fine(0);
  f.recipient_emails_match = false;
  EXPECT_EQ(integrity_result(f), "09");
  f = fine(4206);
  f.recipient_emails_match = false;
  EXPECT_EQ(integrity_result(f), "05") << "08/09 only when signature and status are fine";
}

TEST(ReceiveDecision, WhichMail) {
  ReceiveFacts facts;
  EXPECT_EQ(decide_receive(facts).mail, ReceivedMail::unchanged);
  facts.kim = true;
  facts.version = "2.0";
  EXPECT_EQ(decide_receive(facts).mail, ReceivedMail::version_error);
  facts.version = "1.5";
  facts.decryption_failure = DecryptionFailure::konnektor_unreachable;
  ReceiveDecision d = decide_receive(facts);
  EXPECT_EQ(d.mail, ReceivedMail::decryption_error);
  EXPECT_EQ(d.decryption_result, "03");
  EXPECT_EQ(d.integrity_result, "");
  EXPECT_EQ(decryption_result(DecryptionFailure::format), "02");
  EXPECT_EQ(decryption_result(DecryptionFailure::not_addressed), "01");
  EXPECT_EQ(decryption_result(DecryptionFailure::key_unavailable), "01");
  facts.decryption_failure.reset();
  facts.integrity = fine(4264);
  d = decide_receive(facts);
  EXPECT_EQ(d.mail, ReceivedMail::delivered);
  EXPECT_EQ(d.decryption_result, "00");
  EXPECT_EQ(d.integrity_result, "07");
  facts.integrity = fine(4206);
  EXPECT_EQ(decide_receive(facts).mail, ReceivedMail::integrity_error);
}

}  // namespace
}  // namespace kimgate::kim
