// kim/raw_message, kim/kom_le and kim/receive_mail on literal bytes.
#include "kim/kom_le.h"

#include <gtest/gtest.h>

#include "kim/raw_message.h"
#include "kim/receive_mail.h"

namespace kimgate::kim {
namespace {

const std::string kInner =
    "From: \"Praxis, A\" <praxis.a@fd-a.kim.telematik-test>\r\n"
    "To: praxis.b@fd-b.kim.telematik-test,\r\n"
    " \"Dr. B (Labor)\" <labor.b@fd-b.kim.telematik-test>\r\n"
    "Cc: (comment) kasse@fd-b.kim.telematik-test\r\n"
    "Subject: Befund\r\n"
    "Date: Mon, 23 Nov 2026 10:00:00 +0100\r\n"
    "Message-ID: <id-1@kim.local>\r\n"
    "X-KIM-Dienstkennung: KIM-Mail;Default;V1.0\r\n"
    "X-KIM-Sendersystem: Beispiel-PVS;V2.81\r\n"
    "X-KIM-DecryptionResult: 00\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "Hallo\r\n";

TEST(KimRawMessage, KeepsRawFieldsAndUnfoldsValues) {
  auto m = parse_raw_message(kInner);
  ASSERT_TRUE(m);
  ASSERT_EQ(m->fields.size(), 10u);
  EXPECT_EQ(m->fields[1].raw,
            "To: praxis.b@fd-b.kim.telematik-test,\r\n \"Dr. B (Labor)\" <labor.b@fd-b.kim.telematik-test>\r\n");
  EXPECT_EQ(*header_value(*m, "to"),
            "praxis.b@fd-b.kim.telematik-test, \"Dr. B (Labor)\" <labor.b@fd-b.kim.telematik-test>");
  EXPECT_EQ(m->body, "Hallo\r\n");
  EXPECT_EQ(m->eol, "\r\n");
}

TEST(KimRawMessage, AddrSpecs) {
  EXPECT_EQ(addr_specs("praxis.b@x, \"Dr. B, (Labor)\" <labor.b@x>"),
            (std::vector<std::string>{"praxis.b@x", "labor.b@x"}));
  EXPECT_EQ(addr_specs("(comment) kasse@x"), (std::vector<std::string>{"kasse@x"}));
  EXPECT_EQ(addr_specs("Gruppe: a@x, b@y;"), (std::vector<std::string>{"a@x", "b@y"}));
  EXPECT_TRUE(addr_specs("undisclosed-recipients:;").empty());
}

TEST(KimRawMessage, LfOnlyAndLimits) {
  auto m = parse_raw_message("A: 1\nB: 2\n\nbody\n");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->eol, "\n");
  EXPECT_EQ(m->body, "body\n");
  EXPECT_FALSE(parse_raw_message("no colon here\r\n\r\n"));
  EXPECT_FALSE(parse_raw_message(std::string(kMaxHeaderBytes + 10, 'a') + ": b\r\n\r\n"));
}

TEST(KimKomLe, OuterMirrorsHeadersByteForByte) {
  auto outer = build_outer_message(kInner, "QUJD\r\n", OuterOptions{});
  ASSERT_TRUE(outer);
  EXPECT_EQ(*outer,
            "From: \"Praxis, A\" <praxis.a@fd-a.kim.telematik-test>\r\n"
            "To: praxis.b@fd-b.kim.telematik-test,\r\n"
            " \"Dr. B (Labor)\" <labor.b@fd-b.kim.telematik-test>\r\n"
            "Cc: (comment) kasse@fd-b.kim.telematik-test\r\n"
            "Date: Mon, 23 Nov 2026 10:00:00 +0100\r\n"
            "Message-ID: <id-1@kim.local>\r\n"
            "X-KIM-Dienstkennung: KIM-Mail;Default;V1.0\r\n"
            "X-KIM-Sendersystem: Beispiel-PVS;V2.81\r\n"
            "X-KIM-DecryptionResult: 00\r\n"
            "Subject: KOM-LE-Nachricht\r\n"
            "X-KOM-LE-Version: 1.0\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: application/pkcs7-mime; smime-type=authenticated-enveloped-data; name=smime.p7m\r\n"
            "Content-Disposition: attachment; filename=smime.p7m\r\n"
            "Content-Transfer-Encoding: base64\r\n"
            "\r\n"
            "QUJD\r\n");
  auto parts = parse_outer_message(*outer);
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->version, "1.0");
  EXPECT_EQ(parts->smime_body, "QUJD\r\n");
  EXPECT_FALSE(parse_outer_message(kInner));

