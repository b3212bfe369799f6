#include "daemon/receive_pipeline.h"

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <charconv>

#include "crypto/auth_enveloped.h"
#include "crypto/ossl.h"
#include "crypto/signed_data.h"
#include "kim/decrypted_entity.h"
#include "kim/kas_mail.h"
#include "kim/kas_receive.h"
#include "kim/kom_le.h"
#include "kim/raw_message.h"
#include "kim/receive_decision.h"
#include "kim/send_mail.h"
#include "net/run_blocking.h"

namespace kimgate::daemon {

using crypto::Bytes;
using net::awaitable;

namespace {

std::string_view as_text(const Bytes& b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

void wipe(Bytes& b) {
  OPENSSL_cleanse(b.data(), b.size());
  b.clear();
}

// §5.3 steps 2-3 and the envelope's recipient-emails, before any Konnektor call.
struct Prepared {
  enum class Kind { not_kim, bad_version, format, ok };
  Kind kind = Kind::not_kim;
  std::string version;
  Bytes der;
  std::vector<crypto::RecipientEmail> emails;
  std::string detail;
};

Prepared prepare(const std::string& message) {
  Prepared p;
  const auto raw = kim::parse_raw_message(message);
  const auto version = raw ? kim::header_value(*raw, "X-KOM-LE-Version") : std::nullopt;
  if (!version) {
    return p;  // A_21390, KOM-LE-A_2042: untouched
  }
  p.version = *version;
  if (!kim::supported_kom_le_version(p.version)) {
    p.kind = Prepared::Kind::bad_version;
    return p;
  }
  p.kind = Prepared::Kind::format;
  const auto outer = kim::parse_outer_message(message);
  if (!outer) {
    p.detail = "the outer message is not application/pkcs7-mime";
    return p;
  }
  auto der = crypto::base64_decode(outer->smime_body);
  if (!der.ok()) {
    p.detail = "smime.p7m: " + der.error;
    return p;
  }
  auto emails = crypto::envelope_recipient_emails(crypto::der::view(*der.value));
  if (!emails.ok()) {
    p.detail = "AuthEnvelopedData: " + emails.error;
    return p;
  }
  p.kind = Prepared::Kind::ok;
  p.der = std::move(*der.value);
  p.emails = std::move(*emails.value);
  return p;
}

// The outcome for a decision made before anything was decrypted (no inner mail).
ReceiveOutcome early(const kim::ReceiveFacts& facts, const std::string& message, const std::string& address,
                     std::string detail) {
  const kim::ReceiveDecision d = kim::decide_receive(facts);
  ReceiveOutcome o;
  o.mail = kim::received_mail(d, message, {}, address, facts.version, generated_now());
  o.decryption_result = d.mail == kim::ReceivedMail::version_error ? "4008" : d.decryption_result;
  o.detail = std::move(detail);
  return o;
}

}  // namespace

kim::DecryptionFailure decryption_failure_of(CardProblem p) {
  return p == CardProblem::unavailable ? kim::DecryptionFailure::konnektor_unreachable
                                       : kim::DecryptionFailure::key_unavailable;
}

kim::DecryptionFailure decryption_failure_of(const konnektor::Error& e) {
  using Kind = konnektor::Error::Kind;
  switch (e.kind) {
    case Kind::document:
      return kim::DecryptionFailure::format;
    case Kind::unavailable:
    case Kind::timeout:
    case Kind::busy:
      return kim::DecryptionFailure::konnektor_unreachable;
    default:
      return kim::DecryptionFailure::key_unavailable;
  }
}

kim::Generated generated_now() {
  return kim::generate_identity("kimgate.invalid");
}

awaitable<ReceiveOutcome> process_retrieved(const ReceiveDeps& deps, const Recipient& who, const std::string& message) {
  const auto do_prepare = [&message] { return prepare(message); };
  Prepared p = co_await net::run_blocking(deps.pool, do_prepare);
  kim::ReceiveFacts facts;
  facts.kim = p.kind != Prepared::Kind::not_kim;
  facts.version = p.version;
  if (p.kind == Prepared::Kind::not_kim) {
    co_return early(facts, message, who.address, "not a KIM message");
  }
  if (p.kind == Prepared::Kind::bad_version) {
    co_return early(facts, message, who.address, "unsupported X-KOM-LE-Version");
  }
  if (p.kind == Prepared::Kind::format) {
    facts.decryption_failure = kim::DecryptionFailure::format;
    co_return early(facts, message, who.address, p.detail);
  }
  // A_23512: KAS content for an account that has not opted in to large mails is not downloaded.
  if (deps.kas != nullptr) {
    const auto raw = kim::parse_raw_message(message);
    const std::optional<std::string> kas_size = raw ? kim::header_value(*raw, "X-KIM-KAS-Size") : std::nullopt;
    std::uint64_t announced = 0;
    if (kas_size) {
      std::from_chars(kas_size->data(), kas_size->data() + kas_size->size(), announced);
    }
    if (announced > deps.kas->large_threshold) {
      const bool enabled = co_await large_mail_enabled(*deps.kas, who.address);
      if (!enabled) {
        ReceiveOutcome o;
        o.mail = kim::kas_failure_mail(kim::KasFailure::not_enabled, message, {}, who.address, {}, generated_now());
        o.decryption_result = "4018";
        o.detail = "KAS content of " + std::to_string(announced) + " octets; the account is not 1.5+";
        co_return o;
      }
    }
  }
  // KOM-LE-A_2043/2044: only keys that recipient-emails names for the fetching user's address.
  const std::vector<Bytes> rids = crypto::rids_for_address(p.emails, who.address);
  if (rids.empty()) {
    facts.decryption_failure = kim::DecryptionFailure::not_addressed;
    co_return early(facts, message, who.address, "recipient-emails names no key for the address");
  }
  const CardSearch search = co_await deps.cards.card_for_rids(who.context, who.address, rids);
  if (!search.found) {
    facts.decryption_failure = decryption_failure_of(search.problem);
    co_return early(facts, message, who.address,
                    std::string("card ") + std::string(card_problem_name(search.problem)) + ": " + search.detail);
  }
  const std::string handle = search.found->card.handle;
  const konnektor::Crypt key = search.found->key;
  auto decrypted = co_await deps.konnektor.decrypt_document(who.context, handle, p.der, key);
  wipe(p.der);
  if (!decrypted.ok()) {
    facts.decryption_failure = decryption_failure_of(decrypted.error);
    co_return early(facts, message, who.address,
                    "DecryptDocument: " + std::to_string(decrypted.error.code) + " " + decrypted.error.text);
  }
  Bytes entity = std::move(*decrypted.value);
  const auto do_read = [&message, &entity, &p] {
    return kim::read_decrypted_entity(message, as_text(entity), p.emails);
  };
  kim::DecryptedEntity e = co_await net::run_blocking(deps.pool, do_read);
  wipe(entity);
  std::string detail = e.detail;
  if (e.facts.signed_entity && e.facts.signed_data_readable) {
    const auto verified = co_await deps.konnektor.verify_document(who.context, e.signed_der);
    if (!verified.ok() && problem_of(verified.error) == CardProblem::unavailable) {
      kim::wipe(e);
      facts.decryption_failure = kim::DecryptionFailure::konnektor_unreachable;
      co_return early(facts, message, who.address,
                      "VerifyDocument unreachable: " + std::to_string(verified.error.code));
    }
    // An error the Konnektor answers instead of a verdict is unmappable (06).
    e.facts.verdict =
        verified.ok() ? kim::signature_verdict_of(verified.value->code) : kim::SignatureVerdict::unmappable;
    detail = verified.ok() ? "verify code " + std::to_string(verified.value->code) + " " + verified.value->detail
                           : "VerifyDocument: " + std::to_string(verified.error.code) + " " + verified.error.text;
  }
  facts.integrity = e.facts;
  const kim::ReceiveDecision decision = kim::decide_receive(facts);
  if (decision.mail == kim::ReceivedMail::delivered) {
    const auto inner_raw = kim::parse_raw_message(e.inner);
    if (inner_raw && !kim::xkas_parts(*inner_raw).empty()) {
      // §5.7: the client mail is at the sender's KAS; never deliver the reference as the mail.
      static const KasAccess no_kas;
      ReceiveOutcome kas = co_await receive_kas(deps.kas != nullptr ? *deps.kas : no_kas, deps.pool,
                                                deps.provider_check, who, message, e.inner, decision.integrity_result);
      kim::wipe(e);
      co_return kas;
    }
  }
  const auto compose = [&message, &e, &decision, &who, &facts] {
    return kim::received_mail(decision, message, e.inner, who.address, facts.version, generated_now());
  };
  std::string mail = co_await net::run_blocking(deps.pool, compose);
  kim::wipe(e);
  ReceiveOutcome out;
  out.mail = std::move(mail);
  out.decryption_result = decision.decryption_result;
  out.integrity_result = decision.integrity_result;
  out.detail = std::move(detail);
  co_return out;
}

}  // namespace kimgate::daemon
