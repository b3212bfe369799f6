// The receive side of large mails (kim/kas_receive.h): the failure table and mails, and the frame
// around a downloaded client mail.
#include "kim/kas_receive.h"

#include <gtest/gtest.h>

#include "kim/raw_message.h"
#include "kim/send_mail.h"

namespace kimgate::kim {
namespace {

const std::string kOuter =
    "Return-Path: <a@x.kim.telematik>\r\nReceived: from fd by fd\r\nFrom: a@x.kim.telematik\r\n"
    "To: b@y.kim.telematik\r\nDate: Fri, 04 Dec 2026 10:00:00 +0000\r\nSubject: KOM-LE-Nachricht\r\n"
    "X-KOM-LE-Version: 1.5\r\nX-KIM-KAS-Size: 20000000\r\nContent-Type: application/pkcs7-mime\r\n\r\nMIIB\r\n";
const std::string kInner =
    "From: a@x.kim.telematik\r\nTo: b@y.kim.telematik\r\nSubject: Befund\r\nX-KIM-KAS-Size: 20000000\r\n"
    "X-KIM-DecryptionResult: 00\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Disposition: x-kas\r\n\r\n"
    "{\"link\":\"https://kas/x\",\"k\":\"K\",\"hash\":\"H\",\"size\":1}\r\n";
const Generated kGenerated{"<generated@kimgate.invalid>", "Fri, 04 Dec 2026 10:00:01 +0000"};

TEST(KasFailure, OneCodePerFailure) {
  EXPECT_EQ(kas_failure_code(KasFailure::not_enabled), "4018");
  EXPECT_EQ(kas_failure_code(KasFailure::download_failed), "4006");
  EXPECT_EQ(kas_failure_code(KasFailure::too_many), "4013");
  EXPECT_EQ(kas_failure_code(KasFailure::decrypt), "4007");
  EXPECT_EQ(kas_failure_code(KasFailure::hash_mismatch), "4012");
  EXPECT_EQ(kas_failure_code(KasFailure::ambiguous), "");
}

TEST(KasFailure, DownloadFailuresEmbedTheKimMessage) {
  for (KasFailure f : {KasFailure::download_failed, KasFailure::too_many, KasFailure::not_enabled}) {
    const std::string mail = kas_failure_mail(f, kOuter, kInner, "b@y.kim.telematik", "01", kGenerated);
    const auto m = parse_raw_message(mail);
    ASSERT_TRUE(m);
    EXPECT_EQ(header_value(*m, "X-KIM-Fehlermeldung"), std::string(kas_failure_code(f)));
    EXPECT_NE(mail.find("Content-Type: message/rfc822"), std::string::npos);
    EXPECT_NE(mail.find(kOuter), std::string::npos) << "the received KIM message, unchanged";
    EXPECT_EQ(mail.find("x-kas"), std::string::npos) << "never the reference";
    EXPECT_NE(mail.find("b@y.kim.telematik"), std::string::npos);
  }
  const std::string failed =
      kas_failure_mail(KasFailure::download_failed, kOuter, kInner, "b@y.kim.telematik", "01", kGenerated);
  EXPECT_NE(failed.find(std::string(texts::kas_download_failed_a) + "b@y.kim.telematik" +
                        std::string(texts::kas_download_failed_b)),
            std::string::npos);
}

TEST(KasFailure, DecryptionAndHashReplaceTheBody) {
  const std::string decrypt =
      kas_failure_mail(KasFailure::decrypt, kOuter, kInner, "b@y.kim.telematik", "01", kGenerated);
  const auto m = parse_raw_message(decrypt);
  ASSERT_TRUE(m);
  EXPECT_EQ(header_value(*m, "X-KIM-Fehlermeldung"), "4007");
  EXPECT_EQ(header_value(*m, "Subject"), "Befund");
  EXPECT_EQ(header_fields(*m, "X-KIM-DecryptionResult").size(), 1u) << "the sender's result header is dropped";
  EXPECT_NE(decrypt.find(texts::kas_decrypt_failed), std::string::npos);
  EXPECT_EQ(decrypt.find("x-kas"), std::string::npos);
  const std::string hash =
      kas_failure_mail(KasFailure::hash_mismatch, kOuter, kInner, "b@y.kim.telematik", "07", kGenerated);
  EXPECT_NE(hash.find(texts::kas_hash_warning), std::string::npos);
  EXPECT_NE(hash.find("X-KIM-Fehlermeldung: 4012"), std::string::npos);
  EXPECT_NE(hash.find("X-KIM-IntegrityCheckResult: 07"), std::string::npos);
  const std::string ambiguous =
      kas_failure_mail(KasFailure::ambiguous, kOuter, kInner, "b@y.kim.telematik", "01", kGenerated);
  EXPECT_NE(ambiguous.find(texts::kas_ambiguous), std::string::npos);
  EXPECT_EQ(ambiguous.find("X-KIM-Fehlermeldung"), std::string::npos);
}

TEST(KasFrame, WrapsTheClientMailWithResultHeadersAndNotes) {
  const std::string client_head =
      "From: a@x.kim.telematik\r\nTo: b@y.kim.telematik\r\nSubject: Befund\r\nMIME-Version: 1.0\r\n"
      "X-KIM-IntegrityCheckResult: 01\r\nContent-Type: multipart/mixed; boundary=\"inner\"\r\n\r\n";
  const std::string body = "--inner\r\nContent-Type: text/plain\r\n\r\nHallo\r\n--inner--\r\n";
  const KasFrame f = kas_delivery_frame(kOuter, client_head, "01", "kimgate-kas-test");
  const std::string mail = f.head + body + f.tail;
  const auto m = parse_raw_message(mail);
  ASSERT_TRUE(m);
  EXPECT_EQ(header_value(*m, "X-KIM-DecryptionResult"), "00");
  EXPECT_EQ(header_fields(*m, "X-KIM-IntegrityCheckResult").size(), 1u);
  EXPECT_EQ(header_value(*m, "X-KIM-IntegrityCheckResult"), "01");
  EXPECT_EQ(header_value(*m, "Return-Path"), "<a@x.kim.telematik>");
  EXPECT_EQ(header_value(*m, "Subject"), "Befund");
  EXPECT_EQ(mime_type(header_value(*m, "Content-Type").value_or("")), "multipart/mixed");
  const std::vector<MimePart> parts = find_parts(*m);
  ASSERT_GE(parts.size(), 3u);
  EXPECT_EQ(parts[1].type, "text/plain");
  EXPECT_NE(std::string(parts[1].entity.body).find(texts::decrypted_note), std::string::npos);
  EXPECT_EQ(parts[2].type, "multipart/mixed") << "the client mail's own entity";
  EXPECT_NE(mail.find(body), std::string::npos) << "the body unchanged";
}

}  // namespace
}  // namespace kimgate::kim
