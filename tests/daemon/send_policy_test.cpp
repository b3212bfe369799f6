// The send failure policy, row by row: what the PVS hears and who the DSN names for every
// upstream outcome (daemon/send_policy.h).
#include "daemon/send_policy.h"

#include <gtest/gtest.h>

namespace kimgate::daemon {
namespace {

using smtp::RecipientStatus;
using smtp::TransactionResult;

smtp::UpstreamReply reply(int code, std::string enhanced, std::string text) {
  smtp::UpstreamReply r;
  r.code = code;
  r.enhanced = std::move(enhanced);
  r.lines = {std::move(text)};
  r.written = true;
  return r;
}

smtp::UpstreamReply no_reply(std::string why) {
  smtp::UpstreamReply r;
  r.failure = std::move(why);
  return r;
}

smtp::RecipientOutcome rcpt(std::string address, RecipientStatus status, smtp::UpstreamReply r) {
  return smtp::RecipientOutcome{smtp::Recipient{std::move(address), ""}, status, std::move(r)};
}

smtp::TransactionOutcome outcome(TransactionResult result, smtp::Stage stage, smtp::UpstreamReply r,
                                 std::vector<smtp::RecipientOutcome> recipients) {
  smtp::TransactionOutcome o;
  o.result = result;
  o.stage = stage;
  o.reply = std::move(r);
  o.recipients = std::move(recipients);
  return o;
}

const smtp::UpstreamReply kOk = reply(250, "2.1.5", "Ok");
const smtp::UpstreamReply kQueued = reply(250, "2.0.0", "Ok: queued as 4XyZ");

TEST(SendPolicy, EverySituationHasExactlyOneRow) {
  for (int i = 0; i <= static_cast<int>(SendSituation::dsn_failed); ++i) {
    const auto s = static_cast<SendSituation>(i);
    EXPECT_EQ(policy_row(s).situation, s) << i;
    EXPECT_FALSE(policy_row(s).sentence.empty());
    EXPECT_FALSE(policy_row(s).counter.empty());
  }
}

TEST(SendPolicy, AllAcceptedIs250WithoutDsn) {
  const auto o = outcome(TransactionResult::delivered, smtp::Stage::done, kQueued,
                         {rcpt("b@x", RecipientStatus::accepted, kOk), rcpt("c@x", RecipientStatus::accepted, kOk)});
  const Decision d = decide(o, {}, "<m@pvs>");
  EXPECT_EQ(d.situation, SendSituation::delivered);
  EXPECT_EQ(d.answer.code, 250);
  EXPECT_EQ(d.answer.enhanced, "2.0.0");
  EXPECT_NE(d.answer.text.find("all 2 recipients"), std::string::npos);
  EXPECT_TRUE(d.dsn.empty());
}

TEST(SendPolicy, RecipientRefusedAfterAcceptanceGetsADsnNamingTheProvidersReply) {
  const auto o = outcome(TransactionResult::delivered, smtp::Stage::done, kQueued,
                         {rcpt("b@x", RecipientStatus::accepted, kOk),
                          rcpt("c@x", RecipientStatus::refused_permanently,
                               reply(550, "5.1.1", "5.1.1 <c@x>: Recipient address rejected: unknown")),
                          rcpt("d@x", RecipientStatus::refused_temporarily,
                               reply(450, "4.2.0", "4.2.0 <d@x>: Recipient address rejected: try later"))});
  const std::vector<kim::DsnRecipient> dropped{{"e@x", "4003", "5.7.5", "no certificate", ""}};
  const Decision d = decide(o, dropped, "<m@pvs>");
  EXPECT_EQ(d.situation, SendSituation::delivered_partly);
  EXPECT_EQ(d.answer.code, 250);
  EXPECT_NE(d.answer.text.find("1 of 4 recipients"), std::string::npos) << d.answer.text;
  ASSERT_EQ(d.dsn.size(), 3u);
  EXPECT_EQ(d.dsn[0].address, "e@x");
  EXPECT_EQ(d.dsn[0].code, "4003");
  EXPECT_EQ(d.dsn[1].address, "c@x");
  EXPECT_EQ(d.dsn[1].code, "X10");
  EXPECT_EQ(d.dsn[1].status, "5.1.1");
  EXPECT_EQ(d.dsn[1].diagnostic, "smtp; 550 5.1.1 <c@x>: Recipient address rejected: unknown");
  EXPECT_EQ(d.dsn[2].code, "X11");
  EXPECT_EQ(d.dsn[2].status, "4.2.0");
}

TEST(SendPolicy, DroppedRecipientsAloneAlsoMakeADsn) {
  const auto o =
      outcome(TransactionResult::delivered, smtp::Stage::done, kQueued, {rcpt("b@x", RecipientStatus::accepted, kOk)});
  const Decision d = decide(o, {{"e@x", "4005", "5.7.5", "two ids", ""}}, "<m@pvs>");
  EXPECT_EQ(d.situation, SendSituation::delivered_partly);
  ASSERT_EQ(d.dsn.size(), 1u);
}

TEST(SendPolicy, AProvidersRefusalWithoutEnhancedCodeGetsTheClassDefault) {
  const auto rows = refused_rows(outcome(TransactionResult::delivered, smtp::Stage::done, kQueued,
                                         {rcpt("c@x", RecipientStatus::refused_permanently, reply(554, "", "no")),
                                          rcpt("d@x", RecipientStatus::refused_temporarily, reply(452, "", "full"))}));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].status, "5.0.0");
  EXPECT_EQ(rows[1].status, "4.0.0");
}

