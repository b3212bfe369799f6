#pragma once
// KimSmtpHooks: the KIM knowledge of the SMTP proxy (smtp::SendHooks), kept in daemon/ so that
// smtp/ knows nothing of KIM.
//
// prepare_login(): parses the composite SMTP user name (position 5 is the KonnektorId), picks
// the Konnektor, and checks the call context with GetCards (faults 4003-4006 -> 501 5.5.4).
// submit(): the spec's PROCESS steps (§4.3) for one client mail — forward-to-self (§4.12),
// the x-kas and size checks, From/Sender against MAIL FROM, VZD lookups of the sender and every
// recipient, the header fix-ups, SignDocument with the context's SMC-B (PIN checked),
// EncryptDocument for recipients and sender, the outer message with every header of §4.4 —
// then deliver() (daemon/send_delivery.h): the upstream transaction, the send failure policy
// and the DSN. Every refusal is an smtp::Answer with code, enhanced code and a sentence that
// names the cause (docs/decisions.md, "send path replies", "send failure policy").
#include <chrono>
#include <map>
#include <string>

#include "daemon/certificate_verdicts.h"
#include "daemon/counters.h"
#include "daemon/konnektor_routes.h"
#include "daemon/provider_check.h"
#include "daemon/send_delivery.h"
#include "konnektor/konnektor.h"
#include "smtp/send_hooks.h"

namespace kimgate::ldap {
class Directory;
}

namespace kimgate::daemon {

struct SendSettings {
  std::string cm_version;                    // X-KIM-CMVersion
  std::string pt_version = "1.5.3-0";        // X-KIM-PTVersion
  std::chrono::hours retention{24 * 90};     // Expires = now + dataTimeToLive (getLimits default)
  std::uint64_t max_client_mail = 15728640;  // KOM-LE-A_2004-01 without the KAS
  std::chrono::milliseconds certificate_ttl = std::chrono::hours(12);  // VerifyCertificate answers, TTL_ENC_CERT
};

class KimSmtpHooks final : public smtp::SendHooks {
 public:
  // `routes` picks the Konnektor by KonnektorId (shared with the receive path). `directory` may
  // be null (no [directory] configured: every message is refused with 451).
  KimSmtpHooks(KonnektorRoutes& routes, ldap::Directory* directory, SendSettings settings, Counters& counters,
               ProviderCertificates& providers);

  net::awaitable<std::variant<smtp::LoginTarget, smtp::Answer>> prepare_login(std::string user) override;
  net::awaitable<smtp::Answer> submit(std::shared_ptr<smtp::HookSession> session, smtp::Client& upstream,
                                      smtp::Envelope envelope, std::shared_ptr<std::string> message) override;

  // The KIM message for one client mail (§4.3 steps 1-9), or the refusal the PVS gets.
  struct Built {
    std::optional<smtp::Answer> refusal;
    Outgoing outgoing;
  };

 private:
  net::awaitable<Built> build(std::shared_ptr<smtp::HookSession> session, smtp::Envelope envelope,
                              std::shared_ptr<std::string> message);

  KonnektorRoutes& routes_;
  ldap::Directory* directory_;
  SendSettings settings_;
  Counters& counters_;
  ProviderCertificates& providers_;
  CertificateVerdicts verdicts_;
};

}  // namespace kimgate::daemon
