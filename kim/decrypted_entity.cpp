#include "kim/decrypted_entity.h"

#include <openssl/crypto.h>

#include "kim/kom_le.h"

namespace kimgate::kim {

namespace {

std::string_view as_text(const crypto::Bytes& b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

}  // namespace

DecryptedEntity read_decrypted_entity(std::string_view outer, std::string_view entity,
                                      const std::vector<crypto::RecipientEmail>& unsigned_emails) {
  DecryptedEntity e;
  const auto der = signed_data_of(entity);
  if (!der) {
    e.inner.assign(entity);
    e.detail = "the decrypted content is not a signed-data entity";
    return e;
  }
  e.facts.signed_entity = true;
  e.signed_der.assign(der->begin(), der->end());
  crypto::VerifiedSignedData v = crypto::verify_signed_data(crypto::der::view(e.signed_der));
  e.local_status = v.status;
  e.detail = v.detail;
  // The entity says signed-data: whatever its DER holds, a non-SignedData is a format problem,
  // e.g. the CR/LF-canonicalised DER of §12 item 20 whose OIDs are mangled.
  e.facts.signed_data_readable =
      v.status != crypto::SignatureStatus::missing && v.status != crypto::SignatureStatus::format_error;
  const auto mail = e.facts.signed_data_readable ? inner_mail_of(as_text(v.content)) : std::nullopt;
  e.facts.inner_is_mail = mail.has_value();
  e.inner = mail ? std::string(*mail) : std::string(entity);
  e.facts.headers_match = e.facts.inner_is_mail && (outer.empty() || outer_inner_headers_match(outer, e.inner));
  e.facts.recipient_emails_match =
      v.has_recipient_emails && crypto::same_recipient_emails(v.recipient_emails, unsigned_emails);
  e.signer_cert_der = std::move(v.signer_cert_der);
  if (e.facts.signed_data_readable && !mail) {
    e.detail = "the signed content is not a message/rfc822 entity";
  }
  OPENSSL_cleanse(v.content.data(), v.content.size());
  return e;
}

void wipe(DecryptedEntity& e) {
  OPENSSL_cleanse(e.inner.data(), e.inner.size());
  e.inner.clear();
  OPENSSL_cleanse(e.signed_der.data(), e.signed_der.size());
  e.signed_der.clear();
}

}  // namespace kimgate::kim
