// kim/send_mail: the client-mail text work of the send path, from literal messages.
#include "kim/send_mail.h"

#include <gtest/gtest.h>

#include "kim/kom_le.h"

using namespace kimgate::kim;

namespace {
RawMessage parse(const std::string& s) {
  auto m = parse_raw_message(s);
  EXPECT_TRUE(m);
  return *m;
}
}  // namespace

TEST(SendMail, PrepareInnerAddsDefaultsAndRemovesDroppedRecipients) {
  const std::string mail =
      "From: A <a@x.test>\r\nTo: \"B, Praxis\" <b@y.test>, c@z.test,\r\n (comment) D <d@y.test>\r\n"
      "Cc: c@z.test\r\nSubject: s\r\n\r\nbody\r\n";
  const RawMessage m = parse(mail);
  const Prepared p = prepare_inner(m, PrepareOptions{{"B@y.test", "d@y.test"}, "<id@kimgate>"});
  EXPECT_NE(p.mail.find("To: \"B, Praxis\" <b@y.test>,\r\n (comment) D <d@y.test>\r\n"), std::string::npos) << p.mail;
  EXPECT_EQ(p.mail.find("Cc:"), std::string::npos) << "a field left empty is dropped";
  EXPECT_NE(p.mail.find("X-KIM-Dienstkennung: KIM-Mail;Default;V1.0\r\n"), std::string::npos);
  EXPECT_NE(p.mail.find("Message-ID: <id@kimgate>\r\n"), std::string::npos);
  EXPECT_EQ(p.removed, (std::vector<std::string>{"c@z.test", "c@z.test"}));
  EXPECT_TRUE(p.mail.ends_with("\r\n\r\nbody\r\n"));
}

TEST(SendMail, PrepareInnerKeepsUntouchedFieldsByteForByte) {
  const std::string mail =
      "From: a@x.test\r\nTo: b@y.test\r\nMessage-ID: <m@pvs>\r\nX-KIM-Dienstkennung: eAU;Lieferung;V1.0\r\n"
      "Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\n\tfolded\r\n\r\nx";
  const Prepared p = prepare_inner(parse(mail), PrepareOptions{{"b@y.test"}, "<unused@k>"});
  EXPECT_EQ(p.mail, mail.substr(0, mail.size() - 1) + "x\r\n");
  EXPECT_FALSE(p.dienstkennung_added);
  EXPECT_FALSE(p.message_id_added);
}

TEST(SendMail, PrepareInnerWritesThePrefixFirst) {
  const std::string mail = "From: a@x.test\r\nTo: b@y.test\r\nMessage-ID: <m@pvs>\r\n\r\nbody\r\n";
  const Prepared plain = prepare_inner(parse(mail), PrepareOptions{{"b@y.test"}, "<unused@k>"});
  const Prepared econtent =
      prepare_inner(parse(mail), PrepareOptions{{"b@y.test"}, "<unused@k>", kSignedContentHeader});
  EXPECT_EQ(econtent.mail, signed_content(plain.mail));
  EXPECT_EQ(inner_mail_of(econtent.mail), std::optional<std::string_view>(plain.mail));
}

TEST(SendMail, XkasPartIsFoundAtAnyDepth) {
  const std::string mail =
      "From: a@x\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: "
      "text/plain\r\n\r\nhi\r\n"
      "--b1\r\nContent-Type: multipart/alternative; boundary=b2\r\n\r\n--b2\r\nContent-Type: text/plain; "
      "charset=utf-8\r\nContent-Disposition: X-KAS\r\n\r\n{}\r\n--b2--\r\n--b1--\r\n";
  EXPECT_TRUE(has_xkas_part(parse(mail)));
  EXPECT_FALSE(has_xkas_part(parse("From: a@x\r\nContent-Disposition: attachment\r\n\r\nx")));
}

TEST(SendMail, ForwardedKimMessageIsPassedOnUnchanged) {
  const std::string mail =
      "From: Praxis <a@x.test>\r\nTo: a@x.test\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\n"
      "Content-Type: text/plain\r\n\r\nforward\r\n--zz\r\nContent-Type: message/rfc822\r\nContent-Disposition: "
      "inline\r\n\r\nFrom: someone@else.test\r\nTo: a@x.test\r\nX-KOM-LE-Version: 1.0\r\nSubject: "
      "KOM-LE-Nachricht\r\n\r\nMIIB\r\n--zz--\r\n";
  const auto out = forwarded_kim_message(parse(mail));
  ASSERT_TRUE(out);
  EXPECT_EQ(*out,
            "From: someone@else.test\r\nTo: a@x.test\r\nX-KOM-LE-Version: 1.0\r\nSubject: "
            "KOM-LE-Nachricht\r\n\r\nMIIB\r\n");
  EXPECT_FALSE(forwarded_kim_message(parse("From: a@x\r\nContent-Type: message/rfc822\r\n\r\nFrom: b@y\r\n\r\nx")));
}

