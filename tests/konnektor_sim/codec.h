#pragma once
// The Konnektor side of the SOAP protocol, for the test server: reads a request the way a
// real Konnektor's schema validation does (namespaces, element order, required elements,
// the call context, the soapAction) and writes responses and GERROR faults. Pure.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "konnektor/soap/names.h"
#include "konnektor/soap/sds.h"
#include "konnektor/types.h"

namespace kimgate::konnektor::sim {

// One request's values; which fields are set depends on the operation.
struct ParsedRequest {
  soap::Service service = soap::Service::event;
  std::string operation;
  CallContext ctx;
  std::string handle;
  PinType pin = PinType::smc;
  CertRef ref = CertRef::enc;
  Crypt crypt = Crypt::rsa;
  SignatureScheme scheme = SignatureScheme::rsassa_pss_sha256;
  std::string job_number;
  Bytes content;  // SignDocument/EncryptDocument document, DecryptDocument CMS, VerifyDocument signature,
                  // VerifyCertificate certificate, ExternalAuthenticate digest
  Bytes recipient_emails;
  std::vector<Bytes> certificates;
};

struct ParseResult {
  std::optional<ParsedRequest> value;
  Error error;  // 4000 for schema violations, 4021 for an incomplete context
};

// `service` is the endpoint the request arrived at; `action` the SOAPAction header (quotes allowed).
ParseResult parse_request(const soap::Versions& v, soap::Service service, std::string_view action,
                          std::string_view body);

// A SOAP 1.1 fault (soap:Server) with a GERROR:Error carrying the code and text.
std::string fault(const Error& e);

std::string get_cards_response(const soap::Versions& v, const std::vector<Card>& cards);
std::string get_pin_status_response(const soap::Versions& v, const PinState& s);
std::string verify_pin_response(const soap::Versions& v, const PinOutcome& o);
std::string read_card_certificate_response(const soap::Versions& v, CertRef ref,
                                           const std::vector<CardCertificate>& certs);
std::string get_job_number_response(const soap::Versions& v, const std::string& job);
std::string sign_document_response(const soap::Versions& v, const Bytes& cms);
std::string encrypt_document_response(const soap::Versions& v, const Bytes& cms);
std::string decrypt_document_response(const soap::Versions& v, const Bytes& content);
std::string verify_document_response(const soap::Versions& v, const VerifyResult& r);
std::string verify_certificate_response(const soap::Versions& v, CertificateVerification r);
std::string external_authenticate_response(const soap::Versions& v, const Bytes& signature);

// connector.sds advertising every implemented service at <base_url>/ws/<ServiceName>.
std::string connector_sds(const ProductInformation& p, const std::string& base_url, bool client_aut_mandatory);

}  // namespace kimgate::konnektor::sim
