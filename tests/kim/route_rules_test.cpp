// eAU bundle reader, application rules, address choice, KV-Connect mapping, message rewrite.
#include "kim/route_rules.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>

#include "crypto/base64.h"
#include "kim/eau_bundle.h"

namespace kimgate::kim {
namespace {

constexpr std::string_view kBundle = R"(<?xml version="1.0" encoding="UTF-8"?>
<Bundle xmlns="http://hl7.org/fhir">
  <id value="eau-1"/>
  <entry><resource><Patient><id value="p"/></Patient></resource></entry>
  <entry><resource><Coverage>
    <status value="active"/>
    <payor>
      <identifier>
        <system value="http://fhir.de/sid/arge-ik/iknr"/>
        <value value="104690009"/>
      </identifier>
      <display value="Test-Krankenkasse Hessen"/>
    </payor>
  </Coverage></resource></entry>
</Bundle>)";

// CMS SignedData with the content inside, signed by a throw-away key (the reader does not verify).
std::string signed_container(std::string_view content) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_RSA_gen(2048), &EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), &X509_free);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(cert.get()), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("Dr. Test HBA"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_sign(cert.get(), key.get(), EVP_sha256());
  BIO* in = BIO_new_mem_buf(content.data(), static_cast<int>(content.size()));
  CMS_ContentInfo* cms = CMS_sign(cert.get(), key.get(), nullptr, in, CMS_BINARY);
  BIO_free(in);
  BIO* out = BIO_new(BIO_s_mem());
  i2d_CMS_bio(out, cms);
  CMS_ContentInfo_free(cms);
  char* data = nullptr;
  const long n = BIO_get_mem_data(out, &data);
  std::string der(data, static_cast<std::size_t>(n));
  BIO_free(out);
  return der;
}

TEST(EauBundle, PlainXml) {
  const EauBundle b = read_eau_bundle(kBundle);
  ASSERT_TRUE(b.ik) << b.error;
  EXPECT_EQ(*b.ik, "104690009");
  EXPECT_FALSE(b.was_signed);
}

TEST(EauBundle, InsideSignedData) {
  const EauBundle b = read_eau_bundle(signed_container(kBundle));
  ASSERT_TRUE(b.ik) << b.error;
  EXPECT_EQ(*b.ik, "104690009");
  EXPECT_TRUE(b.was_signed);
  const EauBundle twice = read_eau_bundle(signed_container(signed_container(kBundle)));
  ASSERT_TRUE(twice.ik) << twice.error;
}

TEST(EauBundle, Failures) {
  EXPECT_NE(read_eau_bundle("garbage").error.find("neither FHIR XML nor a CMS SignedData"), std::string::npos);
  EXPECT_NE(read_eau_bundle("<Bundle><entry/></Bundle>").error.find("no Coverage"), std::string::npos);
  EXPECT_NE(read_eau_bundle("<Bundle>").error.find("not well-formed"), std::string::npos);
  EXPECT_FALSE(read_eau_bundle(signed_container("<Bundle/>")).ik);
  // Another identifier system is not an IK.
  std::string other(kBundle);
  other.replace(other.find("arge-ik"), 7, "kvid-10");
  EXPECT_FALSE(read_eau_bundle(other).ik);
}

std::string mail_with(std::string_view parts) {
  return std::string(
             "From: praxis.a@fd-a.kim.telematik-test\r\nTo: kv-qs-sono@route.kimgate.invalid\r\n"
             "Subject: QS\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
             "--b1\r\nContent-Type: text/plain\r\n\r\nHallo\r\n") +
         std::string(parts) + "--b1--\r\n";
}

std::string part(std::string_view name, std::string_view content) {
  return "--b1\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"" +
         std::string(name) + "\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + crypto::base64::encode(content) +
         "\r\n";
}

RouteService service(std::string name, RouteRule rule) {
  RouteService s;
  s.name = std::move(name);
  s.rule = rule;
  s.source = "route-services.txt:9";
  return s;
}

TEST(Attachments, NamesAndContent) {
  const std::string text =
      mail_with(part("bild.DCM", "DICM") + "--b1\r\nContent-Type: application/pdf; name=\"b.pdf\"\r\n\r\n%PDF\r\n" +
                "--b1\r\nContent-Disposition: attachment; filename*=UTF-8''Bef%C3%BCnd.jpg\r\n\r\nx\r\n");
  const auto m = parse_raw_message(text);
  ASSERT_TRUE(m);
  const auto files = attachments(*m);
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(files[0].name, "bild.DCM");
  EXPECT_EQ(decoded_content(files[0]).value_or(""), "DICM");
  EXPECT_EQ(files[1].name, "b.pdf");
  EXPECT_EQ(files[2].name, "Bef\xC3\xBCnd.jpg");
}

