#pragma once
// Revocation status of a certificate, found the way a Konnektor finds it: OCSP at the responder
// named in the certificate's Authority Information Access (POST application/ocsp-request), and
// when there is none or it does not answer, the CRL from its CRL distribution point. Only
// http:// URLs (TI OCSP responders and CRL servers speak plain HTTP); the responses are checked
// against the trust anchors (crypto/ocsp.h, crypto/certificate.h).
//
// Blocking, bounded by `timeout` per request: call it from the worker pool. Results are cached
// per certificate (SHA-256 of its DER) for `cache_time`; "unknown" is not cached.
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "crypto/ossl.h"

namespace kimgate::konnektor {

enum class Revocation { good, revoked, unknown };

struct RevocationResult {
  Revocation status = Revocation::unknown;
  std::string detail;  // how it was decided, or why it could not be
};

class RevocationChecker {
 public:
  RevocationChecker(std::vector<crypto::Certificate> roots, std::vector<crypto::Certificate> intermediates,
                    std::chrono::milliseconds timeout = std::chrono::seconds(5),
                    std::chrono::seconds cache_time = std::chrono::minutes(10));

  RevocationResult check(const crypto::Certificate& cert);

 private:
  RevocationResult check_uncached(const crypto::Certificate& cert);
  const crypto::Certificate* issuer_of(const crypto::Certificate& cert) const;

  std::vector<crypto::Certificate> roots_;
  std::vector<crypto::Certificate> intermediates_;
  std::chrono::milliseconds timeout_;
  std::chrono::seconds cache_time_;
  std::mutex mutex_;
  std::map<std::string, std::pair<RevocationResult, std::chrono::steady_clock::time_point>> cache_;
};

// Fetches `url` (http://host[:port]/path) with GET, or POST when `body` is not empty; the
// response body on status 200, else an error sentence. Exposed for tests.
crypto::Result<crypto::Bytes> http_fetch(const std::string& url, const crypto::Bytes& body,
                                         const std::string& content_type, std::chrono::milliseconds timeout);

}  // namespace kimgate::konnektor
