#include "daemon/receive_pipeline.h"

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include "crypto/auth_enveloped.h"
#include "crypto/ossl.h"
#include "crypto/signed_data.h"
#include "kim/kom_le.h"
#include "kim/raw_message.h"
#include "kim/send_mail.h"
#include "net/run_blocking.h"

namespace kimgate::daemon {

using crypto::Bytes;
using net::awaitable;

namespace {

std::string_view as_text(const Bytes& b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

void wipe(std::string& s) {
  OPENSSL_cleanse(s.data(), s.size());
  s.clear();
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
  if (p.version != "1.0" && p.version != "1.5") {
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

// What the decrypted entity holds, read locally; the signature verdict is the Konnektor's.
struct Analysed {
  bool signed_entity = false;  // an application/pkcs7-mime signed-data entity
  Bytes signed_der;
  std::string inner;  // the inner mail, or the decrypted entity when there is none
  bool inner_is_mail = false;
  bool headers_match = false;
  bool emails_match = false;
  std::string detail;
};

Analysed analyse(const std::string& outer, const Bytes& entity,
                 const std::vector<crypto::RecipientEmail>& unsigned_emails) {
  Analysed a;
  const auto der = kim::signed_data_of(as_text(entity));
  if (!der) {
    a.inner.assign(as_text(entity));
    a.detail = "the decrypted content is not a signed-data entity";
    return a;
  }
  a.signed_entity = true;
  a.signed_der.assign(der->begin(), der->end());
  crypto::VerifiedSignedData v = crypto::verify_signed_data(crypto::der::view(a.signed_der));
  const auto mail = kim::inner_mail_of(as_text(v.content));
  a.inner_is_mail = mail.has_value();
  a.inner = mail ? std::string(*mail) : std::string(as_text(entity));
  a.headers_match = a.inner_is_mail && kim::outer_inner_headers_match(outer, a.inner);
  a.emails_match = v.has_recipient_emails && crypto::same_recipient_emails(v.recipient_emails, unsigned_emails);
  a.detail = v.detail;
  wipe(v.content);
  return a;
}

ReceiveOutcome decryption_failure(const std::string& message, std::string_view id, const std::string& address,
                                  std::string detail) {
  ReceiveOutcome o;
  o.decryption_result = std::string(id);
  o.mail = kim::decryption_error_mail(message, id, address, generated_now());
  o.detail = std::move(detail);
  return o;
}

}  // namespace

std::string_view decryption_result_of(CardProblem p) {
  return p == CardProblem::unavailable ? "03" : "01";
}

std::string_view decryption_result_of(const konnektor::Error& e) {
  using Kind = konnektor::Error::Kind;
  switch (e.kind) {
    case Kind::document:
      return "02";
    case Kind::unavailable:
    case Kind::timeout:
    case Kind::busy:
      return "03";
    default:
      return "01";
  }
}

std::string integrity_result(int verify_code, bool headers_match, bool recipient_emails_match) {
  const std::string id(konnektor::integrity_result_id(verify_code));
  if (id != "01" && id != "07") {
    return id;
  }
  if (!headers_match) {
    return "08";
  }
  if (!recipient_emails_match) {
    return "09";
  }
  return id;
}

kim::Generated generated_now() {
  return kim::generate_identity("kimgate.invalid");
}

awaitable<ReceiveOutcome> process_retrieved(const ReceiveDeps& deps, const Recipient& who, const std::string& message) {
  const auto do_prepare = [&message] { return prepare(message); };
  Prepared p = co_await net::run_blocking(deps.pool, do_prepare);
  if (p.kind == Prepared::Kind::not_kim) {
    co_return ReceiveOutcome{message, "", "", "not a KIM message"};
  }
  if (p.kind == Prepared::Kind::bad_version) {
    co_return ReceiveOutcome{kim::version_error_mail(message, p.version, generated_now()), "4008", "",
                             "unsupported X-KOM-LE-Version"};
  }
  if (p.kind == Prepared::Kind::format) {
    co_return decryption_failure(message, "02", who.address, p.detail);
  }
  // KOM-LE-A_2043/2044: only keys that recipient-emails names for the fetching user's address.
  const std::vector<Bytes> rids = crypto::rids_for_address(p.emails, who.address);
  if (rids.empty()) {
    co_return decryption_failure(message, "01", who.address, "recipient-emails names no key for the address");
  }
  const CardSearch search = co_await deps.cards.card_for_rids(who.context, who.address, rids);
  if (!search.found) {
    co_return decryption_failure(
        message, decryption_result_of(search.problem), who.address,
        std::string("card ") + std::string(card_problem_name(search.problem)) + ": " + search.detail);
  }
  const std::string handle = search.found->card.handle;
  const konnektor::Crypt key = search.found->key;
  auto decrypted = co_await deps.konnektor.decrypt_document(who.context, handle, p.der, key);
  wipe(p.der);
  if (!decrypted.ok()) {
    const std::string detail = "DecryptDocument: " + std::to_string(decrypted.error.code) + " " + decrypted.error.text;
    co_return decryption_failure(message, decryption_result_of(decrypted.error), who.address, detail);
  }
  Bytes entity = std::move(*decrypted.value);
  const auto do_analyse = [&message, &entity, &p] { return analyse(message, entity, p.emails); };
  Analysed a = co_await net::run_blocking(deps.pool, do_analyse);
  wipe(entity);
  std::string id = "03";  // §5.6: no signed-data entity means the signature is missing (4253)
  std::string detail = a.detail;
  if (a.signed_entity) {
    const auto verified = co_await deps.konnektor.verify_document(who.context, a.signed_der);
    if (!verified.ok() && problem_of(verified.error) == CardProblem::unavailable) {
      wipe(a.inner);
      wipe(a.signed_der);
      co_return decryption_failure(message, "03", who.address,
                                   "VerifyDocument unreachable: " + std::to_string(verified.error.code));
    }
    const int code = verified.ok() ? verified.value->code : -1;  // -1: an unmappable Konnektor error (06)
    id = integrity_result(code, a.headers_match, a.emails_match);
    if (!a.inner_is_mail && (id == "01" || id == "07")) {
      id = "04";  // the signed content is not a message/rfc822 entity
    }
    detail = verified.ok() ? "verify code " + std::to_string(code) + " " + verified.value->detail
                           : "VerifyDocument: " + std::to_string(verified.error.code) + " " + verified.error.text;
  }
  const bool ok = id == "01" || id == "07";
  const auto compose = [&message, &a, &id, ok] {
    return ok ? kim::delivered_mail(message, a.inner, id)
              : kim::integrity_error_mail(message, a.inner, id, generated_now());
  };
  std::string mail = co_await net::run_blocking(deps.pool, compose);
  wipe(a.inner);
  wipe(a.signed_der);
  co_return ReceiveOutcome{std::move(mail), "00", id, detail};
}

}  // namespace kimgate::daemon