TEST(SendPolicy, EveryRecipientRefusedPermanentlyRelaysTheProviders5xx) {
  const auto r = reply(550, "5.1.1", "unknown user");
  const auto o = outcome(TransactionResult::all_refused, smtp::Stage::rcpt, r,
                         {rcpt("b@x", RecipientStatus::refused_permanently, r)});
  const Decision d = decide(o, {}, "<m@pvs>");
  EXPECT_EQ(d.situation, SendSituation::all_refused_permanently);
  EXPECT_EQ(d.answer.code, 550);
  EXPECT_EQ(d.answer.enhanced, "5.1.1");
  EXPECT_NE(d.answer.text.find("550 5.1.1 unknown user"), std::string::npos);
  EXPECT_TRUE(d.dsn.empty());
}

TEST(SendPolicy, OneTemporaryRefusalAmongRefusalsMakesTheWholeMail4xx) {
  const auto perm = reply(550, "5.1.1", "unknown user");
  const auto temp = reply(450, "4.2.0", "mailbox busy");
  const auto o = outcome(TransactionResult::all_refused, smtp::Stage::rcpt, perm,
                         {rcpt("b@x", RecipientStatus::refused_temporarily, temp),
                          rcpt("c@x", RecipientStatus::refused_permanently, perm)});
  const Decision d = decide(o, {}, "<m@pvs>");
  EXPECT_EQ(d.situation, SendSituation::all_refused_temporarily);
  EXPECT_EQ(d.answer.code, 451);
  EXPECT_EQ(d.answer.enhanced, "4.2.0");
  EXPECT_NE(d.answer.text.find("mailbox busy"), std::string::npos);
}

TEST(SendPolicy, SenderDataAndMessageRefusalsRelayTheClass) {
  const auto sender =
      decide(outcome(TransactionResult::sender_refused, smtp::Stage::mail, reply(553, "5.7.1", "sender rejected"), {}),
             {}, "<m@pvs>");
  EXPECT_EQ(sender.answer.code, 553);
  EXPECT_NE(sender.answer.text.find("refused the sender"), std::string::npos);
  const auto data = decide(
      outcome(TransactionResult::data_refused, smtp::Stage::data, reply(554, "5.5.1", "no data"), {}), {}, "<m@pvs>");
  EXPECT_EQ(data.answer.code, 554);
  EXPECT_NE(data.answer.text.find("refused DATA"), std::string::npos);
  const auto message =
      decide(outcome(TransactionResult::message_refused, smtp::Stage::body, reply(452, "4.3.1", "queue full"), {}), {},
             "<m@pvs>");
  EXPECT_EQ(message.answer.code, 452);
  EXPECT_EQ(message.answer.enhanced, "4.3.1");
  // A provider that says 421 is closing its side; the PVS hears 451, and a bad class is mended.
  const auto closing = decide(
      outcome(TransactionResult::message_refused, smtp::Stage::body, reply(421, "5.0.0", "bye"), {}), {}, "<m@pvs>");
  EXPECT_EQ(closing.answer.code, 451);
  EXPECT_EQ(closing.answer.enhanced, "4.0.0");
}

