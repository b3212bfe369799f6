// §4.10: a client mail above the Konnektor's 15 MiB goes through the sender's KIM Attachment
// Service. The mail stays in its sealed spool; it is read back in chunks, sealed with a fresh
// AES-256-GCM key on the worker pool and streamed into addMailData. The KIM message then carries
// only the x-kas reference (link, key, hash, size) and is signed and encrypted like any other.
#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "crypto/kas_stream.h"
#include "crypto/sealed_spool.h"
#include "daemon/route_send.h"
#include "daemon/send_steps.h"
#include "daemon/smtp_hooks.h"
#include "daemon/smtp_session_state.h"
#include "kim/kas_mail.h"
#include "kim/kom_le.h"
#include "kim/mime_skeleton.h"
#include "kim/raw_message.h"
#include "kim/route_text.h"
#include "kim/send_mail.h"
#include "kim/x_kas.h"
#include "ldap/directory.h"
#include "net/metrics.h"
#include "net/run_blocking.h"
#include "rest/account_limit.h"
#include "rest/dnssd.h"
#include "rest/kas_client.h"

namespace kimgate::daemon {

using net::awaitable;
using smtp::Answer;

namespace {

constexpr std::size_t kChunk = 1 << 20;

// The pre-processed client mail (new header section + the spooled body), sealed piece by piece
// on the worker pool: IV, ciphertext chunks, tag.
class SealingSource final : public rest::BodySource {
 public:
  SealingSource(net::asio::thread_pool& pool, std::string head, const crypto::SealedSpool& spool,
                std::uint64_t body_from)
      : pool_(pool), head_(std::move(head)), spool_(spool), body_from_(body_from) {}
  ~SealingSource() override {
    OPENSSL_cleanse(head_.data(), head_.size());
    OPENSSL_cleanse(buf_.data(), buf_.size());
  }

  std::uint64_t plaintext_size() const { return head_.size() + (spool_.size() - body_from_); }
  std::uint64_t sealed_size() const { return plaintext_size() + crypto::kKasOverhead; }
  crypto::KasSealer& sealer() { return sealer_; }

  awaitable<rest::Piece> next() override {
    if (stage_ == Stage::prefix) {
      buf_ = sealer_.prefix();
      stage_ = Stage::data;
      co_return rest::Piece{buf_, {}, false};
    }
    if (stage_ == Stage::done) {
      co_return rest::Piece{{}, {}, true};
    }
    const auto work = [this] { return seal_next(); };
    std::string error = co_await net::run_blocking(pool_, work);
    if (!error.empty()) {
      co_return rest::Piece{{}, error, false};
    }
    co_return rest::Piece{buf_, {}, false};
  }

 private:
  enum class Stage { prefix, data, done };

  // The next chunk of plaintext sealed into buf_, or the tag at the end.
  std::string seal_next() {
    OPENSSL_cleanse(buf_.data(), buf_.size());
    buf_.clear();
    std::string plain;
    if (at_ < head_.size()) {
      plain = head_.substr(at_, kChunk);
    } else {
      const std::uint64_t offset = body_from_ + (at_ - head_.size());
      if (!spool_.read(offset, kChunk, plain)) {
        return "the spooled mail could not be read back";
      }
    }
    at_ += plain.size();
    bool ok = true;
    if (plain.empty()) {
      ok = sealer_.finish(buf_);
      stage_ = Stage::done;
    } else {
      ok = sealer_.update(plain, buf_);
    }
    OPENSSL_cleanse(plain.data(), plain.size());
    return ok ? std::string() : "sealing failed: " + sealer_.error();
  }

