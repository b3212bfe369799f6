#include "daemon/provider_check.h"

#include <openssl/x509.h>
#include <spdlog/spdlog.h>

#include <ctime>

#include "crypto/ossl.h"

namespace kimgate::daemon {

namespace {

std::string hex(const crypto::Bytes& b) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (std::uint8_t c : b) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

}  // namespace

net::PeerCheck ProviderCertificates::check_for(konnektor::Konnektor* konnektor, konnektor::CallContext context) {
  if (!enabled_ || konnektor == nullptr) {
    return {};
  }
  return [this, konnektor, context](std::vector<std::uint8_t> der) -> net::awaitable<std::optional<std::string>> {
    const auto cert = crypto::certificate_from_der(der);
    if (!cert.ok()) {
      co_return std::optional<std::string>("the provider sent no readable certificate");
    }
    std::tm tm{};
    ASN1_TIME_to_tm(X509_get0_notAfter(cert.value->x509.get()), &tm);
    const auto not_after = std::chrono::system_clock::from_time_t(timegm(&tm));
    const std::string fingerprint = hex(crypto::sha256(crypto::der::View(der.data(), der.size())));
    const std::string bytes(der.begin(), der.end());
    const CertificateVerdicts::Verdict v =
        co_await verdicts_.verify(*konnektor, context, bytes, fingerprint, not_after);
    if (v.result == konnektor::CertificateVerification::invalid) {
      spdlog::warn("event=provider_certificate_invalid sha256={}", fingerprint);
      co_return std::optional<std::string>("the Konnektor's VerifyCertificate says INVALID (KOM-LE-A_2075-01)");
    }
    if (v.result == konnektor::CertificateVerification::inconclusive) {
      spdlog::warn("event=provider_certificate_inconclusive sha256={} detail=\"{}\"", fingerprint, v.error);
    }
    co_return std::nullopt;
  };
}

}  // namespace kimgate::daemon