TEST(SendPolicy, LostBeforeTheEndOfDataIs421NothingSent) {
  const auto d = decide(
      outcome(TransactionResult::lost, smtp::Stage::rcpt, no_reply("the KIM provider closed the connection"), {}), {},
      "<m@pvs>");
  EXPECT_EQ(d.answer.code, 421);
  EXPECT_EQ(d.answer.enhanced, "4.4.2");
  EXPECT_NE(d.answer.text.find("at RCPT (the KIM provider closed the connection); nothing was sent"), std::string::npos)
      << d.answer.text;
}

TEST(SendPolicy, LostAfterTheEndOfDataIs451DeliveryUnknownNamingTheMessageId) {
  const auto d = decide(
      outcome(TransactionResult::delivery_unknown, smtp::Stage::body,
              no_reply("the KIM provider did not answer in time"), {rcpt("b@x", RecipientStatus::accepted, kOk)}),
      {}, "<m@pvs>");
  EXPECT_EQ(d.situation, SendSituation::delivery_unknown);
  EXPECT_EQ(d.answer.code, 451);
  EXPECT_EQ(d.answer.enhanced, "4.4.2");
  EXPECT_NE(d.answer.text.find("unknown"), std::string::npos);
  EXPECT_NE(d.answer.text.find("<m@pvs>"), std::string::npos);
  EXPECT_TRUE(d.dsn.empty());
}

TEST(SendPolicy, ADsnTheProviderRefusesTurnsThe250Into451) {
  const auto o = outcome(TransactionResult::delivered, smtp::Stage::done, kQueued,
                         {rcpt("b@x", RecipientStatus::accepted, kOk),
                          rcpt("c@x", RecipientStatus::refused_permanently, reply(550, "5.1.1", "unknown"))});
  const Decision first = decide(o, {}, "<m@pvs>");
  ASSERT_EQ(first.answer.code, 250);
  const auto dsn_ok =
      outcome(TransactionResult::delivered, smtp::Stage::done, kQueued, {rcpt("a@x", RecipientStatus::accepted, kOk)});
  EXPECT_EQ(decide_after_dsn(first, dsn_ok, "<m@pvs>").answer.code, 250);
  const auto dsn_refused =
      outcome(TransactionResult::sender_refused, smtp::Stage::mail, reply(554, "5.7.1", "no DSN today"), {});
  const Decision after = decide_after_dsn(first, dsn_refused, "<m@pvs>");
  EXPECT_EQ(after.situation, SendSituation::dsn_failed);
  EXPECT_EQ(after.answer.code, 451);
  EXPECT_EQ(after.answer.enhanced, "4.3.0");
  EXPECT_NE(after.answer.text.find("1 of 2 recipients"), std::string::npos) << after.answer.text;
  EXPECT_NE(after.answer.text.find("554 5.7.1 no DSN today"), std::string::npos);
  const auto dsn_lost = outcome(TransactionResult::delivery_unknown, smtp::Stage::body, no_reply("gone"), {});
  EXPECT_EQ(decide_after_dsn(first, dsn_lost, "<m@pvs>").answer.code, 451);
}

TEST(SendPolicy, DescribeDoesNotRepeatTheEnhancedCode) {
  EXPECT_EQ(smtp::describe(reply(550, "5.1.1", "5.1.1 <c@x>: rejected")), "550 5.1.1 <c@x>: rejected");
  EXPECT_EQ(smtp::describe(reply(550, "5.1.1", "rejected")), "550 5.1.1 rejected");
  EXPECT_EQ(smtp::describe(no_reply("gone")), "gone");
}

}  // namespace
}  // namespace kimgate::daemon
