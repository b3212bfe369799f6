// The answer matcher of tracking (issue 18) on literal answers: an RFC 8098 MDN matched by its
// Original-Message-ID, Rückprotokolle OK/WARNING/ERROR with Vorgangsnummer and summary (plain,
// base64, XML attribute style), an eDoku status by archive name, a 1-Click Rückmeldung by GUID,
// the insurer's eAU;Fehler-Kasse, ordinary mail that is no answer, and the deadline table.
#include "kim/track_match.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace kimgate::kim {
namespace {

const char* kMdn =
    "From: annahme@kv-no.kim.test\r\n"
    "To: praxis@fd-a.kim.test\r\n"
    "Subject: 1ClickAbrechnung-Eingangsbestaetigung\r\n"
    "Message-ID: <mdn-1@kv-no.kim.test>\r\n"
    "In-Reply-To: <irrelevant@x>\r\n"
    "X-KIM-Dienstkennung: 1ClickAbrechnung;Eingangsbestaetigung;V2.0\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/report; report-type=disposition-notification;\r\n"
    "  boundary=\"b1\"\r\n"
    "\r\n"
    "--b1\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "Ihre Nachricht wurde empfangen. Status: OK\r\n"
    "--b1\r\n"
    "Content-Type: message/disposition-notification\r\n"
    "\r\n"
    "Reporting-UA: kv-no; annahme\r\n"
    "Original-Message-ID: <orig-1@fd-a.kim.test>\r\n"
    "Disposition: automatic-action/MDN-sent-automatically;displayed\r\n"
    "--b1--\r\n";

TEST(TrackMatch, MdnIsMatchedByOriginalMessageIdFirst) {
  const AnswerFacts f = classify_answer(kMdn);
  EXPECT_EQ(f.kind, AnswerKind::mdn);
  ASSERT_EQ(f.message_ids.size(), 2U);
  EXPECT_EQ(f.message_ids[0], "<orig-1@fd-a.kim.test>");
  EXPECT_EQ(f.message_ids[1], "<irrelevant@x>");
  EXPECT_EQ(f.result, TrackResult::none);  // an Eingangsbestätigung carries no result
  EXPECT_TRUE(f.vorgangsnummer.empty());
}

std::string protocol(const std::string& dk, const std::string& body, const std::string& cte = "7bit") {
  return "From: annahme@kv-no.kim.test\r\n"
         "To: praxis@fd-a.kim.test\r\n"
         "Subject: Rueckprotokoll\r\n"
         "In-Reply-To: <orig-2@fd-a.kim.test>\r\n"
         "References: <older@x> <orig-2@fd-a.kim.test>\r\n" +
         (dk.empty() ? std::string() : "X-KIM-Dienstkennung: " + dk + "\r\n") +
         "Content-Type: text/plain; charset=utf-8\r\n"
         "Content-Transfer-Encoding: " +
         cte + "\r\n\r\n" + body;
}

TEST(TrackMatch, RueckmeldungWithWarningVorgangsnummerAndSummary) {
  const AnswerFacts f = classify_answer(protocol("1ClickAbrechnung;Rueckmeldung;V2.0",
                                                 "Rückprotokoll zur Lieferung\r\n"
                                                 "Status: WARNING\r\n"
                                                 "Vorgang 2024-000123\r\n"
                                                 "Zusammenfassung: 1 Fehler automatisch korrigiert\r\n"
                                                 "guid: 3F2504E0-4F89-11D3-9A0C-0305E82C3301\r\n"));
  EXPECT_EQ(f.kind, AnswerKind::protocol);
  EXPECT_EQ(f.result, TrackResult::warning);
  EXPECT_EQ(f.vorgangsnummer, "2024-000123");
  EXPECT_EQ(f.summary, "1 Fehler automatisch korrigiert");
  ASSERT_EQ(f.guids.size(), 1U);
  EXPECT_EQ(f.guids[0], "3f2504e0-4f89-11d3-9a0c-0305e82c3301");
  ASSERT_EQ(f.message_ids.size(), 2U);
  EXPECT_EQ(f.message_ids[0], "<orig-2@fd-a.kim.test>");
  EXPECT_EQ(f.dienstkennung, "1ClickAbrechnung;Rueckmeldung;V2.0");
}

TEST(TrackMatch, Base64ProtocolWithErrorAndTheStatusLineAsSummary) {
  // "Ergebnis: ERROR - Datei abgelehnt\r\nVorgangsnummer: 7781-000042\r\n"
  const AnswerFacts f = classify_answer(protocol(
      "eDMP;Quittung;V1.0",
      "RXJnZWJuaXM6IEVSUk9SIC0gRGF0ZWkgYWJnZWxlaG50DQpWb3JnYW5nc251bW1lcjogNzc4MS0wMDAwNDINCg==\r\n", "base64"));
  EXPECT_EQ(f.kind, AnswerKind::protocol);
  EXPECT_EQ(f.result, TrackResult::error);
  EXPECT_EQ(f.vorgangsnummer, "7781-000042");
  EXPECT_EQ(f.summary, "Ergebnis: ERROR - Datei abgelehnt");
}

TEST(TrackMatch, EdokuStatusInXmlIsMatchedByArchiveName) {
  const std::string mail =
      "From: annahme@kv-no.kim.test\r\n"
      "X-KIM-Dienstkennung: eDokumentation-QSHLT;Status;V2.0\r\n"
      "Content-Type: multipart/mixed; boundary=zz\r\n"
      "\r\n"
      "--zz\r\n"
      "Content-Type: application/xml\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n"
      "\r\n"
      "<importstatus><status V=3D\"OK\"/><vorgangsnummer V=3D\"QS-9911\"/>\r\n"
      "<archiv V=3D\"ABC_2024Q1.zip.xkm\"/></importstatus>\r\n"
      "--zz--\r\n";
  const AnswerFacts f = classify_answer(mail);
  EXPECT_EQ(f.kind, AnswerKind::protocol);
  EXPECT_EQ(f.result, TrackResult::ok);
  EXPECT_EQ(f.vorgangsnummer, "QS-9911");
  ASSERT_EQ(f.archives.size(), 1U);
  EXPECT_EQ(f.archives[0], "ABC_2024Q1.zip.xkm");
  EXPECT_TRUE(f.message_ids.empty());
}

TEST(TrackMatch, RueckprotokollWithoutDienstkennungNeedsAReference) {
  const AnswerFacts with = classify_answer(protocol("", "Status: OK\r\nVorgang 1-2\r\n"));
  EXPECT_EQ(with.kind, AnswerKind::protocol);
  EXPECT_EQ(with.result, TrackResult::ok);
  const AnswerFacts without = classify_answer("From: a@b\r\nSubject: hallo\r\n\r\nStatus: OK\r\n");
  EXPECT_EQ(without.kind, AnswerKind::none);
  EXPECT_EQ(without.result, TrackResult::none);
}

TEST(TrackMatch, EauFehlerKasseIsAnError) {
  const AnswerFacts f = classify_answer(
      "From: eau@kasse.kim.test\r\n"
      "Subject: Fehlermeldung eAU\r\n"
      "In-Reply-To: <eau-7@fd-a.kim.test>\r\n"
      "X-KIM-Dienstkennung: eAU;Fehler-Kasse;V1.0\r\n"
      "\r\n"
      "Die eAU konnte nicht verarbeitet werden.\r\n");
  EXPECT_EQ(f.kind, AnswerKind::eau_error);
  EXPECT_EQ(f.result, TrackResult::error);
  EXPECT_EQ(f.summary, "Fehlermeldung eAU");
  ASSERT_EQ(f.message_ids.size(), 1U);
  EXPECT_EQ(f.message_ids[0], "<eau-7@fd-a.kim.test>");
}

TEST(TrackMatch, OrdinaryMailAndGarbageAreNoAnswers) {
  EXPECT_EQ(classify_answer("From: a@b\r\nIn-Reply-To: <x@y>\r\n\r\nDanke, alles OK.\r\n").kind, AnswerKind::none);
  EXPECT_EQ(classify_answer("").kind, AnswerKind::none);
  EXPECT_EQ(classify_answer("no header at all").kind, AnswerKind::none);
  // A quoted original (message/rfc822) does not lend its status to the answer.
  const AnswerFacts quoted = classify_answer(
      "From: a@b\r\nIn-Reply-To: <x@y>\r\nContent-Type: multipart/mixed; boundary=q\r\n\r\n"
      "--q\r\nContent-Type: text/plain\r\n\r\nHallo\r\n--q\r\nContent-Type: message/rfc822\r\n\r\n"
      "Subject: s\r\n\r\nStatus: ERROR\r\n--q--\r\n");
  EXPECT_EQ(quoted.kind, AnswerKind::none);
}

TEST(TrackMatch, ValuesAreBoundedAndFreeOfControlCharacters) {
  const std::string long_line = "Zusammenfassung: a\x01b\x1b" + std::string(5000, 'x');
  const AnswerFacts f = classify_answer(protocol("eDMP;Quittung;V1.0", "Status: OK\r\n" + long_line + "\r\n"));
  EXPECT_EQ(f.summary.size(), kMaxField);
  EXPECT_TRUE(std::none_of(f.summary.begin(), f.summary.end(), [](unsigned char c) { return c < 0x20; }))
      << f.summary.substr(0, 40);
}

TEST(TrackMatch, AnswerKindsByDienstkennung) {
  EXPECT_EQ(answer_kind_of("eAU;Fehler-Kasse;V1.0"), AnswerKind::eau_error);
  EXPECT_EQ(answer_kind_of("eAU;Lieferung;V1.0"), AnswerKind::none);
  EXPECT_EQ(answer_kind_of("abD-eHKS;Quittung;V1.0"), AnswerKind::protocol);
  EXPECT_EQ(answer_kind_of("eDokumentation-QSKE;Eingangsbestaetigung;V2.0"), AnswerKind::mdn);
  EXPECT_EQ(answer_kind_of("KIM-Mail;Default;V1.0"), AnswerKind::none);
  EXPECT_EQ(answer_kind_of("garbage"), AnswerKind::none);
}

TEST(TrackMatch, Deadlines) {
  // 2026-12-04 was a Friday; 12:00 UTC.
  const std::int64_t friday_noon = 1796385600;
  EXPECT_FALSE(deadline_of("eau", friday_noon).has_value());
  EXPECT_EQ(deadline_of("1click", friday_noon).value(), friday_noon + 24 * 3600);
  EXPECT_EQ(deadline_of("sqs", friday_noon, 0.001).value(), friday_noon + 86);
  // 72 working hours from Friday noon: 12 h Friday, the weekend skipped, then 60 h = Wednesday noon.
  EXPECT_EQ(deadline_of("edoku-qshlt", friday_noon).value(), friday_noon + (5 * 24) * 3600);
}

}  // namespace
}  // namespace kimgate::kim

