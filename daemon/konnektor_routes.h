#pragma once
// KonnektorRoutes: which Konnektor serves a user name's KonnektorId (empty: the configured
// default; §3.3, multi-Konnektor) and the one CardFinder per Konnektor that the send and the
// receive path share, so the address/rid -> ICCSN cache (TTL_EMAIL_ICCSN) is kept once.
// The Konnektors are owned by the daemon (filled when it opens them) and outlive this object;
// used from the io_context's thread only.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "conf/config.h"
#include "daemon/card_finder.h"
#include "konnektor/konnektor.h"

namespace kimgate::daemon {

using KonnektorMap = std::map<std::string, std::unique_ptr<konnektor::Konnektor>>;

class KonnektorRoutes {
 public:
  KonnektorRoutes(const KonnektorMap& konnektors, const conf::Config& config);
  ~KonnektorRoutes();

  struct Route {
    std::string id;
    konnektor::Konnektor* konnektor = nullptr;
    CardFinder* cards = nullptr;
  };
  // The Konnektor for `konnektor_id` ("" for the default); nullopt when there is none, e.g. an
  // unknown KonnektorId or a Konnektor that could not be opened.
  std::optional<Route> route(const std::string& konnektor_id);

 private:
  const KonnektorMap& konnektors_;
  std::vector<conf::Konnektor> config_;
  std::string default_id_;
  std::chrono::milliseconds email_iccsn_ttl_;
  std::size_t cache_entries_;
  std::map<std::string, std::unique_ptr<CardFinder>> finders_;
};

}  // namespace kimgate::daemon
