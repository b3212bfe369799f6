// The pure parts of kimgated's observability: the journal's structured fields from a key=value
// log line, and the X-KIM-Fehlermeldung codes of a mail kimgate made.
#include <gtest/gtest.h>

#include "daemon/journal_sink.h"
#include "daemon/mail_metrics.h"

namespace kimgate::daemon {
namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

TEST(JournalFields, KeyValueWordsBecomeFields) {
  EXPECT_EQ(log_fields("session=4f2a91c0 proto=smtp peer=127.0.0.1:51234 event=state old=connect new=closing"),
            (Fields{{"session", "4f2a91c0"},
                    {"proto", "smtp"},
                    {"peer", "127.0.0.1:51234"},
                    {"event", "state"},
                    {"old", "connect"},
                    {"new", "closing"}}));
}

TEST(JournalFields, QuotedValuesAreUnescaped) {
  EXPECT_EQ(
      log_fields(R"(event=reload_rejected diagnostic="a.toml:3:1: unknown key \"x\" in [log]" code=1)"),
      (Fields{{"event", "reload_rejected"}, {"diagnostic", R"(a.toml:3:1: unknown key "x" in [log])"}, {"code", "1"}}));
}

TEST(JournalFields, OtherWordsAreSkipped) {
  // listener_text() and free text; a key must be lower case and must not start with '_'
  // (journald reserves those names).
  EXPECT_EQ(log_fields("event=listening smtp 127.0.0.1:465 tls=implicit"),
            (Fields{{"event", "listening"}, {"tls", "implicit"}}));
  EXPECT_EQ(log_fields("_pid=1 Event=x \"quoted word=1\" a=b"), (Fields{{"a", "b"}}));
  EXPECT_EQ(log_fields("reason=\"unterminated"), (Fields{{"reason", "unterminated"}}));
  EXPECT_TRUE(log_fields("").empty());
  EXPECT_EQ(log_fields("empty= next=1"), (Fields{{"empty", ""}, {"next", "1"}}));
}

TEST(JournalFields, CorrelationIdIsTheSessionElseTheMail) {
  EXPECT_EQ(correlation_id(log_fields("message_id=<m@x> session=4f2a91c0 event=data")), "4f2a91c0");
  EXPECT_EQ(correlation_id(log_fields("event=dsn message_id=<m@x> correlation=ab12")), "ab12");
  EXPECT_EQ(correlation_id(log_fields("event=send_delivered message_id=<m@x>")), "<m@x>");
  EXPECT_EQ(correlation_id(log_fields("event=ready pid=1")), "");
}

TEST(JournalFields, FieldNames) {
  EXPECT_EQ(journal_field("message_id"), "KIMGATE_MESSAGE_ID");
  EXPECT_EQ(journal_field("x509"), "KIMGATE_X509");
}

TEST(MailMetrics, ErrorCodesFromTheHeaderSectionOnly) {
  const std::string dsn =
      "From: <a@x.kim.telematik>\r\nX-KIM-Fehlermeldung: 4003\r\nx-kim-fehlermeldung:X10 \r\n"
      "X-KIM-Fehlermeldung: 4004\r\nSubject: s\r\n\r\nX-KIM-Fehlermeldung: 9999\r\n";
  EXPECT_EQ(error_codes(dsn), (std::vector<std::string>{"4003", "X10", "4004"}));
  EXPECT_EQ(error_codes("X-KIM-Fehlermeldung: <script>\n\nbody"), (std::vector<std::string>{"invalid"}));
  EXPECT_EQ(error_codes("X-KIM-Fehlermeldung: 123456789\n"), (std::vector<std::string>{"invalid"}));
  EXPECT_TRUE(error_codes("Subject: none\r\n\r\n").empty());
  EXPECT_TRUE(error_codes("").empty());
}

}  // namespace
}  // namespace kimgate::daemon