TEST(SendMail, SizeParameterIsReplacedOrAdded) {
  EXPECT_EQ(with_size_parameter("SIZE=10 BODY=8BITMIME", 999), "SIZE=999 BODY=8BITMIME");
  EXPECT_EQ(with_size_parameter("BODY=8BITMIME size=1", 5), "BODY=8BITMIME SIZE=5");
  EXPECT_EQ(with_size_parameter("", 7), "SIZE=7");
}

TEST(SendMail, DsnListsEveryRecipientWithItsCode) {
  DsnRequest r;
  r.sender = "a@x.test";
  r.reporting_host = "x.test";
  r.original_message_id = "<m@pvs>";
  r.original_date = "Tue, 01 Dec 2026 19:00:00 +0000";
  r.recipients = {{"b@y.test", "4003", "5.7.5", "no certificate", ""},
                  {"c@y.test", "4005", "5.7.5", "two ids", ""},
                  {"d@y.test", "X10", "5.1.1", "refused by the provider", "smtp; 550 5.1.1 unknown user"}};
  r.extra_codes = {"4004"};
  r.generated = Generated{"<0123456789abcdef0123@x.test>", "Tue, 01 Dec 2026 19:30:00 +0000"};
  const std::string dsn = delivery_status_notification(r);
  EXPECT_NE(dsn.find("X-KIM-Fehlermeldung: 4003\r\nX-KIM-Fehlermeldung: 4005\r\nX-KIM-Fehlermeldung: "
                     "X10\r\nX-KIM-Fehlermeldung: 4004\r\n"),
            std::string::npos);
  EXPECT_NE(dsn.find("Content-Type: multipart/report; report-type=delivery-status;"), std::string::npos);
  EXPECT_NE(dsn.find("Final-Recipient: rfc822; b@y.test\r\nAction: failed\r\nStatus: 5.7.5\r\n"
                     "Diagnostic-Code: x-kim; 4003 no certificate\r\n"),
            std::string::npos);
  EXPECT_NE(dsn.find("Final-Recipient: rfc822; c@y.test"), std::string::npos);
  EXPECT_NE(dsn.find("Final-Recipient: rfc822; d@y.test\r\nAction: failed\r\nStatus: 5.1.1\r\n"
                     "Diagnostic-Code: smtp; 550 5.1.1 unknown user\r\n"),
            std::string::npos);
  // §4.11's sentence for certificate drops, and one for the provider's refusal.
  EXPECT_NE(dsn.find("Die Nachricht wurde nur an einen Teil der gewünschten Adressaten versendet, denn es konnten "
                     "nicht für alle Empfänger gültige Verschlüsselungszertifikate ermittelt werden.\r\n"),
            std::string::npos);
  EXPECT_NE(dsn.find("Der KIM-Fachdienst hat die Nachricht für diese Empfänger abgelehnt"), std::string::npos);
  EXPECT_NE(dsn.find("In-Reply-To: <m@pvs>\r\n"), std::string::npos);
  EXPECT_NE(dsn.find("Content-Type: text/rfc822-headers\r\n\r\nMessage-ID: <m@pvs>\r\nDate: Tue, 01 Dec 2026 "
                     "19:00:00 +0000\r\n\r\n--"),
            std::string::npos);
  EXPECT_EQ(dsn.find("X-KOM-LE-Version"), std::string::npos);
  EXPECT_TRUE(parse_raw_message(dsn).has_value());
}

TEST(SendMail, MailDomainIsTheAddressDomain) {
  EXPECT_EQ(mail_domain("praxis@kim.example"), "kim.example");
  EXPECT_EQ(mail_domain("no-domain"), "kim.invalid");
  EXPECT_EQ(mail_domain("trailing@"), "kim.invalid");
}

TEST(SendMail, SplitAddressListHandlesQuotesCommentsAndGroups) {
  EXPECT_EQ(split_address_list("\"a, b\" <a@x>, (c,d) c@y, team: d@z, e@z;, f@w"),
            (std::vector<std::string>{"\"a, b\" <a@x>", "(c,d) c@y", "d@z", "e@z", "f@w"}));
}

TEST(SendMail, GeneratedIdentityIsAnRfc4122Uuid) {
  const Generated g = generate_identity("kimgate.test");
  EXPECT_EQ(g.message_id.size(), 1 + 36 + 1 + 12 + 1);
  EXPECT_EQ(g.message_id[15], '4');
  EXPECT_TRUE(g.message_id.ends_with("@kimgate.test>"));
  EXPECT_EQ(rfc5322_date(std::chrono::system_clock::time_point{}), "Thu, 01 Jan 1970 00:00:00 +0000");
}
