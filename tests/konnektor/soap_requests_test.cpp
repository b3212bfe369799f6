// Recorded request bodies of every operation, written from the element tables of the spec
// digest (konnektor.md §5–§7) with JAX-WS style prefixes, replayed through the client's
// serialiser (compared by namespace URI and local name, not by prefix) and through the test
// Konnektor's parser. A namespace or order mistake on either side fails here.
#include <gtest/gtest.h>

#include "konnektor/soap/requests.h"
#include "konnektor/soap/xml.h"
#include "tests/konnektor_sim/codec.h"

namespace kimgate::konnektor {
namespace {

using namespace soap;

// One line per element: depth, {namespace}local, attributes other than xmlns, trimmed text.
std::string canonical(std::string_view xml) {
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size())) {
    return "not XML";
  }
  std::string out;
  const auto walk = [&](auto&& self, const pugi::xml_node& n, int depth) -> void {
    out += std::string(static_cast<std::size_t>(depth) * 2, ' ') + "{" + namespace_of(n) + "}" +
           std::string(local_name(n));
    for (const pugi::xml_attribute& a : n.attributes()) {
      const std::string_view name = a.name();
      if (name != "xmlns" && name.substr(0, 6) != "xmlns:") {
        out += " @" + std::string(name) + "=" + a.value();
      }
    }
    const std::string text = text_of(n);
    out += text.empty() || !elements(n).empty() ? "\n" : " = " + text + "\n";
    for (const pugi::xml_node& c : elements(n)) {
      self(self, c, depth + 1);
    }
  };
  walk(walk, doc.document_element(), 0);
  return out;
}

const CallContext kCtx{"M1", "CS1", "WP1", ""};
const Bytes kContent{'H', 'a', 'l', 'l', 'o'};      // SGFsbG8=
const Bytes kEmails{0x30, 0x03, 0x02, 0x01, 0x01};  // MAMCAQE=
const Bytes kCert{0x30, 0x00};                      // MAA=

const std::string kEnvOpen =
    R"(<?xml version="1.0" encoding="UTF-8"?><S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body>)";
const std::string kEnvClose = "</S:Body></S:Envelope>";
const std::string kNs =
    R"( xmlns:ns2="http://ws.gematik.de/conn/ConnectorCommon/v5.0" xmlns:ns3="http://ws.gematik.de/conn/ConnectorContext/v2.0" xmlns:ns4="http://ws.gematik.de/conn/CardServiceCommon/v2.0" xmlns:ns5="urn:oasis:names:tc:dss:1.0:core:schema" xmlns:ns6="http://ws.gematik.de/conn/CertificateServiceCommon/v2.0")";
const std::string kContext =
    "<ns3:Context><ns2:MandantId>M1</ns2:MandantId><ns2:ClientSystemId>CS1</ns2:ClientSystemId>"
    "<ns2:WorkplaceId>WP1</ns2:WorkplaceId></ns3:Context>";

std::string recorded(const std::string& op, const std::string& service_ns, const std::string& inner) {
  return kEnvOpen + "<op:" + op + " xmlns:op=\"" + service_ns + "\"" + kNs + ">" + inner + "</op:" + op + ">" +
         kEnvClose;
}

struct Case {
  const char* name;
  Request request;
  std::string recorded;
};

