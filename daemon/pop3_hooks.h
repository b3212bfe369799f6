#pragma once
// KimPop3Hooks: the KIM knowledge of the POP3 proxy (pop3::ProxyHooks), kept in daemon/ so
// that pop3/ knows nothing of KIM.
//
// At login it parses the composite POP3 user name (position 5 is the UserId, 6 the KonnektorId),
// picks the Konnektor (an unknown KonnektorId is refused) and checks the call context with
// GetCards: faults 4003-4006/4021 refuse the login with the Konnektor's code and sentence (§3.3,
// KOM-LE-A_2037-01); an unreachable Konnektor does not (its messages then get error mails 03).
// The session gets a KimMailbox that runs the receive pipeline (receive_pipeline.h) for every
// RETR with the user's address and context. One CardFinder per Konnektor, shared by sessions.
#include <map>
#include <memory>
#include <string>

#include "conf/config.h"
#include "daemon/card_finder.h"
#include "konnektor/konnektor.h"
#include "pop3/server_session.h"

namespace kimgate::daemon {

using KonnektorMap = std::map<std::string, std::unique_ptr<konnektor::Konnektor>>;

class KimPop3Hooks final : public pop3::ProxyHooks {
 public:
  // `konnektors` is filled when the daemon opens them and must outlive every session.
  KimPop3Hooks(const KonnektorMap& konnektors, net::asio::thread_pool& pool, const conf::Config& config);
  ~KimPop3Hooks() override;

  net::awaitable<std::variant<pop3::LoginPlan, std::string>> resolve_user(const std::string& user) override;

 private:
  CardFinder& finder_for(const std::string& id, konnektor::Konnektor& k);

  const KonnektorMap& konnektors_;
  net::asio::thread_pool& pool_;
  std::vector<conf::Konnektor> konnektor_config_;
  std::string default_id_;
  std::chrono::milliseconds email_iccsn_ttl_;
  std::size_t cache_entries_;
  std::map<std::string, std::unique_ptr<CardFinder>> finders_;
};

}  // namespace kimgate::daemon
