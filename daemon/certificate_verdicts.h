#pragma once
// CertificateVerdicts: the Konnektor's VerifyCertificate answers for recipients' encryption
// certificates, cached by the certificate's SHA-256 (cf. A_22348) for at most TTL_ENC_CERT and
// never beyond the certificate's notAfter. INCONCLUSIVE (OCSP/CRL not reachable) is not cached.
// Used from the I/O thread only; bounded (cleared when full).
#include <chrono>
#include <map>
#include <string>

#include "konnektor/konnektor.h"

namespace kimgate::daemon {

class CertificateVerdicts {
 public:
  explicit CertificateVerdicts(std::chrono::milliseconds ttl) : ttl_(ttl) {}

  // The verdict for `der` (sha256_hex identifies it, not_after bounds the cache), asked of
  // `konnektor` when not cached. A Konnektor error is an inconclusive verdict with `error` set.
  struct Verdict {
    konnektor::CertificateVerification result = konnektor::CertificateVerification::inconclusive;
    std::string error;
  };
  net::awaitable<Verdict> verify(konnektor::Konnektor& konnektor, const konnektor::CallContext& context,
                                 const std::string& der, const std::string& sha256_hex,
                                 std::chrono::system_clock::time_point not_after);

 private:
  std::chrono::milliseconds ttl_;
  std::map<std::string, std::pair<konnektor::CertificateVerification, std::chrono::system_clock::time_point>> cache_;
};

}  // namespace kimgate::daemon
