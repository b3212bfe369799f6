#pragma once
// kimctl message seal / message open: the whole KIM profile offline (§4.4–§4.8,
// §5.3–§5.6), for admins and for interop. Local keys come from PKCS#12 or PEM files.
// seal_message() and open_message() are the pure cores (bytes in, bytes out); the
// CLI only reads files and prints the verdict.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "admin/commands.h"
#include "crypto/auth_enveloped.h"
#include "crypto/certificate.h"
#include "crypto/signed_data.h"
#include "kim/receive_mail.h"

namespace kimgate::admin {

CommandGroup register_message_commands(CLI::App& app);

struct SealRequest {
  std::string client_mail;
  crypto::Bytes signer_cert;  // C.HCI.OSIG
  crypto::SignFn sign;
  // (address, ENC certificate DER) — the sender's entries included; one RecipientInfo each.
  std::vector<std::pair<std::string, crypto::Bytes>> recipients;
  std::int64_t signing_time = 0;
};
crypto::Result<std::string> seal_message(const SealRequest& request);

struct OpenRequest {
  std::string input;  // a KIM mail as sent, or the bare CMS in DER or base64
  std::string address;
  std::vector<crypto::KeyAccess> keys;
  std::vector<crypto::Certificate> trust_roots;  // empty: certificate status not checkable (07)
  std::vector<crypto::Certificate> intermediates;
  std::vector<crypto::Bytes> crls;
  std::int64_t at_time = 0;
  kim::Generated generated;
};
struct OpenOutcome {
  bool decrypted = false;
  std::string decryption_result;  // "00".."03"
  std::string integrity_result;   // "01".."09" when decrypted
  std::string mail;               // what the PVS would get
  std::string verdict;            // one line
};
OpenOutcome open_message(const OpenRequest& request);

}  // namespace kimgate::admin
