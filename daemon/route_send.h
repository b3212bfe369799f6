#pragma once
// The send path's side of routing (issue 18): load the routing data at start, and per mail
// resolve its routing addresses (daemon/route_resolve.h), log each decision with its reason,
// and either refuse the mail or hand on the rewritten mail and envelope.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "conf/config.h"
#include "daemon/route_data.h"
#include "daemon/route_resolve.h"
#include "kim/raw_message.h"
#include "net/asio.h"
#include "smtp/send_hooks.h"

namespace kimgate::ldap {
class Directory;
}

namespace kimgate::daemon {

// The routing data of the configuration; throws (a start-up failure) with every file:line
// problem when a configured file does not load.
std::shared_ptr<const RouteData> load_routing(const conf::Config& config);

// What tracking (issue 18) needs of a routed mail.
struct RouteTrack {
  std::vector<RoutedTarget> targets;  // empty: nothing was routed
  std::string dienstkennung;
  std::string guid;     // 1-Click GUID
  std::string archive;  // eDoku archive name (the first)
};

// Resolves the routing addresses of `message`; on success `envelope`, `message` and `mail`
// (views into `message`) describe the rewritten mail and nullopt is returned; otherwise the
// answer the PVS gets (554 5.6.0 for a rule, 553 5.1.3 for a malformed routing address,
// 550 5.1.1 for an unknown recipient, 451 4.4.3 when the directory cannot be asked).
// `headers_only`: `message` is only the header section of a mail (RouteRequest::headers_only).
net::awaitable<std::optional<smtp::Answer>> route_mail(const RouteData& routing, ldap::Directory& directory,
                                                       smtp::Envelope& envelope, std::shared_ptr<std::string>& message,
                                                       std::optional<kim::RawMessage>& mail,
                                                       RouteTrack* track = nullptr, bool headers_only = false);

}  // namespace kimgate::daemon
