// Tracking's overdue/ERROR notice (issue 18): a client mail from and to the account, the default
// Dienstkennung (it is sealed like a PVS's mail and reaches the PVS decrypted), one line per
// Vorgang, values kept on one line; and the matcher does not take the decrypted notice for an
// answer to one of the Vorgänge it names.
#include "kim/track_notice.h"

#include <gtest/gtest.h>

#include "kim/raw_message.h"
#include "kim/track_match.h"

namespace kimgate::kim {
namespace {

TrackNoticeRequest request() {
  TrackNoticeRequest r;
  r.address = "B-467654300.KVH@fd-a.kim.test";
  r.generated = Generated{"<t-1@fd-a.kim.test>", "Sat, 05 Dec 2026 06:00:00 +0000"};
  TrackNoticeItem overdue;
  overdue.message_id = "<silent-1@fd-a.kim.test>";
  overdue.service = "1click";
  overdue.recipient = "annahme@kv-hessen.kim.test";
  overdue.sent = "2026-12-04T06:00:00Z";
  overdue.deadline = "2026-12-05T06:00:00Z";
  TrackNoticeItem error;
  error.error = true;
  error.message_id = "<error-1@fd-a.kim.test>";
  error.service = "1click";
  error.recipient = "annahme@kv-hessen.kim.test";
  error.sent = "2026-12-04T07:00:00Z";
  error.vorgangsnummer = "2026-000042";
  error.summary = "Status: ERROR\r\nBcc: evil@x";
  r.items = {overdue, error};
  return r;
}

TEST(TrackNotice, IsAClientMailFromAndToTheAccountWithTheDefaultDienstkennung) {
  const std::string m = track_notice_mail(request());
  const std::optional<RawMessage> parsed = parse_raw_message(m);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(header_value(*parsed, "From").value_or(""), "B-467654300.KVH@fd-a.kim.test");
  EXPECT_EQ(header_value(*parsed, "To").value_or(""), "B-467654300.KVH@fd-a.kim.test");
  EXPECT_EQ(header_value(*parsed, "X-KIM-Dienstkennung").value_or(""), "KIM-Mail;Default;V1.0");
  EXPECT_EQ(header_value(*parsed, "Message-ID").value_or(""), "<t-1@fd-a.kim.test>");
  EXPECT_EQ(header_value(*parsed, "Auto-Submitted").value_or(""), "auto-generated");
  EXPECT_FALSE(header_value(*parsed, "X-KOM-LE-Version"));
  EXPECT_FALSE(header_value(*parsed, "Bcc"));
}

TEST(TrackNotice, NamesEachVorgangOnOneLine) {
  const std::string m = track_notice_mail(request());
  EXPECT_NE(m.find("Für die folgenden Sendungen dieses Postfachs"), std::string::npos);
  EXPECT_NE(m.find("- UEBERFAELLIG / OVERDUE: 1click an / to annahme@kv-hessen.kim.test, gesendet / sent "
                   "2026-12-04T06:00:00Z, Message-ID <silent-1@fd-a.kim.test>, Frist / deadline "
                   "2026-12-05T06:00:00Z\r\n"),
            std::string::npos);
  EXPECT_NE(m.find("- FEHLER / ERROR: 1click an / to annahme@kv-hessen.kim.test, gesendet / sent 2026-12-04T07:00:00Z, "
                   "Message-ID <error-1@fd-a.kim.test>, Vorgang 2026-000042: Status: ERROR  Bcc: evil@x\r\n"),
            std::string::npos);
}

TEST(TrackNotice, IsNoAnswerToTheVorgaengeItNames) {
  // The PVS fetches the notice through kimgated, decrypted and verified: the matcher sees it.
  const AnswerFacts facts = classify_answer(track_notice_mail(request()));
  EXPECT_EQ(facts.kind, AnswerKind::none);
  EXPECT_TRUE(facts.message_ids.empty());
}

}  // namespace
}  // namespace kimgate::kim
