#pragma once
// A small, blocking PKCS#11 client for card tokens (SoftHSM2 in tests, OpenSC for real
// readers): find a token by label, log in, list certificates, and use private keys
// without ever extracting them — RSASSA-PSS and ECDSA over a digest, the raw RSA
// operation (CKM_RSA_X_509, because SoftHSM 2.6.1 rejects OAEP with SHA-256), and
// ECDH derivation. Every call blocks: run it on the worker pool, one at a time per
// token (CardQueue). Errors are sentences; nothing throws.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "konnektor/types.h"

namespace kimgate::konnektor {

struct TokenObject {
  std::string label;
  Bytes id;   // CKA_ID, ties a key to its certificate
  Bytes der;  // certificates only
};

template <class T>
struct P11Result {
  std::optional<T> value;
  std::string error;
  bool ok() const { return value.has_value(); }
};

class Pkcs11Token {
 public:
  // Loads `module` (once per process and path) and opens a session on the token labelled `label`.
  static P11Result<std::unique_ptr<Pkcs11Token>> open(const std::string& module, const std::string& label);
  ~Pkcs11Token();
  Pkcs11Token(const Pkcs11Token&) = delete;
  Pkcs11Token& operator=(const Pkcs11Token&) = delete;

  // C_Login as user. `left_tries` is not available through PKCS#11; a wrong PIN says "rejected".
  P11Result<Done> login(const std::string& pin);
  void logout();
  bool logged_in() const { return logged_in_; }

  P11Result<std::vector<TokenObject>> certificates();
  // Private-key operations by the CKA_ID of the key.
  P11Result<Bytes> sign_digest(const Bytes& key_id, const Bytes& digest, SignatureScheme scheme);
  P11Result<Bytes> rsa_raw(const Bytes& key_id, const Bytes& block);
  P11Result<Bytes> ecdh(const Bytes& key_id, const Bytes& peer_point);

 private:
  struct Impl;
  explicit Pkcs11Token(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  bool logged_in_ = false;
};

// ECDSA signatures from PKCS#11 are r||s; CMS and JWS-ES256-in-DER want Ecdsa-Sig-Value.
Bytes ecdsa_raw_to_der(const Bytes& raw);

}  // namespace kimgate::konnektor
