#pragma once
// CMS AuthEnvelopedData (RFC 5083) with AES-256-GCM (RFC 5084) in the KIM profile:
// one KeyTransRecipientInfo with RSAES-OAEP (SHA-256, MGF1-SHA-256) per RSA certificate,
// one KeyAgreeRecipientInfo (ephemeral-static ECDH on the certificate's curve, X9.63 KDF
// with SHA-256, AES-256 key wrap; RFC 5753) per EC certificate, recipients identified by
// issuerAndSerialNumber, recipient-emails as the only unprotected attribute.
//
// Opening takes the private-key operation as a callback (KeyAccess), so the key can sit
// on a card: a raw RSA private operation (OAEP is decoded here, as SoftHSM cannot do
// OAEP-SHA-256) or an ECDH derivation. Only keys whose certificate is listed for the
// given address in recipient-emails are used (KOM-LE-A_2043/2044).
#include <openssl/evp.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "crypto/der.h"
#include "crypto/recipient_emails.h"
#include "crypto/types.h"

namespace kimgate::crypto {

struct EnvelopeInput {
  Bytes content;                       // the signed-data MIME entity
  std::vector<Bytes> recipient_certs;  // DER ENC certificates, the sender's included
  Bytes recipient_emails;              // DER of the recipient-emails Attribute (same as the signed one)
};
// DER ContentInfo(AuthEnvelopedData). The ciphertext is written once, in place; the content is
// read from the caller's buffer, which must stay alive for the call.
Result<Bytes> seal_auth_enveloped(der::View content, const std::vector<Bytes>& recipient_certs,
                                  const Bytes& recipient_emails);
inline Result<Bytes> seal_auth_enveloped(const EnvelopeInput& in) {
  return seal_auth_enveloped(der::View(in.content), in.recipient_certs, in.recipient_emails);
}

struct KeyAccess {
  Bytes cert_der;  // the ENC certificate of this key
  // Raw RSA private operation: input the encrypted key (modulus length), output the
  // padded block of the same length. Set for RSA keys.
  std::function<Result<Bytes>(const Bytes&)> rsa_raw;
  // ECDH: input the originator's public point (uncompressed), output the shared
  // secret (x coordinate). Set for EC keys.
  std::function<Result<Bytes>(const Bytes&)> ecdh;
};
// A KeyAccess over a local key (PKCS#12 or PEM). The key must outlive it.
KeyAccess key_access_from_pkey(EVP_PKEY* key, Bytes cert_der);

enum class OpenError {
  none,
  format,          // not a profile-conformant AuthEnvelopedData (DecryptionResult 02)
  not_addressed,   // no recipient-emails entry for the address (01)
  no_key,          // entries exist, but none of the given keys matches a RecipientInfo (01)
  key_operation,   // the card/key operation failed (01; the caller may map card outages to 03)
  authentication,  // content-encryption key or GCM tag wrong (02)
};

struct OpenedEnvelope {
  Bytes content;
  std::vector<RecipientEmail> recipient_emails;  // from unauthAttrs
};

struct OpenResult {
  std::optional<OpenedEnvelope> opened;
  OpenError error = OpenError::none;
  std::string detail;
};
// With an empty address no recipient-emails filter applies (the Konnektor's DecryptDocument):
// any given key that matches a RecipientInfo may open the message.
OpenResult open_auth_enveloped(der::View content_info_der, const std::string& address,
                               const std::vector<KeyAccess>& keys);

// Only the parsed recipient-emails of the unprotected attributes (no decryption).
Result<std::vector<RecipientEmail>> envelope_recipient_emails(der::View content_info_der);

}  // namespace kimgate::crypto
