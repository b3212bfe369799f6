// connector.sds parsing, SOAP faults as typed errors, and the responses of the test
// Konnektor read back by the client's parsers.
#include <gtest/gtest.h>

#include "konnektor/soap/responses.h"
#include "konnektor/soap/sds.h"
#include "tests/konnektor_sim/codec.h"

namespace kimgate::konnektor {
namespace {

using namespace soap;

const char* kSds = R"(<?xml version="1.0" encoding="UTF-8"?>
<ConnectorServices xmlns="http://ws.gematik.de/conn/ServiceDirectory/v3.1"
    xmlns:ns2="http://ws.gematik.de/int/version/ProductInformation/v1.1"
    xmlns:ns3="http://ws.gematik.de/conn/ServiceInformation/v2.0">
  <ns2:ProductInformation>
    <ns2:InformationDate>2026-11-23T10:00:00Z</ns2:InformationDate>
    <ns2:ProductTypeInformation><ns2:ProductType>Konnektor PTV4Plus</ns2:ProductType>
      <ns2:ProductTypeVersion>4.80.3</ns2:ProductTypeVersion></ns2:ProductTypeInformation>
    <ns2:ProductIdentification><ns2:ProductVendorID>SECUN</ns2:ProductVendorID><ns2:ProductCode>KON</ns2:ProductCode>
      <ns2:ProductVersion><ns2:Local><ns2:HWVersion>2.0.0</ns2:HWVersion><ns2:FWVersion>4.10.1</ns2:FWVersion>
      </ns2:Local></ns2:ProductVersion></ns2:ProductIdentification>
    <ns2:ProductMiscellaneous><ns2:ProductVendorName>secunet</ns2:ProductVendorName>
      <ns2:ProductName>secunet konnektor 2.0.0</ns2:ProductName></ns2:ProductMiscellaneous>
  </ns2:ProductInformation>
  <TLSMandatory>true</TLSMandatory>
  <ClientAutMandatory>true</ClientAutMandatory>
  <ns3:ServiceInformation>
    <ns3:Service Name="SignatureService"><ns3:Abstract>sig</ns3:Abstract><ns3:Versions>
      <ns3:Version TargetNamespace="http://ws.gematik.de/conn/SignatureService/v7.4" Version="7.4.4">
        <ns3:Abstract>x</ns3:Abstract><ns3:EndpointTLS Location="https://kon/ws/sig74"/></ns3:Version>
      <ns3:Version TargetNamespace="http://ws.gematik.de/conn/SignatureService/v7.5" Version="7.5.7">
        <ns3:Abstract>x</ns3:Abstract><ns3:Endpoint Location="http://kon/ws/sig75"/>
        <ns3:EndpointTLS Location="https://kon/ws/sig75"/></ns3:Version>
      <ns3:Version TargetNamespace="http://ws.gematik.de/conn/SignatureService/v8.0" Version="8.0.1">
        <ns3:Abstract>future</ns3:Abstract><ns3:EndpointTLS Location="https://kon/ws/sig80"/></ns3:Version>
    </ns3:Versions></ns3:Service>
    <ns3:Service Name="EncryptionService"><ns3:Abstract>enc</ns3:Abstract><ns3:Versions>
      <ns3:Version Version="6.1.2"><ns3:Abstract>x</ns3:Abstract><ns3:EndpointTLS Location="https://kon/ws/enc"/>
      </ns3:Version></ns3:Versions></ns3:Service>
    <ns3:Service Name="CardService"><ns3:Abstract>card</ns3:Abstract><ns3:Versions>
      <ns3:Version Version="8.1.3"><ns3:Abstract>x</ns3:Abstract><ns3:EndpointTLS Location="https://kon/ws/card81"/>
      </ns3:Version><ns3:Version Version="8.2.1"><ns3:Abstract>x</ns3:Abstract>
      <ns3:EndpointTLS Location="https://kon/ws/card82"/></ns3:Version></ns3:Versions></ns3:Service>
    <ns3:Service Name="VSDService"><ns3:Abstract>not ours</ns3:Abstract><ns3:Versions>
      <ns3:Version Version="5.2.0"><ns3:Abstract>x</ns3:Abstract><ns3:EndpointTLS Location="https://kon/ws/vsd"/>
      </ns3:Version></ns3:Versions></ns3:Service>
  </ns3:ServiceInformation>
</ConnectorServices>)";

TEST(soap_sds, product_information_flags_and_highest_implemented_versions) {
  const SdsResult r = parse_sds(kSds);
  ASSERT_TRUE(r.ok()) << r.error;
  const ServiceDirectory& d = *r.value;
  EXPECT_EQ(kon_version_header(d.product), "<secunet konnektor 2.0.0><Konnektor PTV4Plus><4.80.3><2.0.0><4.10.1>");
  EXPECT_EQ(d.vendor_name, "secunet");
  EXPECT_EQ(d.product.vendor_id, "SECUN");
  EXPECT_TRUE(d.tls_mandatory);
  EXPECT_TRUE(d.client_aut_mandatory);
  ASSERT_NE(d.endpoint(Service::signature), nullptr);
  EXPECT_EQ(d.endpoint(Service::signature)->version, "7.5.7");  // 8.0 is not implemented
  EXPECT_EQ(d.endpoint(Service::signature)->url, "https://kon/ws/sig75");
  EXPECT_EQ(d.endpoint(Service::card)->url, "https://kon/ws/card82");
  EXPECT_EQ(d.versions().signature, "7.5");
  EXPECT_EQ(d.versions().card, "8.2");
  EXPECT_EQ(d.endpoint(Service::event), nullptr);
  EXPECT_TRUE(ecc_capable(d.product, "7.4.1", "6.1.1"));
  EXPECT_FALSE(ecc_capable(d.product, "7.4.1", "6.1.3"));
  const SdsResult plain = parse_sds(kSds, false);
  EXPECT_EQ(plain.value->endpoint(Service::signature)->url, "http://kon/ws/sig75");
}

TEST(soap_sds, wrong_root_namespace_is_an_error) {
  std::string sds = kSds;
  sds.replace(sds.find("ServiceDirectory/v3.1"), 21, "ServiceDirectory/v3.0");
  const SdsResult r = parse_sds(sds);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("ConnectorServices"), std::string::npos);
  EXPECT_FALSE(parse_sds("<not xml").ok());
}

