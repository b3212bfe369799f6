#include "konnektor/soap/requests.h"

#include "crypto/ossl.h"
#include "konnektor/soap/xml.h"

namespace kimgate::konnektor::soap {

namespace {

// The operation element in the service's namespace with the shared prefixes declared on it.
struct Builder {
  Envelope env;
  pugi::xml_node op;
  Request request;

  Builder(const Versions& v, Service s, std::string_view operation, std::string_view prefix) {
    request.service = s;
    request.operation = std::string(operation);
    request.action = soap_action(s, v.of(s), operation);
    op = add(env.body, std::string(prefix) + ":" + std::string(operation));
    declare(op, prefix, service_ns(s, v.of(s)));
    declare(op, "CCTX", ns::cctx);
    declare(op, "CONN", ns::conn);
  }
  Request done() {
    request.body = env.str();
    return std::move(request);
  }
};

std::string b64(ByteView b) {
  return crypto::base64_encode(b);
}

void context(pugi::xml_node parent, const CallContext& ctx) {
  pugi::xml_node c = add(parent, "CCTX:Context");
  add(c, "CONN:MandantId", ctx.mandant_id);
  add(c, "CONN:ClientSystemId", ctx.client_system_id);
  add(c, "CONN:WorkplaceId", ctx.workplace_id);
  if (!ctx.user_id.empty()) {
    add(c, "CONN:UserId", ctx.user_id);
  }
}

// <dss:Property><dss:Identifier>RecipientEmailsAttribute</dss:Identifier>
// <dss:Value><CMSAttribute>base64</CMSAttribute></dss:Value></dss:Property>; CMSAttribute has no namespace.
void recipient_emails_property(pugi::xml_node parent, const Bytes& recipient_emails) {
  pugi::xml_node p = add(parent, "dss:Property");
  add(p, "dss:Identifier", kRecipientEmailsProperty);
  add(add(p, "dss:Value"), "CMSAttribute", b64(recipient_emails));
}

Request card_pin(const Versions& v, std::string_view operation, const CallContext& ctx, const std::string& handle,
                 PinType pin) {
  Builder b(v, Service::card, operation, "CARD");
  declare(b.op, "CARDCMN", ns::cardcmn);
  context(b.op, ctx);
  add(b.op, "CONN:CardHandle", handle);
  add(b.op, "CARDCMN:PinTyp", pin_typ_name(pin));
  return b.done();
}

}  // namespace

std::string_view pin_typ_name(PinType p) {
  return p == PinType::smc ? "PIN.SMC" : "PIN.CH";
}

std::string_view cert_ref_name(CertRef r) {
  switch (r) {
    case CertRef::aut:
      return "C.AUT";
    case CertRef::enc:
      return "C.ENC";
    case CertRef::sig:
      return "C.SIG";
    case CertRef::qes:
      break;
  }
  return "C.QES";
}

std::string_view crypt_name(Crypt c) {
  return c == Crypt::ecc ? "ECC" : "RSA";
}

Request get_cards(const Versions& v, const CallContext& ctx) {
  Builder b(v, Service::event, "GetCards", "EVT");
  context(b.op, ctx);
  return b.done();
}

Request get_pin_status(const Versions& v, const CallContext& ctx, const std::string& handle, PinType pin) {
  return card_pin(v, "GetPinStatus", ctx, handle, pin);
}

Request verify_pin(const Versions& v, const CallContext& ctx, const std::string& handle, PinType pin) {
  return card_pin(v, "VerifyPin", ctx, handle, pin);
}

Request read_card_certificate(const Versions& v, const CallContext& ctx, const std::string& handle, CertRef ref,
                              Crypt crypt) {
  Builder b(v, Service::certificate, "ReadCardCertificate", "CERT");
  add(b.op, "CONN:CardHandle", handle);
  context(b.op, ctx);
  add(add(b.op, "CERT:CertRefList"), "CERT:CertRef", cert_ref_name(ref));
  if (crypt == Crypt::ecc) {
    add(b.op, "CERT:Crypt", crypt_name(crypt));
  }
  return b.done();
}

Request get_job_number(const Versions& v, const CallContext& ctx) {
  Builder b(v, Service::signature, "GetJobNumber", "SIG");
  context(b.op, ctx);
  return b.done();
}

Request sign_document(const Versions& v, const CallContext& ctx, const std::string& handle,
                      const std::string& job_number, ByteView content, const Bytes& recipient_emails, Crypt crypt) {
  Builder b(v, Service::signature, "SignDocument", "SIG");
  declare(b.op, "dss", ns::dss);
  add(b.op, "CONN:CardHandle", handle);
  add(b.op, "SIG:Crypt", crypt_name(crypt));
  context(b.op, ctx);
  add(b.op, "SIG:TvMode", "NONE");
  add(b.op, "SIG:JobNumber", job_number);
  pugi::xml_node req = add(b.op, "SIG:SignRequest");
  req.append_attribute("RequestID") = "kim-1";
  pugi::xml_node in = add(req, "SIG:OptionalInputs");
  add(in, "dss:SignatureType", kCmsUri);
  recipient_emails_property(add(add(in, "dss:Properties"), "dss:SignedProperties"), recipient_emails);
  add(in, "SIG:IncludeEContent", "true");
  pugi::xml_node doc = add(req, "SIG:Document");
  doc.append_attribute("ShortText") = "KIM-Nachricht";
  pugi::xml_node data = add(doc, "dss:Base64Data", b64(content));
  data.append_attribute("MimeType") = kSignMimeType;
  add(req, "SIG:IncludeRevocationInfo", "false");
  return b.done();
}

Request encrypt_document(const Versions& v, const CallContext& ctx, ByteView content,
                         const std::vector<Bytes>& certificates, const Bytes& recipient_emails) {
  Builder b(v, Service::encryption, "EncryptDocument", "CRYPT");
  declare(b.op, "dss", ns::dss);
  context(b.op, ctx);
  pugi::xml_node keys = add(b.op, "CRYPT:RecipientKeys");
  for (const Bytes& cert : certificates) {
    add(keys, "CRYPT:Certificate", b64(cert));
  }
  add(add(b.op, "CONN:Document"), "dss:Base64Data", b64(content));
  pugi::xml_node in = add(b.op, "CRYPT:OptionalInputs");
  add(in, "CRYPT:EncryptionType", kCmsUri);
  recipient_emails_property(add(in, "CRYPT:UnprotectedProperties"), recipient_emails);
  return b.done();
}

Request decrypt_document(const Versions& v, const CallContext& ctx, const std::string& handle, const Bytes& cms,
                         Crypt key) {
  Builder b(v, Service::encryption, "DecryptDocument", "CRYPT");
  declare(b.op, "dss", ns::dss);
  context(b.op, ctx);
  pugi::xml_node k = add(b.op, "CRYPT:PrivateKeyOnCard");
  add(k, "CONN:CardHandle", handle);
  if (key == Crypt::ecc) {
    add(k, "CRYPT:Crypt", crypt_name(key));
  }
  add(add(b.op, "CONN:Document"), "dss:Base64Data", b64(cms));
  return b.done();
}

Request verify_document(const Versions& v, const CallContext& ctx, const Bytes& signed_data) {
  Builder b(v, Service::signature, "VerifyDocument", "SIG");
  declare(b.op, "dss", ns::dss);
  context(b.op, ctx);
  add(b.op, "SIG:TvMode", "NONE");
  pugi::xml_node sig = add(add(b.op, "dss:SignatureObject"), "dss:Base64Signature", b64(signed_data));
  sig.append_attribute("Type") = kCmsUri;
  add(b.op, "SIG:IncludeRevocationInfo", "false");
  return b.done();
}

Request verify_certificate(const Versions& v, const CallContext& ctx, const Bytes& certificate) {
  Builder b(v, Service::certificate, "VerifyCertificate", "CERT");
  declare(b.op, "CERTCMN", ns::certcmn);
  context(b.op, ctx);
  add(b.op, "CERTCMN:X509Certificate", b64(certificate));
  return b.done();
}

Request external_authenticate(const Versions& v, const CallContext& ctx, const std::string& handle, const Bytes& digest,
                              SignatureScheme scheme) {
  Builder b(v, Service::auth_signature, "ExternalAuthenticate", "SIG");
  declare(b.op, "dss", ns::dss);
  add(b.op, "CONN:CardHandle", handle);
  context(b.op, ctx);
  pugi::xml_node in = add(b.op, "SIG:OptionalInputs");
  if (scheme == SignatureScheme::ecdsa_sha256) {
    add(in, "dss:SignatureType", "urn:bsi:tr:03111:ecdsa");
  } else {
    add(in, "dss:SignatureType", "urn:ietf:rfc:3447");
    add(in, "SIG:SignatureSchemes", "RSASSA-PSS");
  }
  add(add(b.op, "SIG:BinaryString"), "dss:Base64Data", b64(digest));
  return b.done();
}

}  // namespace kimgate::konnektor::soap
