#pragma once
// CMS SignedData in the gemSMIME profile (KOM-LE-A_2118..2127): eContent included,
// only the signer certificate, exactly one SignerInfo with issuerAndSerialNumber,
// signed attributes contentType, signingTime, messageDigest, signingCertificateV2,
// cmsAlgorithmProtection and recipient-emails; no unsigned attributes, no CRLs.
// RSASSA-PSS (SHA-256, MGF1-SHA-256, salt 32) or ECDSA with SHA-256 (brainpoolP256r1).
//
// The private-key operation is a callback (SignFn): in kimgate the key lives on a
// card behind the Konnektor. sign_with_key() makes one from a local EVP_PKEY.
// verify_signed_data() parses by OID and structure and never re-serialises the
// signed attributes: their received bytes are hashed with the SET tag restored.
#include <openssl/evp.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "crypto/der.h"
#include "crypto/ossl.h"
#include "crypto/recipient_emails.h"
#include "crypto/types.h"

namespace kimgate::crypto {

enum class SignatureAlgorithm { rsassa_pss_sha256, ecdsa_sha256 };

struct SignRequest {
  SignatureAlgorithm algorithm;
  Bytes to_be_signed;  // DER of the signed attributes (SET OF Attribute)
  Bytes digest;        // SHA-256 of to_be_signed, for cards that sign digests
};
// Returns the signature value as it goes into the SignerInfo (DER Ecdsa-Sig-Value for ECDSA).
using SignFn = std::function<Result<Bytes>(const SignRequest&)>;

// A SignFn over a local private key (PKCS#12 or PEM). The key must outlive the function.
SignFn sign_with_key(EVP_PKEY* key);

// Everything of a SignedData but the content.
struct SignParams {
  Bytes signer_cert_der;          // C.HCI.OSIG, RSA or ECC
  Bytes recipient_emails;         // DER of the recipient-emails Attribute
  std::int64_t signing_time = 0;  // unix seconds
};
struct SignInput : SignParams {
  Bytes content;  // the eContent: "Content-Type: message/rfc822" CRLF CRLF + inner mail
};
// DER ContentInfo(SignedData). The content is written once into the result (no nested copies),
// read from the caller's buffer, which must stay alive for the call.
Result<Bytes> sign_signed_data(der::View content, const SignParams& params, const SignFn& sign);
inline Result<Bytes> sign_signed_data(const SignInput& in, const SignFn& sign) {
  return sign_signed_data(der::View(in.content), in, sign);
}

// Outcome of reading and checking a SignedData, in the integrity terms of §5.6.
enum class SignatureStatus {
  valid,         // mathematically correct, digest matches
  invalid,       // parsed, but digest or signature does not match (IntegrityCheckResult 02)
  missing,       // no SignedData at all (03)
  format_error,  // not a profile-conformant SignedData (04)
};

struct VerifiedSignedData {
  SignatureStatus status = SignatureStatus::format_error;
  std::string detail;
  Bytes content;                                 // eContent as received
  Bytes signer_cert_der;                         // the certificate matching the sid
  std::vector<RecipientEmail> recipient_emails;  // from the signed attributes
  bool has_recipient_emails = false;
};
VerifiedSignedData verify_signed_data(der::View content_info_der);

}  // namespace kimgate::crypto
