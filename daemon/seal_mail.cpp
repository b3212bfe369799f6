#include "daemon/seal_mail.h"

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include "crypto/ossl.h"
#include "kim/send_mail.h"
#include "net/run_blocking.h"

namespace kimgate::daemon {

using net::awaitable;
using smtp::Answer;

kim::OuterOptions outer_options(const OuterSettings& settings, const SealParty& party, std::string kom_le_version,
                                std::chrono::system_clock::duration retention) {
  kim::OuterOptions o;
  o.kom_le_version = std::move(kom_le_version);
  o.cm_version = settings.cm_version;
  o.pt_version = settings.pt_version;
  o.kon_version = konnektor::kon_version_header(party.konnektor.konnektor->product_information());
  o.expires = kim::rfc5322_date(std::chrono::system_clock::now() + retention);
  return o;
}

awaitable<SealedInner> seal_inner(const SealParty& party, const Recipients& recipients, std::string_view econtent,
                                  const kim::OuterOptions& outer) {
  SealedInner out;
  const std::optional<std::string_view> inner = kim::inner_mail_of(econtent);
  if (!inner) {
    out.refusal = Answer{451, "4.3.0", "Internal error: the mail to sign is not a message/rfc822 entity"};
    co_return out;
  }
  SealInput seal;
  seal.konnektor = party.konnektor.konnektor;
  seal.cards = party.konnektor.cards;
  seal.context = party.context;
  seal.econtent = econtent;
  seal.targets = recipients.encryption;
  seal.sender_telematik_id = recipients.sender_telematik_id;
  seal.sender_is_hba = recipients.sender_is_hba;
  seal.pool = party.pool;
  SealOutput sealed = co_await sign_and_encrypt(seal);
  if (sealed.refusal) {
    out.refusal = std::move(sealed.refusal);
    co_return out;
  }
  // The header section first, then the AuthEnvelopedData's base64 lines appended in place.
  const auto build_outer = [&inner, &sealed, &outer] {
    std::optional<std::string> message =
        kim::outer_message_head(*inner, outer, crypto::base64_lines_size(sealed.enveloped.size()));
    if (message) {
      crypto::base64_append_lines(sealed.enveloped, *message);
    }
    return message;
  };
  std::optional<std::string> built = co_await net::run_blocking_or_here(party.pool, build_outer);
  if (!built) {
    out.refusal = Answer{451, "4.3.0", "Internal error: the outer KIM message could not be built"};
    co_return out;
  }
  out.outer = std::move(*built);
  co_return out;
}

awaitable<SealedMail> seal_client_mail(const SealParty& party, const OuterSettings& settings,
                                       const smtp::Envelope& envelope, std::shared_ptr<std::string> message,
                                       const kim::RawMessage& mail) {
  SealedMail out;
  const bool ecc = party.konnektor.cards->ecc_capable();
  CertificateCheck check{party.konnektor.konnektor, party.context, party.verdicts};
  Recipients recipients = co_await look_up_recipients(*party.directory, envelope, ecc, check);
  if (recipients.refusal) {
    out.refusal = std::move(recipients.refusal);
    co_return out;
  }
  if (recipients.deliverable.empty()) {
    out.refusal = Answer{451, "4.7.5",
                         "No recipient could be encrypted for: no valid encryption certificate was found for any "
                         "recipient in the VZD (KOM-LE-A_2025)"};
    co_return out;
  }
  std::vector<std::string> keep;
  for (const auto& r : recipients.deliverable) {
    keep.push_back(r.address);
  }
  const kim::Generated identity = kim::generate_identity(kim::mail_domain(envelope.mail_from));
  const auto prepare = [&mail, &keep, &identity] {
    return kim::prepare_inner(mail, kim::PrepareOptions{keep, identity.message_id, kim::kSignedContentHeader});
  };
  kim::Prepared inner = co_await net::run_blocking_or_here(party.pool, prepare);
  // The client mail is not needed any more once prepared: keep what the DSN needs, free the rest
  // (a 15 MiB mail passes through several copies on its way to the Konnektor).
  const std::string message_id = kim::header_value(mail, "Message-ID").value_or(identity.message_id);
  const std::string original_date = kim::header_value(mail, "Date").value_or("");
  OPENSSL_cleanse(message->data(), message->size());
  message->clear();
  message->shrink_to_fit();
  const kim::OuterOptions outer = outer_options(settings, party, "1.0", settings.retention);
  SealedInner sealed = co_await seal_inner(party, recipients, inner.mail, outer);
  OPENSSL_cleanse(inner.mail.data(), inner.mail.size());
  if (sealed.refusal) {
    out.refusal = std::move(sealed.refusal);
    co_return out;
  }
  Outgoing& o = out.outgoing;
  o.kim_message.envelope.mail_from = envelope.mail_from;
  o.kim_message.envelope.params = kim::with_size_parameter(envelope.params, sealed.outer.size());
  o.kim_message.envelope.recipients = recipients.deliverable;
  o.kim_message.message = std::move(sealed.outer);
  o.dropped = std::move(recipients.dropped);
  o.message_id = message_id;
  o.original_date = original_date;
  spdlog::info("event=kim_message_built message_id={} recipients={} dropped={} size={}", o.message_id,
               o.kim_message.envelope.recipients.size(), o.dropped.size(), o.kim_message.message.size());
  co_return out;
}

}  // namespace kimgate::daemon
