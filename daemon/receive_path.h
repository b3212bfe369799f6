#pragma once
// ReceivePath: the wiring of the receive path (design.md "Receiving"): the POP3 hooks that run
// the receive pipeline on the shared KonnektorRoutes, the POP3 session settings of one
// configuration generation, and one PVS-facing POP3 session per connection.
#include <functional>
#include <memory>
#include <string>

#include "conf/config.h"
#include "daemon/konnektor_routes.h"
#include "net/connection.h"
#include "net/stoppable.h"
#include "pop3/server_session.h"

namespace kimgate::daemon {

class KimPop3Hooks;
class ProviderCertificates;
struct KasAccess;

using AccountTls = std::function<std::shared_ptr<net::asio::ssl::context>(const std::string& address)>;

class ReceivePath {
 public:
  // `routes` and `pool` are the daemon's and outlive every session.
  ReceivePath(KonnektorRoutes& routes, net::asio::thread_pool& pool, ProviderCertificates& providers);
  ~ReceivePath();
  // Large mails (§5.7): `kas` outlives every session.
  void set_kas(const KasAccess* kas);
  // Each account's own C.CM.TLS-CS towards its provider (null: the configured one).
  void set_account_tls(AccountTls tls);
  // Told of every POP3 login the provider accepted (daemon/account_upkeep.h).
  void set_login_observer(std::function<void(struct LoginSeen)> observer);
  // Receive filtering by application for logins from now on (daemon/pop3_filter.h).
  void set_receive_filters(std::vector<conf::ReceiveFilter> filters);
  // Tracking of routed submissions: answers matched on RETR (daemon/track_hooks.h).
  void set_tracking(const class TrackRecorder& tracking);

  // The POP3 settings for `config` (timeouts, limits, host name); `upstream_tls` is the
  // C.CM.TLS-CS context towards the providers, null when [fachdienst] is not configured.
  pop3::ServerSettings settings(const conf::Config& config, const std::string& host_name,
                                std::shared_ptr<net::asio::ssl::context> upstream_tls) const;
  // One POP3 session on `conn` for a connection accepted by `listener`.
  net::awaitable<void> serve(net::Connection& conn, const pop3::ServerSettings& base, const conf::Listener& listener,
                             net::StopRegistry& sessions) const;

 private:
  std::unique_ptr<KimPop3Hooks> hooks_;
};

}  // namespace kimgate::daemon
