#pragma once
// The one way a mail becomes a KIM message (spec digest §4.3 steps 3-9), for the PVS's mails
// (daemon/smtp_hooks.cpp, daemon/send_large.cpp) and for kimgated's own (the tracking notice,
// daemon/track_hooks.h):
// - seal_client_mail(): a client mail whose routing, sender and size checks are done — the VZD
//   certificates of the sender and every recipient (recipients without one are dropped for the
//   DSN), the header fix-ups, then seal_inner(). Returns the Outgoing for deliver() or the
//   refusal the PVS would hear. The mail is wiped and freed once it is prepared.
// - seal_inner(): a prepared inner mail, given as the eContent to sign (kim::kSignedContentHeader +
//   the mail), signed with the SMC-B of the call context, encrypted for the targets (the sender
//   included), inside the outer KOM-LE message (§4.4).
// Who seals is a SealParty: the Konnektor and card finder of the login's KonnektorId and its
// call context; nothing here belongs to a session.
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "daemon/certificate_verdicts.h"
#include "daemon/konnektor_routes.h"
#include "daemon/send_delivery.h"
#include "daemon/send_steps.h"
#include "kim/kom_le.h"
#include "kim/raw_message.h"
#include "smtp/send_hooks.h"

namespace kimgate::ldap {
class Directory;
}

namespace kimgate::daemon {

// The versions the outer message names and how long the provider keeps it.
struct OuterSettings {
  std::string cm_version;                 // X-KIM-CMVersion
  std::string pt_version = "1.5.3-0";     // X-KIM-PTVersion
  std::chrono::hours retention{24 * 90};  // Expires = now + dataTimeToLive
};

struct SealParty {
  ldap::Directory* directory = nullptr;  // must not be null for seal_client_mail()
  KonnektorRoutes::Route konnektor;
  konnektor::CallContext context;
  CertificateVerdicts* verdicts = nullptr;  // null: recipients' certificates are not verified
  net::asio::thread_pool* pool = nullptr;   // MIME and base64 work (null: inline)
};

// The outer message's options for `party`'s Konnektor ("1.0"; "1.5" when the KAS was used).
kim::OuterOptions outer_options(const OuterSettings& settings, const SealParty& party, std::string kom_le_version,
                                std::chrono::system_clock::duration retention);

struct SealedInner {
  std::optional<smtp::Answer> refusal;
  std::string outer;  // the whole KOM-LE message
};
net::awaitable<SealedInner> seal_inner(const SealParty& party, const Recipients& recipients, std::string_view econtent,
                                       const kim::OuterOptions& outer);

struct SealedMail {
  std::optional<smtp::Answer> refusal;
  Outgoing outgoing;
};
// `mail` is a view into `*message`.
net::awaitable<SealedMail> seal_client_mail(const SealParty& party, const OuterSettings& settings,
                                            const smtp::Envelope& envelope, std::shared_ptr<std::string> message,
                                            const kim::RawMessage& mail);

}  // namespace kimgate::daemon