  // The head alone is the same message without the body, and reserves room for it.
  auto head = outer_message_head(kInner, OuterOptions{}, 6);
  ASSERT_TRUE(head);
  EXPECT_EQ(*head + "QUJD\r\n", *outer);
  EXPECT_GE(head->capacity(), outer->size());
}

TEST(KimKomLe, SignedEntitiesKeepBinaryUntouched) {
  const std::string der("\x30\x0d\x0a\x00\r\n\r\nxyz", 11);
  const std::string entity = signed_data_entity(der);
  EXPECT_EQ(entity.substr(0, 78), "Content-Type: application/pkcs7-mime; smime-type=signed-data; name=smime.p7m\r\n");
  ASSERT_TRUE(signed_data_of(entity));
  EXPECT_EQ(*signed_data_of(entity), der);
  EXPECT_FALSE(signed_data_of("Content-Type: text/plain\r\n\r\nabc"));
  const std::string content = signed_content(kInner);
  EXPECT_EQ(content.substr(0, 32), "Content-Type: message/rfc822\r\n\r\n");
  EXPECT_EQ(*inner_mail_of(content), kInner);
  EXPECT_FALSE(inner_mail_of(kInner));
}

TEST(KimReceive, DeliveredMailHasResultsAndNotesAndDropsForgedResults) {
  const std::string outer = "Return-Path: <praxis.a@fd-a.kim.telematik-test>\r\nReceived: from mx\r\n" +
                            *build_outer_message(kInner, "QUJD\r\n", {});
  const std::string out = delivered_mail(outer, kInner, "01");
  EXPECT_EQ(out.rfind("Return-Path: <praxis.a@fd-a.kim.telematik-test>\r\nReceived: from mx\r\n"
                      "X-KIM-DecryptionResult: 00\r\nX-KIM-IntegrityCheckResult: 01\r\nFrom: ",
                      0),
            0u);
  EXPECT_EQ(out.find("X-KIM-DecryptionResult", out.find("From: ")), std::string::npos);  // the sender's copy is gone
  EXPECT_NE(out.find("Hallo\r\n\r\n---------------------------------------------\r\n"
                     "Die Nachricht wurde entschlüsselt.\r\nDie Signatur wurde erfolgreich geprüft.\r\n"),
            std::string::npos);
}

TEST(KimReceive, NoteGoesIntoMultipartAsOwnPart) {
  const std::string inner =
      "From: a@x\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\n"
      "x\r\n--b1--\r\n";
  const std::string out = delivered_mail("From: a@x\r\n\r\n", inner, "07");
  EXPECT_NE(out.find("--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
                     "---------------------------------------------\r\n"),
            std::string::npos);
  EXPECT_NE(out.find("--b1--\r\n"), std::string::npos);
}

