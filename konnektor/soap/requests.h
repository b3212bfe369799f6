#pragma once
// Request bodies of the Konnektor operations kimgate uses, in the element order of the
// XSDs (spec digest konnektor.md §5, §6, §7): a SOAP 1.1 envelope and its soapAction.
// Pure; the Versions come from connector.sds. Binary values are sent base64.
#include <string>
#include <vector>

#include "konnektor/soap/names.h"
#include "konnektor/types.h"

namespace kimgate::konnektor::soap {

struct Request {
  Service service = Service::event;
  std::string operation;  // "GetCards"
  std::string action;     // soapAction header value
  std::string body;       // the envelope
};

// The XSD names of the enums.
std::string_view pin_typ_name(PinType p);   // PIN.SMC, PIN.CH
std::string_view cert_ref_name(CertRef r);  // C.AUT, C.ENC, C.SIG, C.QES
std::string_view crypt_name(Crypt c);       // RSA, ECC
inline constexpr const char* kRecipientEmailsProperty = "RecipientEmailsAttribute";
inline constexpr const char* kCmsUri = "urn:ietf:rfc:5652";
inline constexpr const char* kSignMimeType = "text/plain; charset=utf-8";

Request get_cards(const Versions& v, const CallContext& ctx);
Request get_pin_status(const Versions& v, const CallContext& ctx, const std::string& handle, PinType pin);
Request verify_pin(const Versions& v, const CallContext& ctx, const std::string& handle, PinType pin);
// Crypt is sent only for ECC: CertificateService 6.0.1 has no Crypt and RSA is the default.
Request read_card_certificate(const Versions& v, const CallContext& ctx, const std::string& handle, CertRef ref,
                              Crypt crypt);
Request get_job_number(const Versions& v, const CallContext& ctx);
// KIM profile (digest §7 step 4): TvMode NONE, CMS with eContent, recipient-emails as the
// signed property "RecipientEmailsAttribute", IncludeRevocationInfo false.
Request sign_document(const Versions& v, const CallContext& ctx, const std::string& handle,
                      const std::string& job_number, ByteView content, const Bytes& recipient_emails, Crypt crypt);
// KIM profile (digest §7 step 6): CMS for every certificate, recipient-emails unprotected.
Request encrypt_document(const Versions& v, const CallContext& ctx, ByteView content,
                         const std::vector<Bytes>& certificates, const Bytes& recipient_emails);
Request decrypt_document(const Versions& v, const CallContext& ctx, const std::string& handle, const Bytes& cms,
                         Crypt key);
Request verify_document(const Versions& v, const CallContext& ctx, const Bytes& signed_data);
Request verify_certificate(const Versions& v, const CallContext& ctx, const Bytes& certificate);
Request external_authenticate(const Versions& v, const CallContext& ctx, const std::string& handle, const Bytes& digest,
                              SignatureScheme scheme);

}  // namespace kimgate::konnektor::soap
