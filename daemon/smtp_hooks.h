#pragma once
// KimSmtpHooks: the KIM knowledge of the SMTP proxy (smtp::SendHooks), kept in daemon/ so that
// smtp/ knows nothing of KIM.
//
// prepare_login(): parses the composite SMTP user name (position 5 is the KonnektorId), picks
// the Konnektor, and checks the call context with GetCards (faults 4003-4006 -> 501 5.5.4).
// submit(): the spec's PROCESS steps (§4.3) for one client mail — forward-to-self (§4.12),
// the x-kas and size checks, From/Sender against MAIL FROM, VZD lookups of the sender and every
// recipient, the header fix-ups, SignDocument with the context's SMC-B (PIN checked),
// EncryptDocument for recipients and sender, the outer message with every header of §4.4
// (daemon/seal_mail.h, the one sealing pipeline, also for kimgated's own notices) —
// then deliver() (daemon/send_delivery.h): the upstream transaction, the send failure policy
// and the DSN. Every refusal is an smtp::Answer with code, enhanced code and a sentence that
// names the cause (docs/decisions.md, "send path replies", "send failure policy").
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <string>

#include "daemon/certificate_verdicts.h"
#include "daemon/counters.h"
#include "daemon/konnektor_routes.h"
#include "daemon/login_observer.h"
#include "daemon/provider_check.h"
#include "daemon/route_data.h"
#include "daemon/route_send.h"
#include "daemon/seal_mail.h"
#include "daemon/send_delivery.h"
#include "daemon/track_hooks.h"
#include "konnektor/konnektor.h"
#include "smtp/send_hooks.h"

namespace kimgate::ldap {
class Directory;
}
namespace kimgate::crypto {
class SealedSpool;
}
namespace kimgate::rest {
class ServiceLocator;
class AccountLimitClient;
}  // namespace kimgate::rest

namespace kimgate::daemon {

struct SmtpSession;

struct SendSettings {
  OuterSettings outer;                       // versions and Expires (dataTimeToLive, getLimits default)
  std::uint64_t max_client_mail = 15728640;  // KOM-LE-A_2004-01 without the KAS
  std::chrono::milliseconds certificate_ttl = std::chrono::hours(12);  // VerifyCertificate answers, TTL_ENC_CERT
  std::uint64_t max_message_size = 734003200;                          // maxMailSize unless getLimits says otherwise
  std::filesystem::path spool_dir;                                     // sealed spool files of mails in flight
  std::size_t spool_memory = 1 << 20;                                  // of a mail kept in memory
};

// What a mail above max_client_mail needs (§4.10): the provider's KAS and AccountLimit, found
// by DNS-SD; the TLS context towards the provider (mutual, C.CM.TLS-CS); the worker pool for
// sealing. Null locator: large mails are refused (451) with a sentence that says why.
struct LargeMailServices {
  net::asio::thread_pool* pool = nullptr;
  rest::ServiceLocator* locator = nullptr;
  rest::AccountLimitClient* limits = nullptr;
  // The account's own C.CM.TLS-CS (AccountStore), else the configured one (SIGHUP may replace it).
  std::function<std::shared_ptr<net::asio::ssl::context>(const std::string& address)> tls;
  std::chrono::milliseconds timeout = std::chrono::seconds(30);  // CM_KAS_TIMEOUT
};

class KimSmtpHooks final : public smtp::SendHooks {
 public:
  // `routes` picks the Konnektor by KonnektorId (shared with the receive path). `directory` may
  // be null (no [directory] configured: every message is refused with 451).
  KimSmtpHooks(KonnektorRoutes& routes, ldap::Directory* directory, SendSettings settings, Counters& counters,
               ProviderCertificates& providers, LargeMailServices large = {});

  // Each account's own C.CM.TLS-CS (AccountStore); unset or null: the configured one.
  void set_account_tls(std::function<std::shared_ptr<net::asio::ssl::context>(const std::string&)> tls) {
    account_tls_ = std::move(tls);
  }
  // Told of every login the provider accepted (daemon/login_observer.h).
  void set_login_observer(std::function<void(LoginSeen)> observer) { observer_ = std::move(observer); }
  // Routing addresses (daemon/route_resolve.h); unset: none are resolved.
  void set_routing(std::shared_ptr<const RouteData> routing) { routing_ = std::move(routing); }
  // Tracking of routed mails (daemon/track_send.h); unset: nothing is recorded.
  void set_tracking(TrackRecorder recorder) { tracking_ = std::move(recorder); }
  net::awaitable<std::variant<smtp::LoginTarget, smtp::Answer>> prepare_login(std::string user) override;
  std::unique_ptr<smtp::MessageBody> new_body() override;
  void authenticated(smtp::HookSession& session, const std::string& password) override;
  net::awaitable<smtp::Answer> submit(std::shared_ptr<smtp::HookSession> session, smtp::Client& upstream,
                                      smtp::Envelope envelope, std::unique_ptr<smtp::MessageBody> message) override;

  // kimgated's own mail (the tracking notice, daemon/track_hooks.h) sealed like a PVS's, without
  // routing: `mail` from envelope.mail_from to the envelope's recipients, signed with the SMC-B
  // of `context` on the Konnektor `konnektor_id` ("" the default), encrypted for the recipients'
  // and the sender's certificates from the VZD, in the outer KOM-LE message (daemon/seal_mail.h).
  net::awaitable<SealedMail> seal(std::string konnektor_id, konnektor::CallContext context, smtp::Envelope envelope,
                                  std::string mail);

  // The KIM message for one client mail (§4.3 steps 1-9), or the refusal the PVS gets; `large`
  // when the mail is above max_client_mail and must go through the KAS (§4.10).
  struct Built {
    std::optional<smtp::Answer> refusal;
    Outgoing outgoing;
    bool large = false;
    RouteTrack track = {};  // the routed targets, recorded once the provider accepted the mail
  };

 private:
  SealParty party_of(const SmtpSession& session);
  net::awaitable<Built> build(std::shared_ptr<smtp::HookSession> session, smtp::Envelope envelope,
                              std::shared_ptr<std::string> message);
  // §4.10 in daemon/send_large.cpp: the whole client mail sealed and uploaded to the sender's
  // KAS while it streams from the spool, then the x-kas KIM message.
  net::awaitable<smtp::Answer> submit_large(std::shared_ptr<smtp::HookSession> session, smtp::Client& upstream,
                                            smtp::Envelope envelope, const crypto::SealedSpool& spool);

  KonnektorRoutes& routes_;
  ldap::Directory* directory_;
  SendSettings settings_;
  Counters& counters_;
  ProviderCertificates& providers_;
  CertificateVerdicts verdicts_;
  LargeMailServices large_;
  std::function<std::shared_ptr<net::asio::ssl::context>(const std::string&)> account_tls_;
  std::function<void(LoginSeen)> observer_;
  std::shared_ptr<const RouteData> routing_;
  TrackRecorder tracking_;
};

}  // namespace kimgate::daemon