namespace kimgate::kim {
namespace {

TEST(TrackMatch, ArchiveNamesOfASubmission) {
  const std::string mail =
      "Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\n"
      "Content-Type: application/octet-stream; name=\"QS_2024Q1.ZIP.XKM\"\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\nAAAA\r\n--a--\r\n";
  EXPECT_EQ(archive_name(attachments(*parse_raw_message(mail))), "QS_2024Q1.ZIP.XKM");
  EXPECT_TRUE(
      archive_name(attachments(*parse_raw_message("Subject: no archive. at all.zip.xkm\r\n\r\nx.zip.xkm\r\n"))).empty())
      << "only attachments count, not a name typed in a header or the text";
}

}  // namespace
}  // namespace kimgate::kim

namespace kimgate::kim {
namespace {

TEST(TrackMatch, NestedMultipartsAreRead) {
  const AnswerFacts f = classify_answer(
      "From: annahme@kv-no.kim.test\r\nIn-Reply-To: <orig-3@fd-a.kim.test>\r\n"
      "X-KIM-Dienstkennung: 1ClickAbrechnung;Rueckmeldung;V2.0\r\n"
      "Content-Type: multipart/mixed; boundary=o\r\n\r\n"
      "--o\r\nContent-Type: multipart/alternative; boundary=i\r\n\r\n"
      "--i\r\nContent-Type: text/plain\r\n\r\nStatus: WARNING\r\nVorgang 2024-7\r\n--i--\r\n"
      "--o\r\nContent-Type: application/octet-stream; name=\"Q_1.zip.xkm\"\r\n\r\nAAAA\r\n--o--\r\n");
  EXPECT_EQ(f.kind, AnswerKind::protocol);
  EXPECT_EQ(f.result, TrackResult::warning);
  EXPECT_EQ(f.vorgangsnummer, "2024-7");
  ASSERT_EQ(f.archives.size(), 1U);
  EXPECT_EQ(f.archives[0], "Q_1.zip.xkm");
}

TEST(TrackMatch, TheCutAtTheScanLimitKeepsThePartItRunsThrough) {
  // The status line stands in the last part, which the scan limit cuts before its delimiter.
  const std::string mail =
      "From: annahme@kv-no.kim.test\r\nIn-Reply-To: <orig-4@fd-a.kim.test>\r\n"
      "X-KIM-Dienstkennung: eDMP;Quittung;V1.0\r\n"
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
      "--b\r\nContent-Type: text/plain\r\n\r\nStatus: ERROR\r\n" +
      std::string(kMaxAnswerScan, 'x') + "\r\n--b--\r\n";
  const AnswerFacts f = classify_answer(mail);
  EXPECT_EQ(f.kind, AnswerKind::protocol);
  EXPECT_EQ(f.result, TrackResult::error);
}

}  // namespace
}  // namespace kimgate::kim
