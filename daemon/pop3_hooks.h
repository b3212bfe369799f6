#pragma once
// KimPop3Hooks: the KIM knowledge of the POP3 proxy (pop3::ProxyHooks), kept in daemon/ so
// that pop3/ knows nothing of KIM.
//
// At login it parses the composite POP3 user name (position 5 is the UserId, 6 the KonnektorId),
// picks the Konnektor (an unknown KonnektorId is refused) and checks the call context with
// GetCards: faults 4003-4006/4021 refuse the login with the Konnektor's code and sentence (§3.3,
// KOM-LE-A_2037-01); an unreachable Konnektor does not (its messages then get error mails 03).
// The session gets a KimMailbox that runs the receive pipeline (receive_pipeline.h) for every
// RETR with the user's address and context, on the Konnektor and CardFinder of KonnektorRoutes.
#include <functional>
#include <memory>
#include <string>

#include "daemon/konnektor_routes.h"
#include "daemon/login_observer.h"
#include "daemon/pop3_filter.h"
#include "daemon/provider_check.h"
#include "daemon/receive_kas.h"
#include "daemon/track_hooks.h"
#include "pop3/server_session.h"

namespace kimgate::daemon {

class KimPop3Hooks final : public pop3::ProxyHooks {
 public:
  // `routes` and `pool` must outlive every session.
  KimPop3Hooks(KonnektorRoutes& routes, net::asio::thread_pool& pool, ProviderCertificates& providers)
      : routes_(routes), pool_(pool), providers_(providers) {}

  net::awaitable<std::variant<pop3::LoginPlan, std::string>> resolve_user(const std::string& user) override;
  // Large mails (§5.7); null until the daemon has the provider's services wired.
  void set_kas(const KasAccess* kas) { kas_ = kas; }
  // Each account's own C.CM.TLS-CS (AccountStore); unset or null: the configured one.
  void set_account_tls(std::function<std::shared_ptr<net::asio::ssl::context>(const std::string&)> tls) {
    account_tls_ = std::move(tls);
  }
  // Told of every login the provider accepted (daemon/login_observer.h).
  void set_login_observer(std::function<void(LoginSeen)> observer) { observer_ = std::move(observer); }
  // Receive filtering (daemon/pop3_filter.h): applies to logins from now on (SIGHUP reloads it).
  void set_receive_filters(std::vector<conf::ReceiveFilter> filters) {
    filters_ = std::make_shared<const std::vector<conf::ReceiveFilter>>(std::move(filters));
  }
  // Tracking (daemon/track_hooks.h): every retrieved answer is matched to its Vorgang.
  void set_tracking(TrackRecorder tracking) { tracking_ = std::move(tracking); }

 private:
  TrackRecorder tracking_;
  const KasAccess* kas_ = nullptr;
  std::function<std::shared_ptr<net::asio::ssl::context>(const std::string&)> account_tls_;
  std::function<void(LoginSeen)> observer_;
  std::shared_ptr<const std::vector<conf::ReceiveFilter>> filters_;
  DienstkennungCache dienstkennungen_;
  KonnektorRoutes& routes_;
  net::asio::thread_pool& pool_;
  ProviderCertificates& providers_;
};

}  // namespace kimgate::daemon