std::vector<Case> cases() {
  const Versions v;  // EventService 7.2, CardService 8.1, CertificateService 6.0, Encryption 6.1, Signature 7.5
  const std::string sig = "http://ws.gematik.de/conn/SignatureService/v7.5";
  const std::string crypt = "http://ws.gematik.de/conn/EncryptionService/v6.1";
  const std::string cert = "http://ws.gematik.de/conn/CertificateService/v6.0";
  const std::string card = "http://ws.gematik.de/conn/CardService/v8.1";
  const std::string recipient_emails =
      "<ns5:Property><ns5:Identifier>RecipientEmailsAttribute</ns5:Identifier><ns5:Value>"
      "<CMSAttribute>MAMCAQE=</CMSAttribute></ns5:Value></ns5:Property>";
  return {
      {"GetCards", get_cards(v, kCtx), recorded("GetCards", "http://ws.gematik.de/conn/EventService/v7.2", kContext)},
      {"GetPinStatus", get_pin_status(v, kCtx, "H1", PinType::smc),
       recorded("GetPinStatus", card,
                kContext + "<ns2:CardHandle>H1</ns2:CardHandle><ns4:PinTyp>PIN.SMC</ns4:PinTyp>")},
      {"VerifyPin", verify_pin(v, kCtx, "H1", PinType::ch),
       recorded("VerifyPin", card, kContext + "<ns2:CardHandle>H1</ns2:CardHandle><ns4:PinTyp>PIN.CH</ns4:PinTyp>")},
      {"ReadCardCertificate", read_card_certificate(v, kCtx, "H1", CertRef::enc, Crypt::ecc),
       recorded("ReadCardCertificate", cert,
                "<ns2:CardHandle>H1</ns2:CardHandle>" + kContext +
                    "<op:CertRefList><op:CertRef>C.ENC</op:CertRef></op:CertRefList><op:Crypt>ECC</op:Crypt>")},
      {"GetJobNumber", get_job_number(v, kCtx), recorded("GetJobNumber", sig, kContext)},
      {"SignDocument", sign_document(v, kCtx, "H1", "ABC-123", kContent, kEmails, Crypt::rsa),
       recorded("SignDocument", sig,
                "<ns2:CardHandle>H1</ns2:CardHandle><op:Crypt>RSA</op:Crypt>" + kContext +
                    "<op:TvMode>NONE</op:TvMode><op:JobNumber>ABC-123</op:JobNumber>"
                    "<op:SignRequest RequestID=\"kim-1\"><op:OptionalInputs>"
                    "<ns5:SignatureType>urn:ietf:rfc:5652</ns5:SignatureType>"
                    "<ns5:Properties><ns5:SignedProperties>" +
                    recipient_emails +
                    "</ns5:SignedProperties></ns5:Properties><op:IncludeEContent>true</op:IncludeEContent>"
                    "</op:OptionalInputs><op:Document ShortText=\"KIM-Nachricht\">"
                    "<ns5:Base64Data MimeType=\"text/plain; charset=utf-8\">SGFsbG8=</ns5:Base64Data></op:Document>"
                    "<op:IncludeRevocationInfo>false</op:IncludeRevocationInfo></op:SignRequest>")},
      {"EncryptDocument", encrypt_document(v, kCtx, kContent, {kCert, kCert}, kEmails),
       recorded("EncryptDocument", crypt,
                kContext +
                    "<op:RecipientKeys><op:Certificate>MAA=</op:Certificate><op:Certificate>MAA=</op:Certificate>"
                    "</op:RecipientKeys><ns2:Document><ns5:Base64Data>SGFsbG8=</ns5:Base64Data></ns2:Document>"
                    "<op:OptionalInputs><op:EncryptionType>urn:ietf:rfc:5652</op:EncryptionType>"
                    "<op:UnprotectedProperties>" +
                    recipient_emails + "</op:UnprotectedProperties></op:OptionalInputs>")},
      {"DecryptDocument", decrypt_document(v, kCtx, "H1", kContent, Crypt::ecc),
       recorded("DecryptDocument", crypt,
                kContext +
                    "<op:PrivateKeyOnCard><ns2:CardHandle>H1</ns2:CardHandle><op:Crypt>ECC</op:Crypt>"
                    "</op:PrivateKeyOnCard><ns2:Document><ns5:Base64Data>SGFsbG8=</ns5:Base64Data></ns2:Document>")},
      {"VerifyDocument", verify_document(v, kCtx, kContent),
       recorded("VerifyDocument", sig,
                kContext + "<op:TvMode>NONE</op:TvMode><ns5:SignatureObject>"
                           "<ns5:Base64Signature Type=\"urn:ietf:rfc:5652\">SGFsbG8=</ns5:Base64Signature>"
                           "</ns5:SignatureObject><op:IncludeRevocationInfo>false</op:IncludeRevocationInfo>")},
      {"VerifyCertificate", verify_certificate(v, kCtx, kCert),
       recorded("VerifyCertificate", cert, kContext + "<ns6:X509Certificate>MAA=</ns6:X509Certificate>")},
      {"ExternalAuthenticate", external_authenticate(v, kCtx, "H1", kContent, SignatureScheme::rsassa_pss_sha256),
       recorded("ExternalAuthenticate", "http://ws.gematik.de/conn/SignatureService/v7.4",
                "<ns2:CardHandle>H1</ns2:CardHandle>" + kContext +
                    "<op:OptionalInputs><ns5:SignatureType>urn:ietf:rfc:3447</ns5:SignatureType>"
                    "<op:SignatureSchemes>RSASSA-PSS</op:SignatureSchemes></op:OptionalInputs>"
                    "<op:BinaryString><ns5:Base64Data>SGFsbG8=</ns5:Base64Data></op:BinaryString>")},
  };
}

TEST(soap_requests, client_serialises_the_recorded_bodies) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(canonical(c.request.body), canonical(c.recorded));
  }
}

TEST(soap_requests, test_konnektor_parses_the_recorded_bodies) {
  const Versions v;
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    const auto r = sim::parse_request(v, c.request.service, c.request.action, c.recorded);
    ASSERT_TRUE(r.value) << r.error.code << " " << r.error.text;
    EXPECT_EQ(r.value->operation, c.name);
    EXPECT_EQ(r.value->ctx.mandant_id, "M1");
    EXPECT_EQ(r.value->ctx.workplace_id, "WP1");
  }
}

