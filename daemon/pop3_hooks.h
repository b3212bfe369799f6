#pragma once
// KimPop3Hooks: the KIM knowledge of the POP3 proxy (pop3::ProxyHooks), kept in daemon/ so
// that pop3/ knows nothing of KIM. Resolves the composite POP3 user name (position 5 is the
// UserId) to the provider's host:port and mailbox, and decides what a retrieved message becomes:
// mail without X-KOM-LE-Version passes through unchanged (§5.3 step 2); a KIM message is refused
// with -ERR [SYS/TEMP] and stays on the server until this build can decrypt it.
#include "pop3/server_session.h"

namespace kimgate::daemon {

class KimPop3Hooks final : public pop3::ProxyHooks {
 public:
  std::variant<pop3::LoginTarget, std::string> resolve_user(std::string_view user) override;
  net::awaitable<pop3::RetrDecision> on_retrieved(const std::string& message) override;
};

}  // namespace kimgate::daemon