  net::asio::thread_pool& pool_;
  std::string head_;
  const crypto::SealedSpool& spool_;
  std::uint64_t body_from_;
  std::uint64_t at_ = 0;
  Stage stage_ = Stage::prefix;
  crypto::KasSealer sealer_;
  std::string buf_;
};

std::string without_brackets(std::string id) {
  if (id.size() >= 2 && id.front() == '<' && id.back() == '>') {
    return id.substr(1, id.size() - 2);
  }
  return id;
}

// Of a mail routed on its skeleton (kim/mime_skeleton.h): each file's body is kept up to 1 MiB
// (begleitdatei.xml, an eAU bundle), the whole skeleton up to 4 MiB.
constexpr std::size_t kSkeletonPart = 1 << 20;
constexpr std::size_t kSkeletonTotal = 4 << 20;

// Whether the envelope or the header section names an address in the routing domain.
bool names_domain(std::string_view head, const smtp::Envelope& envelope, const std::string& domain) {
  const std::string at = kim::route_text::ascii_lower("@" + domain);
  for (const smtp::Recipient& r : envelope.recipients) {
    if (kim::route_text::ascii_lower(r.address).find(at) != std::string::npos) {
      return true;
    }
  }
  return kim::route_text::ascii_lower(head).find(at) != std::string::npos;
}

// One pass over the spooled body on the pool: A_22341 (an x-kas part), and the skeleton when
// routing wants one.
bool scan_spool(const crypto::SealedSpool& spool, std::uint64_t from, kim::MimeSkeleton* skeleton) {
  kim::XkasScanner scanner;
  std::string chunk;
  for (std::uint64_t at = from; at < spool.size() && !scanner.found(); at += kChunk) {
    chunk.clear();
    if (!spool.read(at, kChunk, chunk)) {
      break;
    }
    scanner.feed(chunk);
    if (skeleton != nullptr) {
      skeleton->feed(chunk);
    }
  }
  OPENSSL_cleanse(chunk.data(), chunk.size());
  if (skeleton != nullptr) {
    skeleton->finish();
  }
  return scanner.found();
}

Answer upload_refusal(const rest::KasResult& r, const std::string& domain) {
  if (r.outcome == rest::KasResult::Outcome::quota_exceeded) {
    // A_22419-01
    return Answer{521, "5.2.2",
                  "The KIM Attachment Service of " + domain +
                      " refused the mail data: the mailbox's storage quota is exhausted (HTTP 507); the mail was "
                      "not sent"};
  }
  // A_19363-03; X-KIM-Fehlermeldung 4002
  return Answer{451, "4.4.1",
                "The encrypted mail data could not be uploaded to the KIM Attachment Service of " + domain +
                    " (4002): " + std::string(rest::to_string(r.outcome)) +
                    (r.status != 0 ? " HTTP " + std::to_string(r.status) : std::string()) +
                    (r.detail.empty() ? std::string() : ", " + r.detail) + "; the mail was not sent"};
}

}  // namespace

awaitable<Answer> KimSmtpHooks::submit_large(std::shared_ptr<smtp::HookSession> hook_session, smtp::Client& upstream,
                                             smtp::Envelope envelope, const crypto::SealedSpool& spool) {
  auto* session = dynamic_cast<SmtpSession*>(hook_session.get());
  if (session == nullptr) {
    co_return Answer{451, "4.3.0", "Internal error: the session has no KIM context"};
  }
  const std::uint64_t size = spool.size();
  const std::string sender = envelope.mail_from;
  const std::string domain = kim::mail_domain(sender);
  if (size > settings_.max_message_size) {
    co_return Answer{552, "5.3.4",
                     "Message too big: " + std::to_string(size) + " octets; the KIM provider accepts at most " +
                         std::to_string(settings_.max_message_size) + " (maxMailSize)"};
  }
  const std::shared_ptr<net::asio::ssl::context> tls = large_.tls ? large_.tls(sender) : nullptr;
  if (large_.locator == nullptr || large_.pool == nullptr || large_.limits == nullptr || !tls) {
    co_return Answer{451, "4.3.5",
                     "Mails above 15 MiB go through the KIM Attachment Service, and kimgate has no TLS client "
                     "certificate for the provider's services configured ([fachdienst])"};
  }
  // The header section of the client mail (routing may replace it; the body stays in the spool).
  auto head = std::make_shared<std::string>();
  if (!spool.read(0, static_cast<std::size_t>(std::min<std::uint64_t>(size, kim::kMaxHeaderBytes + 4)), *head)) {
    co_return Answer{451, "4.3.0", "kimgate could not read the mail back from its spool; please send it again"};
  }
  const std::optional<std::size_t> body_from = kim::body_offset(*head);
  if (!body_from) {
    OPENSSL_cleanse(head->data(), head->size());
    co_return Answer{554, "5.6.0", "The message has no valid RFC 5322 header section"};
  }
  head->resize(*body_from);
  std::optional<kim::RawMessage> mail = kim::parse_raw_message(*head);
  if (!mail) {
    co_return Answer{554, "5.6.0", "The message has no valid RFC 5322 header section"};
  }
  const std::uint64_t body_offset = *body_from;
  // Routing addresses (issue 18) are resolved on the mail's skeleton (every file name, the small
  // files), built in the same pass over the spool as the x-kas check.
  // Only a mail that names a routing address needs it (KV-Connect mappings read the header).
  const bool routing = routing_ != nullptr && directory_ != nullptr;
  std::unique_ptr<kim::MimeSkeleton> skeleton;
  if (routing && names_domain(*head, envelope, routing_->domain)) {
    skeleton = std::make_unique<kim::MimeSkeleton>(kSkeletonPart, kSkeletonTotal);
    skeleton->feed(*head);
  }
  kim::MimeSkeleton* skeleton_ptr = skeleton.get();
  const auto scan = [&spool, body_offset, skeleton_ptr] { return scan_spool(spool, body_offset, skeleton_ptr); };
  if (co_await net::run_blocking(*large_.pool, scan)) {
    co_return Answer{451, "4.6.0", "The mail already contains an x-kas part (A_22341); kimgate does not send it again"};
  }
  RouteTrack track;
  if (routing) {
    // Without a skeleton, or one above its limit: routing by the header section alone, what needs
    // the attachments is refused (RouteRequest::headers_only).
    const bool headers_only = !skeleton || skeleton->overflow();
    auto routed_text = std::make_shared<std::string>(headers_only ? *head : skeleton->text());
    skeleton.reset();
    std::optional<kim::RawMessage> routed_mail = kim::parse_raw_message(*routed_text);
    if (!routed_mail) {
      OPENSSL_cleanse(routed_text->data(), routed_text->size());
      co_return Answer{554, "5.6.0", "The message has no valid RFC 5322 header section"};
    }
    spdlog::info("event=route_large message_id={} skeleton={} headers_only={}",
                 kim::header_value(*mail, "Message-ID").value_or("-"), routed_text->size(), headers_only);
    net::awaitable<std::optional<Answer>> op = route_mail(*routing_, *directory_, envelope, routed_text, routed_mail,
                                                          tracking_.enabled() ? &track : nullptr, headers_only);
    std::optional<Answer> routed = co_await std::move(op);
    // The (rewritten) header section goes on; the skeleton's bodies are wiped.
    const std::size_t end = kim::body_offset(*routed_text).value_or(routed_text->size());
    auto rewritten = std::make_shared<std::string>(routed_text->substr(0, end));
    OPENSSL_cleanse(routed_text->data(), routed_text->size());
    if (routed) {
      co_return std::move(*routed);
    }
    head = std::move(rewritten);
    mail = kim::parse_raw_message(*head);
    if (!mail) {
      co_return Answer{451, "4.3.0", "Internal error: the routed mail has no valid header section"};
    }
  }
  std::optional<Answer> sender_problem = check_sender(*mail, sender);
  if (sender_problem) {
    co_return std::move(*sender_problem);
  }
  if (directory_ == nullptr) {
    co_return Answer{451, "4.4.3", "kimgate has no directory (VZD) configured; it cannot find certificates"};
  }

  // getLimits (A_22416): maxMailSize, dataTimeToLive, remaining quota.
  const rest::Credentials who{sender, session->password};
  const rest::ServiceLocator::Located accmgr = co_await large_.locator->locate(rest::Service::account_manager, domain);
  if (!accmgr.found) {
    co_return Answer{451, "4.4.1",
                     "The Account Manager of " + domain + " (AccountLimit) could not be located: " + accmgr.error};
  }
  // The Account Manager's certificate is checked like the provider's (KOM-LE-A_2075-01).
  net::PeerCheck accmgr_check = providers_.check_for(session->konnektor.konnektor, session->context);
  // With the sender's own C.CM.TLS-CS when kimgate registered the account (else the configured one).
  const rest::LimitsResult limits =
      co_await large_.limits->get_limits(*accmgr.found, who, std::move(accmgr_check), tls);
  if (!limits.limits) {
    co_return Answer{451, "4.4.1",
                     "The account limits of <" + sender + "> could not be read (AccountLimit" +
                         (limits.status != 0 ? " HTTP " + std::to_string(limits.status) : std::string()) +
                         "): " + limits.detail};
  }
  const rest::AccountLimits lim = *limits.limits;
  if (size > lim.max_mail_size) {
    co_return Answer{552, "5.3.4",
                     "Message too big: " + std::to_string(size) + " octets; the account <" + sender +
                         "> may send at most " + std::to_string(lim.max_mail_size) + " (maxMailSize, A_19355-01)"};
  }

  // Recipients: certificates as for every mail, then the KIM version (A_19356-06).
  const bool ecc = session->konnektor.cards->ecc_capable();
  CertificateCheck check{session->konnektor.konnektor, session->context, &verdicts_};
  Recipients recipients = co_await look_up_recipients(*directory_, envelope, ecc, check);
  if (recipients.refusal) {
    co_return std::move(*recipients.refusal);
  }
  std::vector<smtp::Recipient> large_ok;
  std::vector<std::string> too_old;
  for (const smtp::Recipient& r : recipients.deliverable) {
    ldap::VersionLookup v = co_await directory_->kim_version(r.address);
    if (v.ok() && !v.version.version.large_mail) {
      // A cached answer without '+' is asked again: the opt-in may be new.
      const ldap::AddressLookup fresh = co_await directory_->refresh_address(r.address, ecc);
      if (fresh.ok()) {
        v.version = fresh.version;
      }
    }
    if (!v.ok()) {
      co_return Answer{451, "4.4.3",
                       "The VZD could not be asked for the KIM version of <" + r.address + ">: " + v.detail};
    }
    if (v.version.version.large_mail) {
      large_ok.push_back(r);
      continue;
    }
    spdlog::info("event=recipient_dropped rcpt={} code=4001 reason=kim_version version={}", r.address,
                 v.version.version.version);
    too_old.push_back(r.address);
    recipients.dropped.push_back(
        kim::DsnRecipient{r.address, "4001", "5.2.3",
                          "the recipient's KIM version (" + v.version.version.version +
                              ") does not accept mails above 15 MiB; only recipients registered with 1.5+ receive them",
                          ""});
  }
  if (large_ok.empty()) {
    std::string names;
    for (const auto& a : too_old) {
      names += (names.empty() ? "<" : ", <") + a + ">";
    }
    co_return Answer{451, "4.7.0",
                     "No recipient can receive a mail above 15 MiB (A_19356-06): " +
                         (names.empty() ? std::string("no recipient has a usable certificate")
                                        : names + " not registered with KIM version 1.5+") +
                         "; the mail was not sent"};
  }
  recipients.deliverable = large_ok;
  std::erase_if(recipients.encryption, [&](const EncryptionTarget& t) {
    return std::any_of(too_old.begin(), too_old.end(),
                       [&](const std::string& a) { return kim::iequals(a, t.address); });
  });

  // The pre-processed client mail: header fix-ups before the upload (§4.10 step 3).
  std::vector<std::string> keep;
  for (const auto& r : recipients.deliverable) {
    keep.push_back(r.address);
  }
  const kim::Generated identity = kim::generate_identity(domain);
  kim::Prepared prepared = kim::prepare_inner(*mail, kim::PrepareOptions{keep, identity.message_id});
  const std::optional<std::size_t> prepared_body = kim::body_offset(prepared.mail);
  const std::string header_section = prepared.mail.substr(0, prepared_body.value_or(prepared.mail.size()) - 2);
  const auto prepared_raw = kim::parse_raw_message(prepared.mail);
  const std::string message_id =
      (prepared_raw ? kim::header_value(*prepared_raw, "Message-ID") : std::nullopt).value_or(identity.message_id);

  SealingSource source(*large_.pool, prepared.mail.substr(0, prepared_body.value_or(prepared.mail.size())), spool,
                       body_offset);
  if (source.plaintext_size() > lim.max_mail_size) {
    // The header fix-ups (e.g. the default X-KIM-Dienstkennung) made a mail at the limit larger
    // than the KAS takes; its 413 would be a 451 that the PVS retries for ever.
    co_return Answer{552, "5.3.4",
                     "Message too big: with the header fields kimgate adds (X-KIM-Dienstkennung, Message-ID) the mail "
                     "has " +
                         std::to_string(source.plaintext_size()) + " octets; the account <" + sender +
                         "> may send at most " + std::to_string(lim.max_mail_size) +
                         " (maxMailSize, A_19355-01); the mail was not sent"};
  }
  if (lim.remain_quota >= 0 && static_cast<std::uint64_t>(lim.remain_quota) < source.sealed_size()) {
    co_return Answer{521, "5.2.2",
                     "The mailbox <" + sender + "> has " + std::to_string(lim.remain_quota) +
                         " octets of storage left at its provider; this mail needs " +
                         std::to_string(source.sealed_size()) + " (A_22419-01); the mail was not sent"};
  }

  // Locate the KAS (A_19361-01) and upload (A_19362, addMailData).
  const rest::ServiceLocator::Located kas_at = co_await large_.locator->locate(rest::Service::kas, domain);
  if (!kas_at.found) {
    rest::KasResult none;
    none.detail = kas_at.error;
    co_return upload_refusal(none, domain);
  }
  rest::ClientSettings http;
  http.tls = tls;
  http.check = providers_.check_for(session->konnektor.konnektor, session->context);
  http.inactivity = large_.timeout;
  const net::asio::any_io_executor ex = co_await net::asio::this_coro::executor;
  rest::KasClient kas(ex, *large_.locator, http);
  rest::KasUpload upload;
  upload.message_id = without_brackets(message_id);
  upload.recipients = keep;
  upload.expires =
      kim::rfc5322_date(std::chrono::system_clock::now() + std::chrono::hours(24) * lim.data_time_to_live_days);
  upload.size = source.sealed_size();
  upload.data = &source;
  const std::uint64_t plaintext_size = source.plaintext_size();
  spdlog::info("event=kas_upload message_id={} size={} sealed={} recipients={}", message_id, plaintext_size,
               upload.size, keep.size());
  const rest::KasResult uploaded = co_await kas.add_mail_data(*kas_at.found, who, std::move(upload));
  if (uploaded.outcome != rest::KasResult::Outcome::ok) {
    spdlog::warn("event=kas_upload_failed message_id={} outcome={} status={} detail=\"{}\"", message_id,
                 rest::to_string(uploaded.outcome), uploaded.status, uploaded.detail);
    counters_.add("kas_upload_failed");
    net::metrics().counter("kimgate_kas_failures_total", {"upload"}).inc();
    co_return upload_refusal(uploaded, domain);
  }
  counters_.add("kas_uploaded");
  net::metrics().counter("kimgate_kas_bytes_total", {"upload"}).inc(source.sealed_size());

  // The KIM message with the x-kas reference (A_19359-07, A_23467, A_19365-02).
  kim::KasReference ref;
  ref.link = uploaded.shared_link;
  ref.k = source.sealer().k();
  ref.hash = source.sealer().hash();
  ref.size = plaintext_size;
  std::string inner = kim::kas_inner_mail(header_section, kim::format_x_kas(ref), plaintext_size);
  OPENSSL_cleanse(ref.k.data(), ref.k.size());
  const SealParty party = party_of(*session);
  const kim::OuterOptions outer_opts =
      outer_options(settings_.outer, party, "1.5", std::chrono::hours(24) * lim.data_time_to_live_days);
  std::string econtent = kim::signed_content(inner);
  OPENSSL_cleanse(inner.data(), inner.size());
  SealedInner sealed = co_await seal_inner(party, recipients, econtent, outer_opts);
  OPENSSL_cleanse(econtent.data(), econtent.size());

  const auto delete_upload = [&]() -> awaitable<void> {
    const rest::KasResult deleted = co_await kas.delete_mail_data(uploaded.shared_link, who);
    spdlog::info("event=kas_deleted message_id={} outcome={} status={}", message_id, rest::to_string(deleted.outcome),
                 deleted.status);
  };
  if (sealed.refusal) {
    co_await delete_upload();
    co_return std::move(*sealed.refusal);
  }
  Outgoing out;
  out.kim_message.envelope.mail_from = sender;
  out.kim_message.envelope.params = kim::with_size_parameter(envelope.params, sealed.outer.size());
  out.kim_message.envelope.recipients = recipients.deliverable;
  out.kim_message.message = std::move(sealed.outer);
  out.dropped = std::move(recipients.dropped);
  out.message_id = message_id;
  out.original_date = kim::header_value(*mail, "Date").value_or("");
  spdlog::info("event=kim_message_built message_id={} recipients={} dropped={} size={} kas_size={}", out.message_id,
               out.kim_message.envelope.recipients.size(), out.dropped.size(), out.kim_message.message.size(),
               plaintext_size);
  std::vector<std::string> delivered;
  for (const auto& r : out.kim_message.envelope.recipients) {
    delivered.push_back(r.address);
  }
  smtp::TransactionResult result = smtp::TransactionResult::delivered;
  Answer answer = co_await deliver(upstream, std::move(out), counters_, &result);
  if (answer.code / 100 == 2 && !track.targets.empty()) {
    // Before the PVS hears 250, as for every routed mail (smtp_hooks.cpp).
    co_await tracking_.record(sender, message_id, track, delivered);
  }
  // The KAS data of a KIM message that was not sent is deleted (FAQ, KIM 1.5.3-3). When the
  // provider's answer to the end of data is unknown, the message may be on its way: keep it.
  if (result != smtp::TransactionResult::delivered && result != smtp::TransactionResult::delivery_unknown) {
    co_await delete_upload();
  }
  co_return answer;
}

}  // namespace kimgate::daemon