TEST(soap_requests, parsed_values_match_what_the_client_sent) {
  const Versions v;
  const Request sign = sign_document(v, kCtx, "H1", "ABC-123", kContent, kEmails, Crypt::ecc);
  const auto s = sim::parse_request(v, Service::signature, sign.action, sign.body);
  ASSERT_TRUE(s.value) << s.error.text;
  EXPECT_EQ(s.value->handle, "H1");
  EXPECT_EQ(s.value->job_number, "ABC-123");
  EXPECT_EQ(s.value->crypt, Crypt::ecc);
  EXPECT_EQ(s.value->content, kContent);
  EXPECT_EQ(s.value->recipient_emails, kEmails);
  const Request enc = encrypt_document(v, kCtx, kContent, {kCert, kEmails}, kEmails);
  const auto e = sim::parse_request(v, Service::encryption, enc.action, enc.body);
  ASSERT_TRUE(e.value) << e.error.text;
  EXPECT_EQ(e.value->certificates, (std::vector<Bytes>{kCert, kEmails}));
  EXPECT_EQ(e.value->recipient_emails, kEmails);
  const Request ext = external_authenticate(v, kCtx, "H2", kContent, SignatureScheme::ecdsa_sha256);
  const auto x = sim::parse_request(v, Service::auth_signature, ext.action, ext.body);
  ASSERT_TRUE(x.value) << x.error.text;
  EXPECT_EQ(x.value->scheme, SignatureScheme::ecdsa_sha256);
  EXPECT_EQ(x.value->content, kContent);
}

TEST(soap_requests, soap_actions_follow_the_digest) {
  const Versions v;
  EXPECT_EQ(get_cards(v, kCtx).action, "http://ws.gematik.de/conn/EventService/v7.2#GetCards");
  EXPECT_EQ(decrypt_document(v, kCtx, "H", kContent, Crypt::rsa).action,
            "http://ws.gematik.de/conn/crypt/EncryptionService/v6.1#DecryptDocument");
  EXPECT_EQ(encrypt_document(v, kCtx, kContent, {}, kEmails).action,
            "http://ws.gematik.de/conn/EncryptionService/v6.1#EncryptDocument");
  EXPECT_EQ(external_authenticate(v, kCtx, "H", kContent, SignatureScheme::rsassa_pss_sha256).action,
            "http://ws.gematik.de/conn/SignatureService/v7.4#ExternalAuthenticate");
  Versions old = v;
  old.signature = "7.4";
  EXPECT_EQ(sign_document(old, kCtx, "H", "ABC-123", kContent, kEmails, Crypt::rsa).action,
            "http://ws.gematik.de/conn/SignatureService/v7.4#SignDocument");
}

TEST(soap_requests, a_namespace_or_order_mistake_is_refused) {
  const Versions v;
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    // Context's children in the Context namespace instead of ConnectorCommon (the digest's trap).
    std::string wrong_ns = c.recorded;
    for (std::size_t p = 0; (p = wrong_ns.find("ns2:MandantId", p)) != std::string::npos;) {
      wrong_ns.replace(p, 3, "ns3");
    }
    const auto r = sim::parse_request(v, c.request.service, c.request.action, wrong_ns);
    EXPECT_FALSE(r.value);
    EXPECT_NE(canonical(wrong_ns), canonical(c.request.body));
  }
  // CardHandle before Context in VerifyPin (Context comes first there).
  const std::string swapped =
      recorded("VerifyPin", "http://ws.gematik.de/conn/CardService/v8.1",
               "<ns2:CardHandle>H1</ns2:CardHandle>" + kContext + "<ns4:PinTyp>PIN.SMC</ns4:PinTyp>");
  const auto r = sim::parse_request(v, Service::card, verify_pin(v, kCtx, "H1", PinType::smc).action, swapped);
  ASSERT_FALSE(r.value);
  EXPECT_EQ(r.error.code, 4000);
  // The wrong soapAction (EncryptDocument's form for DecryptDocument).
  const Request dec = decrypt_document(v, kCtx, "H1", kContent, Crypt::rsa);
  const auto a = sim::parse_request(v, Service::encryption,
                                    "http://ws.gematik.de/conn/EncryptionService/v6.1#DecryptDocument", dec.body);
  EXPECT_FALSE(a.value);
  // A context without WorkplaceId: 4021.
  const Request cards = get_cards(v, CallContext{"M1", "CS1", "", ""});
  const auto m = sim::parse_request(v, Service::event, cards.action, cards.body);
  ASSERT_FALSE(m.value);
  EXPECT_EQ(m.error.code, 4021);
}

}  // namespace
}  // namespace kimgate::konnektor
