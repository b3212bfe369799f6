#include "daemon/provider_check.h"

#include <spdlog/spdlog.h>

#include "ldap/certificate.h"

namespace kimgate::daemon {

net::PeerCheck ProviderCertificates::check_for(konnektor::Konnektor* konnektor, konnektor::CallContext context) {
  if (!enabled_ || konnektor == nullptr) {
    return {};
  }
  return [this, konnektor, context](std::vector<std::uint8_t> der) -> net::awaitable<std::optional<std::string>> {
    const std::string bytes(der.begin(), der.end());
    const ldap::CertInfo info = ldap::parse_certificate(bytes);  // fingerprint and notAfter, parsed once
    if (!info.parsed) {
      co_return std::optional<std::string>("the provider sent no readable certificate");
    }
    const CertificateVerdicts::Verdict v =
        co_await verdicts_.verify(*konnektor, context, bytes, info.sha256_hex, info.not_after);
    if (v.result == konnektor::CertificateVerification::invalid) {
      spdlog::warn("event=provider_certificate_invalid sha256={}", info.sha256_hex);
      co_return std::optional<std::string>("the Konnektor's VerifyCertificate says INVALID (KOM-LE-A_2075-01)");
    }
    if (v.result == konnektor::CertificateVerification::inconclusive) {
      spdlog::warn("event=provider_certificate_inconclusive sha256={} detail=\"{}\"", info.sha256_hex, v.error);
    }
    co_return std::nullopt;
  };
}

}  // namespace kimgate::daemon
