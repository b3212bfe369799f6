// The client module's own notices: 4016 with the Account Manager's text as "Fehlertext:", 4017
// with both versions; unsigned plain text from and to the account, one X-KIM-Fehlermeldung,
// auto-generated, and a provider text cannot add header lines or break the body's lines.
#include "kim/notice_mail.h"

#include <gtest/gtest.h>

namespace kimgate::kim {
namespace {

NoticeRequest request(NoticeKind kind) {
  NoticeRequest r;
  r.kind = kind;
  r.address = "b-467654300.kvh@fd-a.kim.test";
  r.generated = Generated{"<n-1@fd-a.kim.test>", "Fri, 04 Dec 2026 22:00:00 +0000"};
  return r;
}

TEST(NoticeMail, CertificateRenewalFailedCarries4016AndTheProviderText) {
  NoticeRequest r = request(NoticeKind::certificate_renewal_failed);
  r.fehlertext = "internal error\r\nBcc: evil@x";
  r.not_after = "2027-12-10T00:00:00Z";
  const std::string m = notice_mail(r);
  const std::string head = m.substr(0, m.find("\r\n\r\n") + 2);
  EXPECT_NE(head.find("From: b-467654300.kvh@fd-a.kim.test\r\n"), std::string::npos);
  EXPECT_NE(head.find("To: b-467654300.kvh@fd-a.kim.test\r\n"), std::string::npos);
  EXPECT_NE(head.find("X-KIM-Fehlermeldung: 4016\r\n"), std::string::npos);
  EXPECT_NE(head.find("Auto-Submitted: auto-generated\r\n"), std::string::npos);
  EXPECT_NE(head.find("Message-ID: <n-1@fd-a.kim.test>\r\n"), std::string::npos);
  EXPECT_NE(head.find("Content-Type: text/plain; charset=utf-8\r\n"), std::string::npos);
  EXPECT_EQ(head.find("X-KOM-LE-Version"), std::string::npos);
  EXPECT_EQ(head.find("Bcc"), std::string::npos);
  EXPECT_NE(m.find("\r\nFehlertext: internal error  Bcc: evil@x\r\n"), std::string::npos);
  EXPECT_NE(m.find("2027-12-10T00:00:00Z"), std::string::npos);
  EXPECT_EQ(notice_code(r.kind), "4016");
}

TEST(NoticeMail, OutdatedClientModuleCarries4017AndBothVersions) {
  NoticeRequest r = request(NoticeKind::client_module_outdated);
  r.registered = "1.6";
  r.ours = "1.5";
  r.product = "kimgate 0.1.0";
  const std::string m = notice_mail(r);
  EXPECT_NE(m.find("X-KIM-Fehlermeldung: 4017\r\n"), std::string::npos);
  EXPECT_EQ(m.find("X-KIM-Fehlermeldung: 4016"), std::string::npos);
  EXPECT_NE(m.find(": 1.6\r\n"), std::string::npos);
  EXPECT_NE(m.find(": 1.5 (kimgate 0.1.0)\r\n"), std::string::npos);
  EXPECT_EQ(m.find("Fehlertext"), std::string::npos);
  EXPECT_EQ(notice_code(r.kind), "4017");
}

}  // namespace
}  // namespace kimgate::kim