TEST(soap_sds, test_konnektor_directory_reads_back) {
  const ProductInformation p{"KIMGT", "kimgate local Konnektor", "Konnektor", "5.0.0", "1.0.0", "1.0.0", "7.5.5",
                             "6.1.2"};
  const SdsResult r = parse_sds(sim::connector_sds(p, "https://127.0.0.1:1234", true));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.value->endpoint(Service::encryption)->url, "https://127.0.0.1:1234/ws/EncryptionService/v6.1");
  EXPECT_EQ(r.value->product.signature_service_version, "7.5.5");
  EXPECT_EQ(r.value->product.fw_version, "1.0.0");
  EXPECT_EQ(r.value->endpoints.size(), 6U);
}

TEST(soap_faults, gematik_codes_become_typed_errors) {
  const Versions v;
  const struct {
    int code;
    Error::Kind kind;
  } cases[] = {{4004, Error::Kind::context}, {4005, Error::Kind::context}, {4006, Error::Kind::context},
               {4085, Error::Kind::pin},     {4008, Error::Kind::card},    {4094, Error::Kind::timeout},
               {12345, Error::Kind::other}};
  for (const auto& c : cases) {
    const std::string text = "Fehlertext " + std::to_string(c.code);
    const auto r = parse_sign_document(v, sim::fault(Error{Error::Kind::other, c.code, text}));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error.code, c.code);
    EXPECT_EQ(r.error.kind, c.kind);
    EXPECT_EQ(r.error.text, text);
  }
  const auto junk = parse_get_cards(v, "<html>502 Bad Gateway</html>");
  ASSERT_FALSE(junk.ok());
  EXPECT_EQ(junk.error.code, kCodeProtocol);
}

TEST(soap_responses, test_konnektor_answers_read_back) {
  const Versions v;
  const auto cards = parse_get_cards(
      v, sim::get_cards_response(v, {Card{"H1", CardType::smc_b, "80276883110000000001", "Praxis A", {}},
                                     Card{"H2", CardType::hba, "80276883110000000002", "Dr. B", {}}}));
  ASSERT_TRUE(cards.ok()) << cards.error.text;
  ASSERT_EQ(cards.value->size(), 2U);
  EXPECT_EQ((*cards.value)[1].type, CardType::hba);
  EXPECT_EQ((*cards.value)[0].iccsn, "80276883110000000001");
  EXPECT_EQ((*cards.value)[0].holder, "Praxis A");

  const auto pin = parse_get_pin_status(v, sim::get_pin_status_response(v, PinState{PinStatus::verifiable, 3}));
  ASSERT_TRUE(pin.ok());
  EXPECT_EQ(pin.value->status, PinStatus::verifiable);
  EXPECT_EQ(pin.value->left_tries, 3);
  const auto verify = parse_verify_pin(v, sim::verify_pin_response(v, PinOutcome{PinResult::rejected, 2}));
  ASSERT_TRUE(verify.ok());
  EXPECT_EQ(verify.value->result, PinResult::rejected);

  const Bytes der{0x30, 0x01, 0x00};
  const auto certs = parse_read_card_certificate(
      v, sim::read_card_certificate_response(v, CertRef::enc, {CardCertificate{CertRef::enc, Crypt::ecc, der}}),
      CertRef::enc, Crypt::ecc);
  ASSERT_TRUE(certs.ok()) << certs.error.text;
  ASSERT_EQ(certs.value->size(), 1U);
  EXPECT_EQ(certs.value->front().der, der);

  EXPECT_EQ(*parse_get_job_number(v, sim::get_job_number_response(v, "KIM-001")).value, "KIM-001");
  EXPECT_FALSE(parse_get_job_number(v, sim::get_job_number_response(v, "nonsense")).ok());
  EXPECT_EQ(*parse_sign_document(v, sim::sign_document_response(v, der)).value, der);
  EXPECT_EQ(*parse_encrypt_document(v, sim::encrypt_document_response(v, der)).value, der);
  EXPECT_EQ(*parse_decrypt_document(v, sim::decrypt_document_response(v, der)).value, der);
  EXPECT_EQ(*parse_external_authenticate(v, sim::external_authenticate_response(v, der)).value, der);
  EXPECT_EQ(*parse_verify_certificate(v, sim::verify_certificate_response(v, CertificateVerification::invalid)).value,
            CertificateVerification::invalid);
  for (const int code : {0, 4264, 4115, 4253, 4112, 4206}) {
    VerifyResult in;
    in.code = code;
    const auto out = parse_verify_document(v, sim::verify_document_response(v, in));
    ASSERT_TRUE(out.ok()) << out.error.text;
    EXPECT_EQ(out.value->code, code);
  }
}

TEST(soap_responses, answer_in_another_version_namespace_is_a_protocol_error) {
  Versions v74;
  v74.signature = "7.4";
  const Versions v75;
  const auto r = parse_sign_document(v74, sim::sign_document_response(v75, Bytes{1}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error.code, kCodeProtocol);
  EXPECT_NE(r.error.text.find("SignatureService/v7.4"), std::string::npos);
}

}  // namespace
}  // namespace kimgate::konnektor
