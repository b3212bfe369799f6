#pragma once
// Routing of one client mail (issue 18), the one implementation used by kimgated's send path
// (after DATA, before the directory lookups) and by `kimctl route explain` (a dry run):
// - routing addresses (kim/route_address.h) in the envelope and in To/Cc are replaced by the
//   KIM address of the insurer (eAU: IK given or read from the bundle, Haupt-IK from the
//   Kostenträger file, VZD entry type 5, address chosen by kimData tag) or of the sender's
//   KV (Landes-KV of the billing BSNR or the sender's BSNR; SDKVCA first, else the VZD);
// - the service's application rule is checked (kim/route_rules.h);
// - KV-Connect headers and KV-Connect addresses of a KV (SDKVCA email/test_email) are mapped;
// - every decision is a Step with its reason, logged by the caller.
// A refusal carries the reply code, enhanced code and a sentence naming address, file and rule.
#include <optional>
#include <string>
#include <vector>

#include "daemon/route_data.h"
#include "kim/raw_message.h"
#include "net/asio.h"
#include "smtp/transaction.h"

namespace kimgate::ldap {
class Directory;
}

namespace kimgate::daemon {

struct RouteRefusal {
  int code = 554;
  std::string enhanced = "5.6.0";
  std::string sentence;
};

struct RouteStep {
  std::string from;     // the address (or header) as the PVS gave it
  std::string to;       // its replacement
  std::string service;  // "eau", "1click", ... or "kv-connect"
  std::string reason;   // why, one sentence
};

// What tracking (issue 18) needs of a routed mail: one entry per resolved KIM address.
struct RoutedTarget {
  std::string recipient;  // the KIM address the routing address became
  std::string service;    // route service ("1click", "eau", ...); "kv-connect" for a KV-Connect address
};

struct RouteOutcome {
  std::optional<RouteRefusal> refusal;
  std::vector<RouteStep> steps;        // empty: nothing to route, the mail is unchanged
  smtp::Envelope envelope;             // with the routing addresses replaced (duplicates removed)
  std::optional<std::string> message;  // the rewritten mail, when anything changed
  std::string guid;                    // 1-Click GUID, for the log and tracking
  std::vector<RoutedTarget> targets;   // the address steps' results, for tracking
  std::string archive;                 // the eDoku archive attached (kim::archive_name), for tracking
};

struct RouteRequest {
  const RouteData* data = nullptr;
  ldap::Directory* directory = nullptr;
  smtp::Envelope envelope;
  const kim::RawMessage* mail = nullptr;
  std::string today;  // YYYY-MM-DD, for the SDKVCA validity
  // `mail` is the header section only (a mail above the Konnektor's limit whose MIME skeleton
  // could not be kept, daemon/send_large.cpp): routing that needs the attachments (the eAU
  // bundle's IK, a rule that reads files) is refused with 554 5.6.0 instead of being checked on
  // nothing.
  bool headers_only = false;
};
net::awaitable<RouteOutcome> resolve_routes(RouteRequest request);

}  // namespace kimgate::daemon
