#pragma once
// A tiny in-memory PKI for crypto tests: a CA and end-entity certificates with TI-like
// policies, key usage and the admission extension. Keys are made at test time and never
// written to disk.
#include <cstdint>
#include <string>
#include <vector>

#include "crypto/ossl.h"

namespace kimgate::test {

enum class KeyKind { rsa, brainpool };

struct Identity {
  crypto::PkeyPtr key;
  crypto::Certificate cert;
};

struct CertSpec {
  KeyKind kind = KeyKind::rsa;
  std::string common_name = "test";
  std::string key_usage = "critical,keyEncipherment,dataEncipherment";
  std::string policies = "1.2.276.0.76.4.163,1.2.276.0.76.4.76";  // C.HCI.ENC
  std::string telematik_id = "1-2012345678";
  std::string profession_oid = "1.2.276.0.76.4.50";
  long not_before_days = -1;
  long not_after_days = 365;
};

crypto::PkeyPtr make_key(KeyKind kind);
Identity make_ca(const std::string& cn);
Identity issue(const Identity& ca, const CertSpec& spec);

}  // namespace kimgate::test
