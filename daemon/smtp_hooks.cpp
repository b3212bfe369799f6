#include "daemon/smtp_hooks.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "daemon/route_send.h"
#include "daemon/send_steps.h"
#include "daemon/smtp_session_state.h"
#include "kim/kom_le.h"
#include "kim/raw_message.h"
#include "kim/send_mail.h"
#include "kim/user_name.h"
#include "net/run_blocking.h"

namespace kimgate::daemon {

using net::awaitable;
using smtp::Answer;

KimSmtpHooks::KimSmtpHooks(KonnektorRoutes& routes, ldap::Directory* directory, SendSettings settings,
                           Counters& counters, ProviderCertificates& providers, LargeMailServices large)
    : routes_(routes),
      directory_(directory),
      settings_(std::move(settings)),
      counters_(counters),
      providers_(providers),
      verdicts_(settings_.certificate_ttl),
      large_(std::move(large)) {}

std::unique_ptr<smtp::MessageBody> KimSmtpHooks::new_body() {
  return std::make_unique<SpooledBody>(settings_.spool_dir, settings_.spool_memory, large_.pool);
}

void KimSmtpHooks::authenticated(smtp::HookSession& session, const std::string& password) {
  auto* s = dynamic_cast<SmtpSession*>(&session);
  if (s != nullptr) {
    s->password = password;
    if (observer_ && s->name.server) {
      observer_(LoginSeen{s->name.address, password, s->name.server->host + ":" + std::to_string(s->name.server->port),
                          providers_.check_for(s->konnektor.konnektor, s->context), s->konnektor.id, s->context});
    }
  }
}

awaitable<std::variant<smtp::LoginTarget, Answer>> KimSmtpHooks::prepare_login(std::string user) {
  using Result = std::variant<smtp::LoginTarget, Answer>;
  kim::UserNameResult parsed = kim::parse_user_name(user, kim::UserNameProtocol::smtp);
  if (!parsed.value) {
    co_return Result{Answer{501, "5.5.4", "Invalid KIM user name: " + parsed.error}};
  }
  if (!parsed.value->server) {
    co_return Result{Answer{501, "5.5.4",
                            "The user name must contain address and port of the SMTP server (host:port); "
                            "locating the provider by DNS service discovery is not supported"}};
  }
  const std::optional<KonnektorRoutes::Route> route = routes_.route(parsed.value->konnektor_id);
  if (!route) {
    co_return Result{Answer{501, "5.5.4",
                            parsed.value->konnektor_id.empty()
                                ? std::string("kimgate has no usable Konnektor configured")
                                : "Unknown KonnektorId '" + parsed.value->konnektor_id + "' in the user name"}};
  }
  auto session = std::make_shared<SmtpSession>();
  session->name = std::move(*parsed.value);
  session->konnektor = *route;
  session->context =
      konnektor::CallContext{session->name.mandant_id, session->name.client_system_id, session->name.workplace_id, ""};
  // The call context is checked once at login: a Konnektor that rejects it (4003-4006, 4010-4012,
  // 4021) makes the login fail with 501 (Tab_SMTP_Verbindung). Other Konnektor trouble is reported
  // when a message needs signing.
  konnektor::Outcome<std::vector<konnektor::Card>> cards =
      co_await session->konnektor.konnektor->get_cards(session->context);
  if (!cards.ok() && cards.error.kind == konnektor::Error::Kind::context) {
    co_return Result{Answer{501, "5.5.4",
                            "The Konnektor rejected the call context (Mandant/ClientSystem/Workplace): " +
                                std::to_string(cards.error.code) + " " + cards.error.text}};
  }
  smtp::LoginTarget target{session->name.server->host,
                           session->name.server->port,
                           session->name.address,
                           session,
                           providers_.check_for(session->konnektor.konnektor, session->context),
                           nullptr};
  if (account_tls_) {
    target.tls = account_tls_(session->name.address);
  }
  co_return Result{std::move(target)};
}

SealParty KimSmtpHooks::party_of(const SmtpSession& session) {
  return SealParty{directory_, session.konnektor, session.context, &verdicts_, large_.pool};
}

awaitable<SealedMail> KimSmtpHooks::seal(std::string konnektor_id, konnektor::CallContext context,
                                         smtp::Envelope envelope, std::string mail) {
  const std::optional<KonnektorRoutes::Route> route = routes_.route(konnektor_id);
  SealedMail out;
  if (!route) {
    out.refusal = Answer{451, "4.3.5",
                         konnektor_id.empty() ? std::string("kimgate has no usable Konnektor configured")
                                              : "Unknown KonnektorId '" + konnektor_id + "'"};
    co_return out;
  }
  if (directory_ == nullptr) {
    out.refusal = Answer{451, "4.4.3", "kimgate has no directory (VZD) configured; it cannot find certificates"};
    co_return out;
  }
  auto message = std::make_shared<std::string>(std::move(mail));
  const std::optional<kim::RawMessage> parsed = kim::parse_raw_message(*message);
  if (!parsed) {
    OPENSSL_cleanse(message->data(), message->size());
    out.refusal = Answer{451, "4.3.0", "Internal error: kimgated's own mail has no valid header section"};
    co_return out;
  }
  const SealParty party{directory_, *route, std::move(context), &verdicts_, large_.pool};
  SealedMail sealed = co_await seal_client_mail(party, settings_.outer, envelope, message, *parsed);
  co_return sealed;
}

namespace {
KimSmtpHooks::Built refusal(int code, std::string enhanced, std::string text) {
  KimSmtpHooks::Built b;
  b.refusal = Answer{code, std::move(enhanced), std::move(text)};
  return b;
}
}  // namespace

awaitable<Answer> KimSmtpHooks::submit(std::shared_ptr<smtp::HookSession> hook_session, smtp::Client& upstream,
                                       smtp::Envelope envelope, std::unique_ptr<smtp::MessageBody> message) {
  auto* body = dynamic_cast<SpooledBody*>(message.get());
  if (body == nullptr) {
    co_return Answer{451, "4.3.0", "Internal error: the mail was not spooled by kimgate"};
  }
  const std::uint64_t size = body->size();
  // §4.12: a KIM message forwarded to oneself is ~1.4 x its client mail; it is read whole.
  const bool to_self =
      envelope.recipients.size() == 1 && kim::iequals(envelope.recipients.front().address, envelope.mail_from);
  const std::uint64_t whole_limit = to_self ? settings_.max_client_mail * 3 / 2 + 65536 : settings_.max_client_mail;
  if (size > whole_limit) {
    Answer large = co_await submit_large(std::move(hook_session), upstream, std::move(envelope), body->spool);
    co_return large;
  }
  const crypto::SealedSpool& spool = body->spool;
  const auto read_all = [&spool] { return spool.read_all(); };
  std::optional<std::string> text;
  if (spool.on_disk() && large_.pool != nullptr) {
    std::optional<std::string> read = co_await net::run_blocking(*large_.pool, read_all);  // g++ 12: no co_await in ?:
    text = std::move(read);
  } else {
    text = body->spool.take_all();  // in memory: handed over, not copied
  }
  if (!text) {
    co_return Answer{451, "4.3.0", "kimgate could not read the mail back from its spool; please send it again"};
  }
  auto whole = std::make_shared<std::string>(std::move(*text));
  body->spool.clear();
  Built built = co_await build(hook_session, envelope, whole);
  if (built.large) {
    // Forwarded to oneself but not a KIM message, and above the Konnektor's limit.
    crypto::SealedSpool again(settings_.spool_dir, settings_.spool_memory);
    const bool copied = again.append(*whole);
    OPENSSL_cleanse(whole->data(), whole->size());
    if (!copied) {
      co_return Answer{452, "4.3.1", "kimgate cannot keep this mail: " + again.error()};
    }
    Answer large = co_await submit_large(std::move(hook_session), upstream, std::move(envelope), again);
    co_return large;
  }
  OPENSSL_cleanse(whole->data(), whole->size());
  if (built.refusal) {
    counters_.add("send_refused_locally");
    co_return std::move(*built.refusal);
  }
  const std::string message_id = built.outgoing.message_id;
  std::vector<std::string> delivered;
  for (const auto& r : built.outgoing.kim_message.envelope.recipients) {
    delivered.push_back(r.address);
  }
  const std::string account = envelope.mail_from;
  Answer answer = co_await deliver(upstream, std::move(built.outgoing), counters_);
  if (answer.code / 100 == 2 && !built.track.targets.empty()) {
    // Before the PVS hears 250: a Vorgang is committed for every mail the PVS was told is sent.
    co_await tracking_.record(account, message_id, built.track, delivered);
  }
  co_return answer;
}

awaitable<KimSmtpHooks::Built> KimSmtpHooks::build(std::shared_ptr<smtp::HookSession> hook_session,
                                                   smtp::Envelope envelope, std::shared_ptr<std::string> message) {
  auto* session = dynamic_cast<SmtpSession*>(hook_session.get());
  if (session == nullptr) {
    co_return refusal(451, "4.3.0", "Internal error: the session has no KIM context");
  }
  auto mail = kim::parse_raw_message(*message);
  if (!mail) {
    co_return refusal(554, "5.6.0", "The message has no valid RFC 5322 header section");
  }
  // §4.12: a KOM-LE message forwarded to oneself goes out as it is.
  const bool to_self =
      envelope.recipients.size() == 1 && kim::iequals(envelope.recipients.front().address, envelope.mail_from);
  if (to_self) {
    std::optional<std::string> forwarded = kim::forwarded_kim_message(*mail);
    if (forwarded) {
      spdlog::info("event=forward_to_self size={} (KOM-LE-A_2029)", forwarded->size());
      Built b;
      b.outgoing.kim_message.envelope = envelope;
      b.outgoing.kim_message.envelope.params = kim::with_size_parameter(envelope.params, forwarded->size());
      b.outgoing.kim_message.message = std::move(*forwarded);
      const auto embedded = kim::parse_raw_message(b.outgoing.kim_message.message);
      b.outgoing.message_id = embedded ? kim::header_value(*embedded, "Message-ID").value_or("") : "";
      co_return b;
    }
  }
  // MIME work on a mail of up to 15 MiB runs on the worker pool, not on the sockets' thread.
  const auto scan_xkas = [&mail] { return kim::has_xkas_part(*mail); };
  const bool has_xkas = co_await net::run_blocking_or_here(large_.pool, scan_xkas);
  if (has_xkas) {
    co_return refusal(451, "4.6.0",
                      "The mail already contains an x-kas part (A_22341); kimgate does not send it again");
  }
  if (message->size() > settings_.max_client_mail) {
    Built b;
    b.large = true;  // §4.10: through the KAS
    co_return b;
  }
  RouteTrack track;
  if (routing_ != nullptr && directory_ != nullptr) {  // issue 18: before the directory lookups
    net::awaitable<std::optional<Answer>> op =
        route_mail(*routing_, *directory_, envelope, message, mail, tracking_.enabled() ? &track : nullptr);
    std::optional<Answer> routed = co_await std::move(op);
    if (routed) {
      co_return Built{std::move(routed), {}};
    }
  }
  std::optional<Answer> sender_problem = check_sender(*mail, envelope.mail_from);
  if (sender_problem) {
    co_return Built{std::move(sender_problem), {}};
  }
  if (directory_ == nullptr) {
    co_return refusal(451, "4.4.3", "kimgate has no directory (VZD) configured; it cannot find certificates");
  }
  const SealParty party = party_of(*session);
  SealedMail sealed = co_await seal_client_mail(party, settings_.outer, envelope, message, *mail);
  if (sealed.refusal) {
    co_return Built{std::move(sealed.refusal), {}};
  }
  Built b;
  b.outgoing = std::move(sealed.outgoing);
  b.track = std::move(track);
  co_return b;
}

}  // namespace kimgate::daemon