TEST(Rules, QsSonographyFileTypes) {
  RouteService s = service("qs-sono", RouteRule::extensions);
  s.extensions = {".dcm", ".pdf"};
  const std::string good = mail_with(part("bild.DCM", "x") + part("liste.pdf", "y"));
  const auto gm = parse_raw_message(good);
  const auto gf = attachments(*gm);
  EXPECT_TRUE(check_rule(s, RuleInput{&*gm, &gf, {}, ""}).ok());
  const std::string bad = mail_with(part("bild.dcm", "x") + part("setup.exe", "MZ"));
  const auto bm = parse_raw_message(bad);
  const auto bf = attachments(*bm);
  const RuleOutcome r = check_rule(s, RuleInput{&*bm, &bf, {}, ""});
  EXPECT_EQ(r.violation, RuleViolation::file_type);
  EXPECT_NE(r.sentence.find("'setup.exe'"), std::string::npos) << r.sentence;
  EXPECT_NE(r.sentence.find(".dcm .pdf"), std::string::npos);
  EXPECT_NE(r.sentence.find("route-services.txt:9"), std::string::npos);
}

TEST(Rules, SqsBillingBsnr) {
  const RouteService s = service("sqs", RouteRule::billing_bsnr);
  EXPECT_TRUE(check_rule(s, RuleInput{nullptr, nullptr, {"461234500"}, "461234500"}).ok());
  const auto missing = check_rule(s, RuleInput{nullptr, nullptr, {"461234500"}, ""});
  EXPECT_EQ(missing.violation, RuleViolation::billing_bsnr);
  EXPECT_NE(missing.sentence.find("X-Kimgate-BSNR"), std::string::npos);
  const auto other = check_rule(s, RuleInput{nullptr, nullptr, {"461234500"}, "381234567"});
  EXPECT_NE(other.sentence.find("BSNR 381234567"), std::string::npos) << other.sentence;
  EXPECT_NE(other.sentence.find("registered under 461234500"), std::string::npos);
}

std::string begleitdatei(std::string_view guid, std::string_view bsnr, std::string_view anhang) {
  return R"(<?xml version="1.0" encoding="UTF-8"?>
<einlieferung xmlns="http://www.kv-telematik.de/1-Click/Meldung_Einlieferung/2.0.0">
  <version V="1.0"/><guid V=")" +
         std::string(guid) + R"("/><bsnr V=")" + std::string(bsnr) + R"("/><testdaten V="true"/>
  <quartal V="2026-4"/><anhang V=")" +
         std::string(anhang) + R"("/></einlieferung>)";
}

RuleOutcome one_click(const std::string& parts) {
  const std::string text = mail_with(parts);
  const auto m = parse_raw_message(text);
  const auto files = attachments(*m);
  return check_rule(service("1click", RouteRule::begleitdatei), RuleInput{&*m, &files, {"461234500"}, ""});
}

TEST(Rules, OneClickBegleitdatei) {
  constexpr std::string_view guid = "0f8fad5b-d9cb-469f-a165-70867728950e";
  const RuleOutcome ok =
      one_click(part("begleitdatei.xml", begleitdatei(guid, "461234500", "Z01.CON.XKM")) + part("z01.con.xkm", "k"));
  ASSERT_TRUE(ok.ok()) << ok.sentence;
  EXPECT_EQ(ok.guid, guid);
  EXPECT_TRUE(ok.test);
  EXPECT_EQ(one_click(part("z01.con.xkm", "k")).violation, RuleViolation::begleitdatei_missing);
  EXPECT_EQ(one_click(part("begleitdatei.xml", "<x/>")).violation, RuleViolation::begleitdatei_invalid);
  EXPECT_EQ(one_click(part("begleitdatei.xml", begleitdatei("1234", "461234500", "a"))).violation,
            RuleViolation::begleitdatei_guid);
  const RuleOutcome wrong = one_click(part("begleitdatei.xml", begleitdatei(guid, "381234567", "a")));
  EXPECT_EQ(wrong.violation, RuleViolation::begleitdatei_bsnr);
  EXPECT_NE(wrong.sentence.find("begleitdatei.xml"), std::string::npos);
  EXPECT_EQ(one_click(part("begleitdatei.xml", begleitdatei(guid, "46123450", "a"))).violation,
            RuleViolation::begleitdatei_bsnr);
  const RuleOutcome absent = one_click(part("begleitdatei.xml", begleitdatei(guid, "461234500", "fehlt.xkm")));
  EXPECT_EQ(absent.violation, RuleViolation::begleitdatei_anhang);
  EXPECT_NE(absent.sentence.find("'fehlt.xkm'"), std::string::npos);
}

