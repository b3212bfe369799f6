#include "tests/konnektor_sim/codec.h"

#include "crypto/ossl.h"
#include "konnektor/soap/requests.h"
#include "konnektor/soap/responses.h"
#include "konnektor/soap/xml.h"

namespace kimgate::konnektor::sim {

namespace {

using namespace soap;

struct Expect {
  std::string ns;
  std::string_view local;
  int min = 1;
  int max = 1;
};

Error schema(std::string text) {
  return Error{Error::Kind::document, 4000, "Syntax error: " + std::move(text)};
}

std::string qname(const std::string& ns_uri, std::string_view local) {
  return "{" + ns_uri + "}" + std::string(local);
}

// xs:sequence validation of the element children of `parent`.
std::optional<Error> check_sequence(const pugi::xml_node& parent, const std::vector<Expect>& expect) {
  std::size_t pos = 0;
  int count = 0;
  for (const pugi::xml_node& n : elements(parent)) {
    while (pos < expect.size() && !is(n, expect[pos].ns, expect[pos].local)) {
      if (count < expect[pos].min) {
        return schema(qname(expect[pos].ns, expect[pos].local) + " expected in " + std::string(local_name(parent)) +
                      ", found " + qname(namespace_of(n), local_name(n)));
      }
      ++pos;
      count = 0;
    }
    if (pos == expect.size()) {
      return schema("unexpected element " + qname(namespace_of(n), local_name(n)) + " in " +
                    std::string(local_name(parent)));
    }
    if (++count > expect[pos].max) {
      return schema("too many " + qname(expect[pos].ns, expect[pos].local));
    }
  }
  for (; pos < expect.size(); ++pos, count = 0) {
    if (count < expect[pos].min) {
      return schema(qname(expect[pos].ns, expect[pos].local) + " is missing in " + std::string(local_name(parent)));
    }
  }
  return std::nullopt;
}

std::optional<Error> read_context(const pugi::xml_node& op, CallContext& ctx) {
  const pugi::xml_node c = child(op, ns::cctx, "Context");
  const auto f = [&](std::string_view local) { return text_of(child(c, ns::conn, local)); };
  if (auto e = check_sequence(c, {{ns::conn, "MandantId", 0},
                                  {ns::conn, "ClientSystemId", 0},
                                  {ns::conn, "WorkplaceId", 0},
                                  {ns::conn, "UserId", 0}})) {
    return e;
  }
  ctx = CallContext{f("MandantId"), f("ClientSystemId"), f("WorkplaceId"), f("UserId")};
  if (ctx.mandant_id.empty() || ctx.client_system_id.empty() || ctx.workplace_id.empty()) {
    return Error{Error::Kind::context, 4021, "Not all mandatory fields of the call context are filled"};
  }
  return std::nullopt;
}

std::optional<Bytes> b64(const pugi::xml_node& n) {
  auto r = crypto::base64_decode(n.text().get());
  return n && r.ok() ? std::optional<Bytes>(std::move(*r.value)) : std::nullopt;
}

// dss:Property RecipientEmailsAttribute → the DER attribute in its un-namespaced CMSAttribute.
std::optional<Bytes> recipient_emails(const pugi::xml_node& properties) {
  for (const pugi::xml_node& p : children(properties, ns::dss, "Property")) {
    if (text_of(child(p, ns::dss, "Identifier")) == kRecipientEmailsProperty) {
      const pugi::xml_node attr = child(child(p, ns::dss, "Value"), "", "CMSAttribute");
      return b64(attr);
    }
  }
  return std::nullopt;
}

std::optional<Crypt> crypt_of(const pugi::xml_node& n, Crypt fallback) {
  if (!n) {
    return fallback;
  }
  const std::string t = text_of(n);
  if (t == "RSA") {
    return Crypt::rsa;
  }
  if (t == "ECC") {
    return Crypt::ecc;
  }
  return std::nullopt;
}

using Parser = std::optional<Error> (*)(const Versions&, const pugi::xml_node&, ParsedRequest&);

std::optional<Error> parse_get_cards(const Versions&, const pugi::xml_node& op, ParsedRequest&) {
  return check_sequence(
      op, {{ns::cctx, "Context"}, {ns::cardcmn, "CtId", 0}, {ns::cardcmn, "SlotId", 0}, {ns::cardcmn, "CardType", 0}});
}

std::optional<Error> parse_pin(const Versions&, const pugi::xml_node& op, ParsedRequest& r) {
  if (auto e = check_sequence(op, {{ns::cctx, "Context"}, {ns::conn, "CardHandle"}, {ns::cardcmn, "PinTyp"}})) {
    return e;
  }
  r.handle = text_of(child(op, ns::conn, "CardHandle"));
  const std::string pin = text_of(child(op, ns::cardcmn, "PinTyp"));
  if (pin != "PIN.SMC" && pin != "PIN.CH") {
    return Error{Error::Kind::pin, 4072, "Invalid PIN reference \"" + pin + "\""};
  }
  r.pin = pin == "PIN.SMC" ? PinType::smc : PinType::ch;
  return std::nullopt;
}

std::optional<Error> parse_read_card_certificate(const Versions& v, const pugi::xml_node& op, ParsedRequest& r) {
  const std::string cert = service_ns(Service::certificate, v.certificate);
  if (auto e = check_sequence(
          op, {{ns::conn, "CardHandle"}, {ns::cctx, "Context"}, {cert, "CertRefList"}, {cert, "Crypt", 0}})) {
    return e;
  }
  r.handle = text_of(child(op, ns::conn, "CardHandle"));
  const std::string ref = text_of(child(child(op, cert, "CertRefList"), cert, "CertRef"));
  bool known = false;
  for (const CertRef c : {CertRef::aut, CertRef::enc, CertRef::sig, CertRef::qes}) {
    if (cert_ref_name(c) == ref) {
      r.ref = c;
      known = true;
    }
  }
  const auto crypt = crypt_of(child(op, cert, "Crypt"), Crypt::rsa);
  if (!known || !crypt) {
    return schema("unknown CertRef \"" + ref + "\" or Crypt");
  }
  r.crypt = *crypt;
  return std::nullopt;
}

std::optional<Error> parse_get_job_number(const Versions&, const pugi::xml_node& op, ParsedRequest&) {
  return check_sequence(op, {{ns::cctx, "Context"}});
}

std::optional<Error> parse_sign_document(const Versions& v, const pugi::xml_node& op, ParsedRequest& r) {
  const std::string sig = service_ns(Service::signature, v.signature);
  if (auto e = check_sequence(op, {{ns::conn, "CardHandle"},
                                   {sig, "Crypt", 0},
                                   {ns::cctx, "Context"},
                                   {sig, "TvMode"},
                                   {sig, "JobNumber", 0},
                                   {sig, "SignRequest", 1, 1000}})) {
    return e;
  }
  r.handle = text_of(child(op, ns::conn, "CardHandle"));
  r.job_number = text_of(child(op, sig, "JobNumber"));
  const auto crypt = crypt_of(child(op, sig, "Crypt"), Crypt::rsa);
  if (!crypt) {
    return schema("Crypt must be RSA or ECC for a KIM signature");
  }
  r.crypt = *crypt;
  if (text_of(child(op, sig, "TvMode")) != "NONE") {
    return schema("a KIM signature is made with TvMode NONE");
  }
  const pugi::xml_node req = child(op, sig, "SignRequest");
  if (auto e = check_sequence(req, {{sig, "OptionalInputs", 0}, {sig, "Document"}, {sig, "IncludeRevocationInfo"}})) {
    return e;
  }
  if (req.attribute("RequestID").empty()) {
    return schema("SignRequest needs a RequestID");
  }
  const pugi::xml_node in = child(req, sig, "OptionalInputs");
  if (text_of(child(in, ns::dss, "SignatureType")) != kCmsUri || text_of(child(in, sig, "IncludeEContent")) != "true") {
    return schema("the KIM profile needs SignatureType " + std::string(kCmsUri) + " and IncludeEContent true");
  }
  auto emails = recipient_emails(child(child(in, ns::dss, "Properties"), ns::dss, "SignedProperties"));
  auto content = b64(child(child(req, sig, "Document"), ns::dss, "Base64Data"));
  if (!emails || !content) {
    return schema("SignedProperties/RecipientEmailsAttribute or Document/dss:Base64Data is missing or not base64");
  }
  r.recipient_emails = std::move(*emails);
  r.content = std::move(*content);
  return std::nullopt;
}

std::optional<Error> parse_encrypt_document(const Versions& v, const pugi::xml_node& op, ParsedRequest& r) {
  const std::string crypt = service_ns(Service::encryption, v.encryption);
  if (auto e = check_sequence(
          op,
          {{ns::cctx, "Context"}, {crypt, "RecipientKeys"}, {ns::conn, "Document"}, {crypt, "OptionalInputs", 0}})) {
    return e;
  }
  const pugi::xml_node keys = child(op, crypt, "RecipientKeys");
  if (auto e = check_sequence(keys, {{crypt, "CertificateOnCard", 0}, {crypt, "Certificate", 0, 1000}})) {
    return e;
  }
  for (const pugi::xml_node& c : children(keys, crypt, "Certificate")) {
    auto der = b64(c);
    if (!der) {
      return schema("a RecipientKeys/Certificate is not base64");
    }
    r.certificates.push_back(std::move(*der));
  }
  const pugi::xml_node in = child(op, crypt, "OptionalInputs");
  if (auto e = check_sequence(
          in, {{crypt, "EncryptionType", 0}, {crypt, "Element", 0, 1000}, {crypt, "UnprotectedProperties", 0}})) {
    return e;
  }
  if (text_of(child(in, crypt, "EncryptionType")) != kCmsUri) {
    return schema("the KIM profile needs EncryptionType " + std::string(kCmsUri));
  }
  auto emails = recipient_emails(child(in, crypt, "UnprotectedProperties"));
  auto content = b64(child(child(op, ns::conn, "Document"), ns::dss, "Base64Data"));
  if (!emails || !content) {
    return schema("UnprotectedProperties/RecipientEmailsAttribute or Document/dss:Base64Data is missing");
  }
  r.recipient_emails = std::move(*emails);
  r.content = std::move(*content);
  return std::nullopt;
}

std::optional<Error> parse_decrypt_document(const Versions& v, const pugi::xml_node& op, ParsedRequest& r) {
  const std::string crypt = service_ns(Service::encryption, v.encryption);
  if (auto e = check_sequence(
          op,
          {{ns::cctx, "Context"}, {crypt, "PrivateKeyOnCard"}, {ns::conn, "Document"}, {crypt, "OptionalInputs", 0}})) {
    return e;
  }
  const pugi::xml_node key = child(op, crypt, "PrivateKeyOnCard");
  if (auto e = check_sequence(key, {{ns::conn, "CardHandle"}, {crypt, "KeyReference", 0}, {crypt, "Crypt", 0}})) {
    return e;
  }
  r.handle = text_of(child(key, ns::conn, "CardHandle"));
  const auto c = crypt_of(child(key, crypt, "Crypt"), Crypt::rsa);
  auto content = b64(child(child(op, ns::conn, "Document"), ns::dss, "Base64Data"));
  if (!c || !content) {
    return schema("Crypt or Document/dss:Base64Data of DecryptDocument is wrong");
  }
  r.crypt = *c;
  r.content = std::move(*content);
  return std::nullopt;
}

std::optional<Error> parse_verify_document(const Versions& v, const pugi::xml_node& op, ParsedRequest& r) {
  const std::string sig = service_ns(Service::signature, v.signature);
  if (auto e = check_sequence(op, {{ns::cctx, "Context"},
                                   {sig, "TvMode", 0},
                                   {sig, "OptionalInputs", 0},
                                   {sig, "Document", 0},
                                   {ns::dss, "SignatureObject", 0},
                                   {sig, "IncludeRevocationInfo"}})) {
    return e;
  }
  auto cms = b64(child(child(op, ns::dss, "SignatureObject"), ns::dss, "Base64Signature"));
  if (!cms) {
    return schema("VerifyDocument needs dss:SignatureObject/dss:Base64Signature for a CMS signature");
  }
  r.content = std::move(*cms);
  return std::nullopt;
}

std::optional<Error> parse_verify_certificate(const Versions& v, const pugi::xml_node& op, ParsedRequest& r) {
  const std::string cert = service_ns(Service::certificate, v.certificate);
  if (auto e = check_sequence(
          op, {{ns::cctx, "Context"}, {ns::certcmn, "X509Certificate"}, {cert, "VerificationTime", 0}})) {
    return e;
  }
  auto der = b64(child(op, ns::certcmn, "X509Certificate"));
  if (!der) {
    return schema("X509Certificate is not base64");
  }
  r.content = std::move(*der);
  return std::nullopt;
}

std::optional<Error> parse_external_authenticate(const Versions& v, const pugi::xml_node& op, ParsedRequest& r) {
  const std::string sig = service_ns(Service::auth_signature, v.auth_signature);
  if (auto e = check_sequence(
          op, {{ns::conn, "CardHandle"}, {ns::cctx, "Context"}, {sig, "OptionalInputs", 0}, {sig, "BinaryString"}})) {
    return e;
  }
  r.handle = text_of(child(op, ns::conn, "CardHandle"));
  const std::string type = text_of(child(child(op, sig, "OptionalInputs"), ns::dss, "SignatureType"));
  r.scheme = type == "urn:bsi:tr:03111:ecdsa" ? SignatureScheme::ecdsa_sha256 : SignatureScheme::rsassa_pss_sha256;
  auto digest = b64(child(child(op, sig, "BinaryString"), ns::dss, "Base64Data"));
  if (!digest) {
    return schema("BinaryString/dss:Base64Data is missing");
  }
  r.content = std::move(*digest);
  return std::nullopt;
}

struct Operation {
  Service service;
  std::string_view name;
  Parser parse;
};
constexpr Operation kOperations[] = {
    {Service::event, "GetCards", parse_get_cards},
    {Service::card, "GetPinStatus", parse_pin},
    {Service::card, "VerifyPin", parse_pin},
    {Service::certificate, "ReadCardCertificate", parse_read_card_certificate},
    {Service::certificate, "VerifyCertificate", parse_verify_certificate},
    {Service::signature, "GetJobNumber", parse_get_job_number},
    {Service::signature, "SignDocument", parse_sign_document},
    {Service::signature, "VerifyDocument", parse_verify_document},
    {Service::encryption, "EncryptDocument", parse_encrypt_document},
    {Service::encryption, "DecryptDocument", parse_decrypt_document},
    {Service::auth_signature, "ExternalAuthenticate", parse_external_authenticate},
};

}  // namespace

ParseResult parse_request(const Versions& v, Service service, std::string_view action, std::string_view body) {
  const auto fail = [](Error e) { return ParseResult{std::nullopt, std::move(e)}; };
  pugi::xml_document doc;
  const pugi::xml_node env = doc.load_buffer(body.data(), body.size()) ? doc.document_element() : pugi::xml_node{};
  if (!is(env, ns::soap_env, "Envelope")) {
    return fail(schema("the request is not a SOAP 1.1 envelope"));
  }
  const auto ops = elements(child(env, ns::soap_env, "Body"));
  if (ops.size() != 1) {
    return fail(schema("the SOAP Body must hold exactly one operation"));
  }
  const pugi::xml_node op = ops.front();
  if (action.size() >= 2 && action.front() == '"' && action.back() == '"') {
    action = action.substr(1, action.size() - 2);
  }
  for (const Operation& o : kOperations) {
    if (o.service != service || !is(op, service_ns(service, v.of(service)), o.name)) {
      continue;
    }
    if (action != soap_action(service, v.of(service), o.name)) {
      return fail(schema("SOAPAction \"" + std::string(action) + "\" does not name " + std::string(o.name)));
    }
    ParsedRequest r;
    r.service = service;
    r.operation = std::string(o.name);
    if (auto e = read_context(op, r.ctx)) {
      return fail(*e);
    }
    if (auto e = o.parse(v, op, r)) {
      return fail(*e);
    }
    return ParseResult{std::move(r), {}};
  }
  return fail(schema("no operation " + qname(namespace_of(op), local_name(op)) + " at the " +
                     std::string(service_name(service)) + " endpoint"));
}

}  // namespace kimgate::konnektor::sim