TEST(KimReceive, NotesAreAppendedToTheTextPartsPlainAndHtml) {
  const std::string inner =
      "From: a@x\r\nContent-Type: multipart/mixed; boundary=m\r\n\r\n--m\r\nContent-Type: multipart/alternative; "
      "boundary=a\r\n\r\n--a\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHallo\r\n--a\r\nContent-Type: "
      "text/html; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n<html><body><p>Hallo</p></body></html>\r\n"
      "--a--\r\n--m\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBE\r\n--m--\r\n";
  const std::string out = delivered_mail("From: a@x\r\n\r\n", inner, "01");
  EXPECT_NE(out.find("\r\n\r\nHallo\r\n\r\n---------------------------------------------\r\nDie Nachricht wurde "
                     "entschlüsselt.\r\nDie Signatur wurde erfolgreich geprüft.\r\n--a\r\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("<p>Hallo</p><hr>\r\n<p>Die Nachricht wurde entschlüsselt.<br>\r\nDie Signatur wurde "
                     "erfolgreich geprüft.</p>\r\n</body></html>\r\n--a--"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find("Content-Transfer-Encoding: 8bit\r\n\r\n-----"), std::string::npos) << "no extra note part";
  EXPECT_NE(out.find("\r\n\r\nJVBE\r\n--m--\r\n"), std::string::npos) << "the attachment is untouched";
}

TEST(KimReceive, DecryptionErrorMailTextsAreTheSpecsBytes) {
  const Generated g{"<gen@kimgate.local>", "Mon, 23 Nov 2026 12:00:00 +0000"};
  const std::string outer = *build_outer_message(kInner, "QUJD\r\n", {});
  const std::string mail = decryption_error_mail(outer, "01", "praxis.b@fd-b.kim.telematik-test", g);
  EXPECT_NE(mail.find("Subject: =?UTF-8?Q?Die_Nachricht_konnte_nicht_entschl=C3=BCsselt_werden?=\r\n"),
            std::string::npos);
  EXPECT_NE(mail.find("X-KIM-Fehlermeldung: 4009\r\nX-KIM-DecryptionResult: 01\r\n"), std::string::npos);
  EXPECT_NE(mail.find("[ID 01] Der für die Entschlüsselung der Nachricht benötigte Schlüssel wurde nicht gefunden. "
                      "Überprüfen Sie ob die entsprechende Karte gesteckt ist und leiten Sie diese Nachricht an Ihre "
                      "eigene E-Mail-Adresse (praxis.b@fd-b.kim.telematik-test) weiter. Beim nächsten Abholen wird "
                      "der Entschlüsselungsvorgang wiederholt."),
            std::string::npos);
  EXPECT_NE(mail.find("Content-Type: message/rfc822\r\nContent-Disposition: inline\r\n\r\n" + outer),
            std::string::npos);
  EXPECT_NE(mail.find("Message-ID: <gen@kimgate.local>\r\n"), std::string::npos);
  EXPECT_NE(mail.find("Date: Mon, 23 Nov 2026 10:00:00 +0100\r\n"), std::string::npos);  // copied, not new
  const std::string m3 = decryption_error_mail(outer, "03", "x@y", g);
  EXPECT_NE(m3.find("weil der Konnektor nicht antwortet"), std::string::npos);
  EXPECT_NE(m3.find("X-KIM-Fehlermeldung: 4011\r\n"), std::string::npos);
}

TEST(KimReceive, IntegrityErrorMailEmbedsTheDecryptedOriginal) {
  const Generated g{"<gen2@kimgate.local>", "Mon, 23 Nov 2026 12:00:00 +0000"};
  const std::string mail = integrity_error_mail(*build_outer_message(kInner, "QUJD\r\n", {}), kInner, "08", g);
  EXPECT_NE(mail.find("X-KIM-Fehlermeldung: 4014\r\nX-KIM-DecryptionResult: 00\r\nX-KIM-IntegrityCheckResult: 08\r\n"),
            std::string::npos);
  EXPECT_NE(mail.find(std::string(texts::security_warning)), std::string::npos);
  EXPECT_NE(mail.find("Content-Transfer-Encoding: 8bit\r\n\r\n" + kInner), std::string::npos);
  EXPECT_NE(mail.find("[Integritätsprüfung] [ID 08]"), std::string::npos);
}

TEST(KimReceive, OuterInnerComparisonUsesAddrSpecs) {
  const std::string outer = *build_outer_message(kInner, "QUJD\r\n", {});
  EXPECT_TRUE(outer_inner_headers_match(outer, kInner));
  std::string changed = outer;
  changed.replace(changed.find("labor.b@"), 8, "LABOR.B@");
  EXPECT_TRUE(outer_inner_headers_match(changed, kInner));  // case-insensitive
  changed.replace(changed.find("kasse@"), 6, "other@");
  EXPECT_FALSE(outer_inner_headers_match(changed, kInner));
}

}  // namespace
}  // namespace kimgate::kim
