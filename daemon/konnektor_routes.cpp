#include "daemon/konnektor_routes.h"

#include <spdlog/spdlog.h>

namespace kimgate::daemon {

KonnektorRoutes::KonnektorRoutes(const KonnektorMap& konnektors, const conf::Config& config)
    : konnektors_(konnektors),
      config_(config.konnektors),
      email_iccsn_ttl_(std::chrono::duration_cast<std::chrono::milliseconds>(config.cache.email_iccsn)),
      cache_entries_(config.cache.max_entries) {
  for (const auto& k : config.konnektors) {
    if (k.is_default) {
      default_id_ = k.id;
    }
  }
  if (default_id_.empty() && !config.konnektors.empty()) {
    default_id_ = config.konnektors.front().id;
  }
}

KonnektorRoutes::~KonnektorRoutes() = default;

std::optional<KonnektorRoutes::Route> KonnektorRoutes::route(const std::string& konnektor_id) {
  const std::string id = konnektor_id.empty() ? default_id_ : konnektor_id;
  const auto found = konnektors_.find(id);
  if (found == konnektors_.end()) {
    return std::nullopt;
  }
  konnektor::Konnektor& k = *found->second;
  std::string min_sig = "7.4.1";
  std::string min_enc = "6.1.1";
  for (const auto& c : config_) {
    if (c.id == id) {
      min_sig = c.ecc_min_signature_service;
      min_enc = c.ecc_min_encryption_service;
    }
  }
  // A_17464 / A_17472: ECC ENC keys only with an ECC-capable Konnektor. Asked on every route:
  // the product information is the Konnektor's current one (the SOAP client reads
  // connector.sds again after communication errors), so a firmware update needs no restart.
  const bool ecc = konnektor::ecc_capable(k.product_information(), min_sig, min_enc);
  auto& finder = finders_[id];
  if (!finder) {
    finder = std::make_unique<CardFinder>(k, ecc, email_iccsn_ttl_, cache_entries_);
  } else if (finder->ecc_capable() != ecc) {
    spdlog::info("event=konnektor_ecc_changed konnektor={} ecc_capable={}", id, ecc);
    finder->set_ecc_capable(ecc);
  }
  return Route{id, &k, finder.get()};
}

}  // namespace kimgate::daemon
