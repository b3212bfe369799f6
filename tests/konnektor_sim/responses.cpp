// Response and fault writers of the test Konnektor (codec.h).
#include <ctime>
#include <sstream>

#include "crypto/ossl.h"
#include "konnektor/soap/requests.h"
#include "konnektor/soap/xml.h"
#include "tests/konnektor_sim/codec.h"

namespace kimgate::konnektor::sim {

namespace {

using namespace soap;

std::string b64(const Bytes& b) {
  return crypto::base64_encode(crypto::der::view(b));
}

std::string now_utc() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

struct Writer {
  Envelope env;
  pugi::xml_node op;
  Writer(const Versions& v, Service s, std::string_view name, std::string_view prefix) {
    op = add(env.body, std::string(prefix) + ":" + std::string(name));
    declare(op, prefix, service_ns(s, v.of(s)));
    declare(op, "CONN", ns::conn);
    declare(op, "GERROR", ns::gerror);
  }
  // CONN:Status with Result OK, or Warning and a GERROR trace of `code` (VerifyDocument).
  void status(int code = 0, const std::string& text = {}) {
    pugi::xml_node s = add(op, "CONN:Status");
    add(s, "CONN:Result", code == 0 ? "OK" : "Warning");
    if (code != 0) {
      gerror(s, code, text, "Warning");
    }
  }
  static void gerror(pugi::xml_node parent, int code, const std::string& text, const char* severity) {
    pugi::xml_node e = add(parent, "GERROR:Error");
    add(e, "GERROR:MessageID", "kimgate-sim");
    add(e, "GERROR:Timestamp", now_utc());
    pugi::xml_node t = add(e, "GERROR:Trace");
    add(t, "GERROR:EventID", "");
    add(t, "GERROR:Instance", "");
    add(t, "GERROR:LogReference", "");
    add(t, "GERROR:CompType", "KON");
    add(t, "GERROR:Code", std::to_string(code));
    add(t, "GERROR:Severity", severity);
    add(t, "GERROR:ErrorType", code >= 4000 && code < 5000 ? "Technical" : "Other");
    add(t, "GERROR:ErrorText", text);
  }
  std::string str() const { return env.str(); }
};

}  // namespace

std::string fault(const Error& e) {
  Envelope env;
  pugi::xml_node f = add(env.body, "soap:Fault");
  add(f, "faultcode", "soap:Server");
  add(f, "faultstring", e.text);
  pugi::xml_node detail = add(f, "detail");
  pugi::xml_node holder = detail;
  declare(holder, "GERROR", ns::gerror);
  Writer::gerror(holder, e.code, e.text, "Error");
  return env.str();
}

std::string get_cards_response(const Versions& v, const std::vector<Card>& cards) {
  Writer w(v, Service::event, "GetCardsResponse", "EVT");
  declare(w.op, "CARD", ns::card_v81);
  declare(w.op, "CARDCMN", ns::cardcmn);
  w.status();
  pugi::xml_node list = add(w.op, "CARD:Cards");
  for (const Card& c : cards) {
    pugi::xml_node card = add(list, "CARD:Card");
    add(card, "CONN:CardHandle", c.handle);
    add(card, "CARDCMN:CardType", card_type_name(c.type));
    if (!c.iccsn.empty()) {
      add(card, "CARDCMN:Iccsn", c.iccsn);
    }
    add(card, "CARDCMN:CtId", "CT1");
    add(card, "CARDCMN:SlotId", "1");
    add(card, "CARD:InsertTime", now_utc());
    if (!c.holder.empty()) {
      add(card, "CARD:CardHolderName", c.holder);
    }
  }
  return w.str();
}

std::string get_pin_status_response(const Versions& v, const PinState& s) {
  static constexpr std::string_view kNames[] = {"VERIFIED", "TRANSPORT_PIN", "EMPTY_PIN", "BLOCKED", "VERIFIABLE"};
  Writer w(v, Service::card, "GetPinStatusResponse", "CARD");
  w.status();
  add(w.op, "CARD:PinStatus", kNames[static_cast<int>(s.status)]);
  if (s.left_tries) {
    add(w.op, "CARD:LeftTries", std::to_string(*s.left_tries));
  }
  return w.str();
}

std::string verify_pin_response(const Versions& v, const PinOutcome& o) {
  static constexpr std::string_view kNames[] = {"OK", "REJECTED", "WASBLOCKED", "NOWBLOCKED", "ERROR"};
  Writer w(v, Service::card, "VerifyPinResponse", "CARD");
  declare(w.op, "CARDCMN", ns::cardcmn);
  w.status();
  add(w.op, "CARDCMN:PinResult", kNames[static_cast<int>(o.result)]);
  if (o.left_tries) {
    add(w.op, "CARDCMN:LeftTries", std::to_string(*o.left_tries));
  }
  return w.str();
}

std::string read_card_certificate_response(const Versions& v, CertRef ref, const std::vector<CardCertificate>& certs) {
  Writer w(v, Service::certificate, "ReadCardCertificateResponse", "CERT");
  declare(w.op, "CERTCMN", ns::certcmn);
  w.status();
  pugi::xml_node list = add(w.op, "CERTCMN:X509DataInfoList");
  for (const CardCertificate& c : certs) {
    pugi::xml_node info = add(list, "CERTCMN:X509DataInfo");
    add(info, "CERTCMN:CertRef", cert_ref_name(ref));
    pugi::xml_node data = add(info, "CERTCMN:X509Data");
    pugi::xml_node is = add(data, "CERTCMN:X509IssuerSerial");
    add(is, "CERTCMN:X509IssuerName", "");
    add(is, "CERTCMN:X509SerialNumber", "");
    add(data, "CERTCMN:X509SubjectName", "");
    add(data, "CERTCMN:X509Certificate", b64(c.der));
  }
  return w.str();
}

std::string get_job_number_response(const Versions& v, const std::string& job) {
  Writer w(v, Service::signature, "GetJobNumberResponse", "SIG");
  add(w.op, "SIG:JobNumber", job);
  return w.str();
}

std::string sign_document_response(const Versions& v, const Bytes& cms) {
  Writer w(v, Service::signature, "SignDocumentResponse", "SIG");
  declare(w.op, "dss", ns::dss);
  pugi::xml_node r = add(w.op, "SIG:SignResponse");
  r.append_attribute("RequestID") = "kim-1";
  pugi::xml_node s = add(r, "CONN:Status");
  add(s, "CONN:Result", "OK");
  pugi::xml_node sig = add(add(r, "dss:SignatureObject"), "dss:Base64Signature", b64(cms));
  sig.append_attribute("Type") = kCmsUri;
  return w.str();
}

std::string encrypt_document_response(const Versions& v, const Bytes& cms) {
  Writer w(v, Service::encryption, "EncryptDocumentResponse", "CRYPT");
  declare(w.op, "dss", ns::dss);
  w.status();
  add(add(w.op, "CONN:Document"), "dss:Base64Data", b64(cms));
  return w.str();
}

std::string decrypt_document_response(const Versions& v, const Bytes& content) {
  Writer w(v, Service::encryption, "DecryptDocumentResponse", "CRYPT");
  declare(w.op, "dss", ns::dss);
  w.status();
  add(add(w.op, "CONN:Document"), "dss:Base64Data", b64(content));
  return w.str();
}

std::string verify_document_response(const Versions& v, const VerifyResult& r) {
  Writer w(v, Service::signature, "VerifyDocumentResponse", "SIG");
  w.status(r.code, r.detail.empty() ? "signature check" : r.detail);
  pugi::xml_node res = add(w.op, "SIG:VerificationResult");
  add(res, "SIG:HighLevelResult", r.code == 0 || r.code == 4264 ? "VALID" : "INVALID");
  add(res, "SIG:TimestampType", "SYSTEM_TIMESTAMP");
  add(res, "SIG:Timestamp", now_utc());
  return w.str();
}

std::string verify_certificate_response(const Versions& v, CertificateVerification r) {
  Writer w(v, Service::certificate, "VerifyCertificateResponse", "CERT");
  w.status();
  const char* result = r == CertificateVerification::valid     ? "VALID"
                       : r == CertificateVerification::invalid ? "INVALID"
                                                               : "INCONCLUSIVE";
  add(add(w.op, "CERT:VerificationStatus"), "CERT:VerificationResult", result);
  add(add(w.op, "CERT:RoleList"), "CERT:Role", "1.2.276.0.76.4.50");
  return w.str();
}

std::string external_authenticate_response(const Versions& v, const Bytes& signature) {
  Writer w(v, Service::auth_signature, "ExternalAuthenticateResponse", "SIG");
  declare(w.op, "dss", ns::dss);
  w.status();
  add(add(w.op, "dss:SignatureObject"), "dss:Base64Signature", b64(signature));
  return w.str();
}

std::string connector_sds(const ProductInformation& p, const std::string& base_url, bool client_aut_mandatory) {
  pugi::xml_document doc;
  pugi::xml_node root = doc.append_child("ConnectorServices");
  declare(root, "", ns::sds);
  declare(root, "PI", ns::pi);
  declare(root, "SI", ns::si);
  pugi::xml_node pi = add(root, "PI:ProductInformation");
  add(pi, "PI:InformationDate", now_utc());
  pugi::xml_node type = add(pi, "PI:ProductTypeInformation");
  add(type, "PI:ProductType", p.product_type);
  add(type, "PI:ProductTypeVersion", p.product_type_version);
  pugi::xml_node id = add(pi, "PI:ProductIdentification");
  add(id, "PI:ProductVendorID", p.vendor_id);
  add(id, "PI:ProductCode", "SIM");
  pugi::xml_node local = add(add(id, "PI:ProductVersion"), "PI:Local");
  add(local, "PI:HWVersion", p.hw_version);
  add(local, "PI:FWVersion", p.fw_version);
  pugi::xml_node misc = add(pi, "PI:ProductMiscellaneous");
  add(misc, "PI:ProductVendorName", "kimgate");
  add(misc, "PI:ProductName", p.product_name);
  add(root, "TLSMandatory", "true");
  add(root, "ClientAutMandatory", client_aut_mandatory ? "true" : "false");
  pugi::xml_node info = add(root, "SI:ServiceInformation");
  for (const Service s : kServices) {
    pugi::xml_node service = add(info, "SI:Service");
    service.append_attribute("Name") = std::string(service_name(s)).c_str();
    add(service, "SI:Abstract", std::string(service_name(s)));
    pugi::xml_node versions = add(service, "SI:Versions");
    for (const std::string_view mm : implemented_versions(s)) {
      const std::string version = s == Service::signature && mm == "7.5"    ? p.signature_service_version
                                  : s == Service::encryption && mm == "6.1" ? p.encryption_service_version
                                                                            : std::string(mm) + ".0";
      pugi::xml_node ver = add(versions, "SI:Version");
      ver.append_attribute("TargetNamespace") = service_ns(s, mm).c_str();
      ver.append_attribute("Version") = version.c_str();
      add(ver, "SI:Abstract", std::string(service_name(s)) + " " + version);
      const std::string url = base_url + "/ws/" + std::string(service_name(s)) + "/v" + std::string(mm);
      add(ver, "SI:EndpointTLS").append_attribute("Location") = url.c_str();
    }
  }
  std::ostringstream out;
  doc.save(out, "", pugi::format_raw);
  return out.str();
}

}  // namespace kimgate::konnektor::sim
