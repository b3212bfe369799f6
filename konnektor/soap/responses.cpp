#include "konnektor/soap/responses.h"

#include <charconv>
#include <optional>

#include "crypto/ossl.h"
#include "konnektor/soap/requests.h"
#include "konnektor/soap/xml.h"

namespace kimgate::konnektor::soap {

namespace {

Error protocol(std::string text) {
  return Error{Error::Kind::unavailable, kCodeProtocol, "Konnektor protocol error: " + std::move(text)};
}

int to_int(const std::string& s, int fallback) {
  int v = fallback;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc{} && r.ptr == s.data() + s.size() ? v : fallback;
}

// The first Trace of a GERROR:Error as an Error.
Error from_gerror(const pugi::xml_node& error, const std::string& fallback_text) {
  const pugi::xml_node trace = child(error, ns::gerror, "Trace");
  const int code = to_int(text_of(child(trace, ns::gerror, "Code")), kCodeProtocol);
  std::string text = text_of(child(trace, ns::gerror, "ErrorText"));
  return make_error(code, text.empty() ? fallback_text : text);
}

// The parsed envelope and the operation's response element, or the Error it carries.
struct Body {
  pugi::xml_document doc;
  pugi::xml_node response;
  std::optional<Error> error;
};

void open_body(Body& b, std::string_view xml, const std::string& ns_uri, std::string_view name) {
  const pugi::xml_parse_result parsed = b.doc.load_buffer(xml.data(), xml.size());
  const pugi::xml_node env = b.doc.document_element();
  if (!parsed || !is(env, ns::soap_env, "Envelope")) {
    b.error = protocol("the answer is not a SOAP 1.1 envelope");
    return;
  }
  const pugi::xml_node body = child(env, ns::soap_env, "Body");
  if (const pugi::xml_node fault = child(body, ns::soap_env, "Fault")) {
    const std::string faultstring = text_of(fault.child("faultstring"));
    const pugi::xml_node error = child(fault.child("detail"), ns::gerror, "Error");
    b.error = error ? from_gerror(error, faultstring) : protocol("SOAP fault without gematik error: " + faultstring);
    return;
  }
  b.response = child(body, ns_uri, name);
  if (!b.response) {
    b.error = protocol("no " + std::string(name) + " of " + ns_uri + " in the answer");
  }
}

// CONN:Status: Result OK or Warning passes; anything else with a GERROR becomes the Error.
std::optional<Error> check_status(const pugi::xml_node& parent) {
  const pugi::xml_node status = child(parent, ns::conn, "Status");
  const std::string result = text_of(child(status, ns::conn, "Result"));
  if (result == "OK" || result == "Warning") {
    return std::nullopt;
  }
  if (const pugi::xml_node error = child(status, ns::gerror, "Error")) {
    return from_gerror(error, "operation failed");
  }
  return status ? protocol("Status/Result is \"" + result + "\"") : protocol("Status is missing");
}

template <class T>
std::optional<Outcome<T>> open(Body& b, std::string_view xml, const std::string& ns_uri, std::string_view name,
                               bool has_status = true) {
  open_body(b, xml, ns_uri, name);
  if (!b.error && has_status) {
    b.error = check_status(b.response);
  }
  if (b.error) {
    return Outcome<T>::failure(*b.error);
  }
  return std::nullopt;
}

std::optional<Bytes> decode(const pugi::xml_node& n) {
  if (!n) {
    return std::nullopt;
  }
  auto r = crypto::base64_decode(n.text().get());
  return r.ok() ? std::optional<Bytes>(std::move(*r.value)) : std::nullopt;
}

Outcome<Bytes> document_of(const Versions& v, std::string_view xml, std::string_view name) {
  Body b;
  if (auto e = open<Bytes>(b, xml, service_ns(Service::encryption, v.encryption), name)) {
    return *e;
  }
  auto data = decode(child(child(b.response, ns::conn, "Document"), ns::dss, "Base64Data"));
  return data ? Outcome<Bytes>::success(std::move(*data))
              : Outcome<Bytes>::failure(protocol(std::string(name) + " has no Document/Base64Data"));
}

CardType card_type(const std::string& t) {
  if (t == "SMC-B" || t == "HSM-B" || t == "SM-B") {
    return CardType::smc_b;
  }
  if (t == "HBA" || t == "HBAx" || t == "HBA-qSig") {
    return CardType::hba;
  }
  return CardType::other;
}

}  // namespace

Error::Kind error_kind(int code) {
  switch (code) {
    case 4003:
    case 4004:
    case 4005:
    case 4006:
    case 4010:
    case 4011:
    case 4012:
    case 4021:
      return Error::Kind::context;
    case 4007:
    case 4008:
    case 4009:
    case 4045:
    case 4047:
    case 4051:
    case 4052:
    case 4209:
      return Error::Kind::card;
    case 4018:
    case 4043:
    case 4049:
    case 4063:
    case 4064:
    case 4065:
    case 4072:
    case 4085:
      return Error::Kind::pin;
    case 4060:
    case 4093:
      return Error::Kind::busy;
    case 3:
    case 4:
    case 4000:
      return Error::Kind::document;
    case 2:
    case 6:
    case 104:
    case 4002:
    case 4032:
    case 4040:
    case 4174:
      return Error::Kind::unavailable;
    case kCodeTimeout:
    case 4094:
      return Error::Kind::timeout;
    default:
      return Error::Kind::other;
  }
}

Error make_error(int code, std::string text) {
  return Error{error_kind(code), code, std::move(text)};
}

Outcome<std::vector<Card>> parse_get_cards(const Versions& v, std::string_view xml) {
  Body b;
  if (auto e = open<std::vector<Card>>(b, xml, service_ns(Service::event, v.event), "GetCardsResponse")) {
    return *e;
  }
  const std::string card_ns = ns::card_v81;
  const pugi::xml_node cards = child(b.response, card_ns, "Cards");
  if (!cards) {
    return Outcome<std::vector<Card>>::failure(protocol("GetCardsResponse has no Cards of " + card_ns));
  }
  std::vector<Card> out;
  for (const pugi::xml_node& c : children(cards, card_ns, "Card")) {
    Card card;
    card.handle = text_of(child(c, ns::conn, "CardHandle"));
    card.type = card_type(text_of(child(c, ns::cardcmn, "CardType")));
    card.iccsn = text_of(child(c, ns::cardcmn, "Iccsn"));
    card.holder = text_of(child(c, card_ns, "CardHolderName"));
    if (card.handle.empty()) {
      return Outcome<std::vector<Card>>::failure(protocol("a Card without CardHandle"));
    }
    out.push_back(std::move(card));
  }
  return Outcome<std::vector<Card>>::success(std::move(out));
}

Outcome<PinState> parse_get_pin_status(const Versions& v, std::string_view xml) {
  Body b;
  const std::string card_ns = service_ns(Service::card, v.card);
  if (auto e = open<PinState>(b, xml, card_ns, "GetPinStatusResponse")) {
    return *e;
  }
  static constexpr std::pair<std::string_view, PinStatus> kNames[] = {
      {"VERIFIED", PinStatus::verified},     {"TRANSPORT_PIN", PinStatus::transport_pin},
      {"EMPTY_PIN", PinStatus::empty_pin},   {"BLOCKED", PinStatus::blocked},
      {"VERIFIABLE", PinStatus::verifiable}, {"DISABLED", PinStatus::verified}};
  const std::string status = text_of(child(b.response, card_ns, "PinStatus"));
  for (const auto& [name, value] : kNames) {
    if (name == status) {
      PinState s{value, std::nullopt};
      if (const pugi::xml_node left = child(b.response, card_ns, "LeftTries")) {
        s.left_tries = to_int(text_of(left), 0);
      }
      return Outcome<PinState>::success(s);
    }
  }
  return Outcome<PinState>::failure(protocol("unknown PinStatus \"" + status + "\""));
}

Outcome<PinOutcome> parse_verify_pin(const Versions& v, std::string_view xml) {
  Body b;
  if (auto e = open<PinOutcome>(b, xml, service_ns(Service::card, v.card), "VerifyPinResponse")) {
    return *e;
  }
  static constexpr std::pair<std::string_view, PinResult> kNames[] = {{"OK", PinResult::ok},
                                                                      {"REJECTED", PinResult::rejected},
                                                                      {"WASBLOCKED", PinResult::was_blocked},
                                                                      {"NOWBLOCKED", PinResult::now_blocked},
                                                                      {"TRANSPORT_PIN", PinResult::error},
                                                                      {"ERROR", PinResult::error}};
  const std::string result = text_of(child(b.response, ns::cardcmn, "PinResult"));
  for (const auto& [name, value] : kNames) {
    if (name == result) {
      PinOutcome o{value, std::nullopt};
      if (const pugi::xml_node left = child(b.response, ns::cardcmn, "LeftTries")) {
        o.left_tries = to_int(text_of(left), 0);
      }
      return Outcome<PinOutcome>::success(o);
    }
  }
  return Outcome<PinOutcome>::failure(protocol("unknown PinResult \"" + result + "\""));
}

Outcome<std::vector<CardCertificate>> parse_read_card_certificate(const Versions& v, std::string_view xml, CertRef ref,
                                                                  Crypt crypt) {
  using R = Outcome<std::vector<CardCertificate>>;
  Body b;
  if (auto e = open<std::vector<CardCertificate>>(b, xml, service_ns(Service::certificate, v.certificate),
                                                  "ReadCardCertificateResponse")) {
    return *e;
  }
  const pugi::xml_node list = child(b.response, ns::certcmn, "X509DataInfoList");
  if (!list) {
    return R::failure(protocol("ReadCardCertificateResponse has no CERTCMN:X509DataInfoList"));
  }
  std::vector<CardCertificate> out;
  for (const pugi::xml_node& info : children(list, ns::certcmn, "X509DataInfo")) {
    if (text_of(child(info, ns::certcmn, "CertRef")) != cert_ref_name(ref)) {
      continue;
    }
    auto der = decode(child(child(info, ns::certcmn, "X509Data"), ns::certcmn, "X509Certificate"));
    if (!der) {
      return R::failure(protocol("X509DataInfo without a readable X509Certificate"));
    }
    out.push_back(CardCertificate{ref, crypt, std::move(*der)});
  }
  return R::success(std::move(out));
}

Outcome<std::string> parse_get_job_number(const Versions& v, std::string_view xml) {
  Body b;
  const std::string sig_ns = service_ns(Service::signature, v.signature);
  if (auto e = open<std::string>(b, xml, sig_ns, "GetJobNumberResponse", false)) {
    return *e;
  }
  std::string job = text_of(child(b.response, sig_ns, "JobNumber"));
  const bool shape = job.size() == 7 && job[3] == '-';
  return shape ? Outcome<std::string>::success(std::move(job))
               : Outcome<std::string>::failure(protocol("JobNumber \"" + job + "\" is not of the form ABC-123"));
}

Outcome<Bytes> parse_sign_document(const Versions& v, std::string_view xml) {
  Body b;
  const std::string sig_ns = service_ns(Service::signature, v.signature);
  if (auto e = open<Bytes>(b, xml, sig_ns, "SignDocumentResponse", false)) {
    return *e;
  }
  const pugi::xml_node response = child(b.response, sig_ns, "SignResponse");
  if (auto e = check_status(response)) {
    return Outcome<Bytes>::failure(*e);
  }
  auto cms = decode(child(child(response, ns::dss, "SignatureObject"), ns::dss, "Base64Signature"));
  return cms ? Outcome<Bytes>::success(std::move(*cms))
             : Outcome<Bytes>::failure(protocol("SignResponse has no dss:SignatureObject/Base64Signature"));
}

Outcome<Bytes> parse_encrypt_document(const Versions& v, std::string_view xml) {
  return document_of(v, xml, "EncryptDocumentResponse");
}

Outcome<Bytes> parse_decrypt_document(const Versions& v, std::string_view xml) {
  return document_of(v, xml, "DecryptDocumentResponse");
}

Outcome<VerifyResult> parse_verify_document(const Versions& v, std::string_view xml) {
  Body b;
  const std::string sig_ns = service_ns(Service::signature, v.signature);
  if (auto e = open<VerifyResult>(b, xml, sig_ns, "VerifyDocumentResponse")) {
    return *e;
  }
  const pugi::xml_node result = child(b.response, sig_ns, "VerificationResult");
  const std::string high = text_of(child(result, sig_ns, "HighLevelResult"));
  VerifyResult r;
  const pugi::xml_node error = child(child(b.response, ns::conn, "Status"), ns::gerror, "Error");
  if (error) {
    const Error e = from_gerror(error, high);
    r.code = e.code;
    r.detail = e.text;
  }
  if (high == "VALID") {
    r.code = r.code == 4264 ? 4264 : 0;
  } else if (high == "INCONCLUSIVE") {
    r.code = error ? r.code : 4264;
  } else if (high == "INVALID") {
    r.code = error ? r.code : 4112;
  } else {
    return Outcome<VerifyResult>::failure(protocol("unknown HighLevelResult \"" + high + "\""));
  }
  return Outcome<VerifyResult>::success(std::move(r));
}

Outcome<CertificateVerification> parse_verify_certificate(const Versions& v, std::string_view xml) {
  Body b;
  const std::string cert_ns = service_ns(Service::certificate, v.certificate);
  if (auto e = open<CertificateVerification>(b, xml, cert_ns, "VerifyCertificateResponse")) {
    return *e;
  }
  const std::string result =
      text_of(child(child(b.response, cert_ns, "VerificationStatus"), cert_ns, "VerificationResult"));
  if (result == "VALID") {
    return Outcome<CertificateVerification>::success(CertificateVerification::valid);
  }
  if (result == "INVALID") {
    return Outcome<CertificateVerification>::success(CertificateVerification::invalid);
  }
  if (result == "INCONCLUSIVE") {
    return Outcome<CertificateVerification>::success(CertificateVerification::inconclusive);
  }
  return Outcome<CertificateVerification>::failure(protocol("unknown VerificationResult \"" + result + "\""));
}

Outcome<Bytes> parse_external_authenticate(const Versions& v, std::string_view xml) {
  Body b;
  if (auto e =
          open<Bytes>(b, xml, service_ns(Service::auth_signature, v.auth_signature), "ExternalAuthenticateResponse")) {
    return *e;
  }
  auto sig = decode(child(child(b.response, ns::dss, "SignatureObject"), ns::dss, "Base64Signature"));
  return sig ? Outcome<Bytes>::success(std::move(*sig))
             : Outcome<Bytes>::failure(protocol("ExternalAuthenticateResponse has no SignatureObject"));
}

}  // namespace kimgate::konnektor::soap