TEST(ChooseAddress, ByApplicationTag) {
  const std::vector<AddressCandidate> kasse = {
      {"post@kk.test", {"KIM-Mail;V1.0"}},
      {"eau@kk.test", {"eAU;V1.0", "KIM-Mail;V1.0"}},
      {"eeb@kk.test", {"eEB;V1.0"}},
  };
  const AddressChoice c = choose_address(kasse, "eAU");
  EXPECT_EQ(c.mail, "eau@kk.test");
  EXPECT_NE(c.reason.find("only one of 3"), std::string::npos) << c.reason;
  EXPECT_EQ(choose_address(kasse, "1ClickAbrechnung").mail, "");
  EXPECT_NE(choose_address(kasse, "1ClickAbrechnung").error.find("none of its 3"), std::string::npos);
  const AddressChoice untagged = choose_address({{"a@kv.test", {}}, {"b@kv.test", {"eDMP"}}}, "1ClickAbrechnung");
  EXPECT_EQ(untagged.mail, "a@kv.test");
  EXPECT_FALSE(choose_address({}, "eAU").error.empty());
}

TEST(KvConnect, HeadersTakenOverWhenKimHeaderAbsent) {
  const std::string text =
      "From: a@b.test\r\nX-KVC-Dienstkennung: 1ClickAbrechnung;Lieferung;V2.0\r\nX-KVC-Sendersystem: PVS;1.0\r\n"
      "X-KIM-Sendersystem: PVS;2.0\r\n\r\nbody\r\n";
  const auto m = parse_raw_message(text);
  const auto changes = kv_connect_headers(*m);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].name, "X-KIM-Dienstkennung");
  EXPECT_EQ(changes[0].value, "1ClickAbrechnung;Lieferung;V2.0");
}

TEST(Rewrite, ReplacesRoutingAddressesKeepsTheRest) {
  const std::string text =
      "From: praxis.a@fd-a.test\r\nTo: \"eAU\" <eau@route.kimgate.invalid>, other@x.test\r\n"
      "Cc: someone@y.test\r\nX-KIM-Dienstkennung: KIM-Mail;Default;V1.0\r\nSubject: AU\r\n\r\nbody\r\n";
  const auto m = parse_raw_message(text);
  Rewrite rw;
  rw.addresses = {{"EAU@route.kimgate.invalid", "eau.tkkh@fd-b.test"}};
  rw.dienstkennung = "eAU;Lieferung;V1.0";
  rw.add_headers = {{"X-KIM-Sendersystem", "PVS;1", "test"}};
  const std::string out = rewrite_message(*m, rw);
  EXPECT_EQ(out,
            "From: praxis.a@fd-a.test\r\nTo: \"eAU\" <eau.tkkh@fd-b.test>,\r\n other@x.test\r\n"
            "Cc: someone@y.test\r\nX-KIM-Dienstkennung: eAU;Lieferung;V1.0\r\nSubject: AU\r\n"
            "X-KIM-Sendersystem: PVS;1\r\n\r\nbody\r\n");
  // A Dienstkennung the PVS chose is kept; none at all gets one.
  const std::string own = "To: a@b.test\r\nX-KIM-Dienstkennung: eAU;Storno-Arzt;V1.0\r\n\r\nx";
  EXPECT_EQ(rewrite_message(*parse_raw_message(own), rw),
            own.substr(0, own.size() - 3) + "X-KIM-Sendersystem: PVS;1\r\n\r\nx");
  const std::string none = "To: a@b.test\r\n\r\nx";
  EXPECT_EQ(rewrite_message(*parse_raw_message(none), Rewrite{{}, {}, "eAU;Lieferung;V1.0"}),
            "To: a@b.test\r\nX-KIM-Dienstkennung: eAU;Lieferung;V1.0\r\n\r\nx");
}

// A mail above the Konnektor's limit is routed by its header section alone: only the rules that
// read attachments must be refused there.
TEST(RouteRules, WhichRulesReadAttachments) {
  EXPECT_TRUE(reads_attachments(RouteRule::extensions));
  EXPECT_TRUE(reads_attachments(RouteRule::begleitdatei));
  EXPECT_FALSE(reads_attachments(RouteRule::billing_bsnr));
  EXPECT_FALSE(reads_attachments(RouteRule::none));
}

}  // namespace
}  // namespace kimgate::kim
