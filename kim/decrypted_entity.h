#pragma once
// Reading a decrypted KIM entity (§5.6 steps 2 and 3), shared by the daemon's receive pipeline
// and `kimctl message open`: is it a signed-data entity, is its DER a SignedData, the inner
// mail, and the header and recipient-emails comparisons. The signature verdict is not made
// here: the daemon asks the Konnektor (VerifyDocument), kimctl checks locally from
// `local_status` and `signer_cert_der`. Pure over bytes; this part of kim/ uses crypto/
// (library kimgate_kim_open), the rest of kim/ stays free of OpenSSL.
#include <string>
#include <string_view>
#include <vector>

#include "crypto/recipient_emails.h"
#include "crypto/signed_data.h"
#include "kim/receive_decision.h"

namespace kimgate::kim {

struct DecryptedEntity {
  IntegrityFacts facts;      // every fact but the verdict
  crypto::Bytes signed_der;  // the SignedData DER, when facts.signed_entity
  crypto::SignatureStatus local_status = crypto::SignatureStatus::missing;  // read without a Konnektor
  crypto::Bytes signer_cert_der;
  std::string inner;   // the inner mail; the decrypted entity as it is when there is none
  std::string detail;  // for logs and kimctl's verdict line; never content
};

// `outer` is the received KOM-LE message (empty for bare CMS: no headers to compare),
// `entity` the decrypted content, `unsigned_emails` the envelope's recipient-emails.
DecryptedEntity read_decrypted_entity(std::string_view outer, std::string_view entity,
                                      const std::vector<crypto::RecipientEmail>& unsigned_emails);

// Wipes the buffers that held decrypted content.
void wipe(DecryptedEntity& e);

}  // namespace kimgate::kim
