#include "daemon/certificate_verdicts.h"

#include <algorithm>

namespace kimgate::daemon {

using net::awaitable;

awaitable<CertificateVerdicts::Verdict> CertificateVerdicts::verify(konnektor::Konnektor& konnektor,
                                                                    const konnektor::CallContext& context,
                                                                    const std::string& der,
                                                                    const std::string& sha256_hex,
                                                                    std::chrono::system_clock::time_point not_after) {
  const auto now = std::chrono::system_clock::now();
  const auto it = cache_.find(sha256_hex);
  if (it != cache_.end() && it->second.second > now) {
    co_return Verdict{it->second.first, {}};
  }
  const konnektor::Bytes bytes(der.begin(), der.end());
  konnektor::Outcome<konnektor::CertificateVerification> answer = co_await konnektor.verify_certificate(context, bytes);
  if (!answer.ok()) {
    co_return Verdict{konnektor::CertificateVerification::inconclusive,
                      std::to_string(answer.error.code) + " " + answer.error.text};
  }
  const konnektor::CertificateVerification result = *answer.value;
  if (result != konnektor::CertificateVerification::inconclusive) {
    if (cache_.size() >= 10000) {
      cache_.clear();
    }
    const auto until = std::min(now + std::chrono::duration_cast<std::chrono::system_clock::duration>(ttl_), not_after);
    cache_[sha256_hex] = {result, until};
  }
  co_return Verdict{result, {}};
}

}  // namespace kimgate::daemon
