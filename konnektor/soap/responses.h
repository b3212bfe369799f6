#pragma once
// Readers of the Konnektor's responses (spec digest konnektor.md §4, §6): a SOAP fault
// becomes an Error with the gematik code and text of its first GERROR Trace; a response
// element in another namespace, a missing required element or bad base64 becomes code 6
// (protocol error). Pure; the Versions name the namespaces the request was sent in.
#include <string>
#include <string_view>
#include <vector>

#include "konnektor/soap/names.h"
#include "konnektor/types.h"

namespace kimgate::konnektor::soap {

// The reply-table group of a Konnektor code (types.h Error::Kind).
Error::Kind error_kind(int code);
// An Error of the right kind for a code.
Error make_error(int code, std::string text);

// The generic codes of gemILF_PS §6.6 that the transport produces itself.
inline constexpr int kCodeTimeout = 1;
inline constexpr int kCodeRefused = 2;
inline constexpr int kCodeProtocol = 6;

Outcome<std::vector<Card>> parse_get_cards(const Versions& v, std::string_view xml);
Outcome<PinState> parse_get_pin_status(const Versions& v, std::string_view xml);
Outcome<PinOutcome> parse_verify_pin(const Versions& v, std::string_view xml);
Outcome<std::vector<CardCertificate>> parse_read_card_certificate(const Versions& v, std::string_view xml, CertRef ref,
                                                                  Crypt crypt);
Outcome<std::string> parse_get_job_number(const Versions& v, std::string_view xml);
Outcome<Bytes> parse_sign_document(const Versions& v, std::string_view xml);
Outcome<Bytes> parse_encrypt_document(const Versions& v, std::string_view xml);
Outcome<Bytes> parse_decrypt_document(const Versions& v, std::string_view xml);
// code: 0 for VALID; else the code of the Status' GERROR trace (4115, 4253, 4112, 4206, 4264, ...),
// or 4112 (INVALID) / 4264 (INCONCLUSIVE) when the Konnektor gave none. Content and signer
// certificate are not part of the response; the caller takes them from the CMS.
Outcome<VerifyResult> parse_verify_document(const Versions& v, std::string_view xml);
Outcome<CertificateVerification> parse_verify_certificate(const Versions& v, std::string_view xml);
Outcome<Bytes> parse_external_authenticate(const Versions& v, std::string_view xml);

}  // namespace kimgate::konnektor::soap
