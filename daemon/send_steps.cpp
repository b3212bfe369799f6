#include "daemon/send_steps.h"

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "crypto/certificate.h"
#include "crypto/ossl.h"
#include "crypto/recipient_emails.h"
#include "kim/kom_le.h"
#include "ldap/directory.h"
#include "net/run_blocking.h"

namespace kimgate::daemon {

using net::awaitable;
using smtp::Answer;

namespace {

std::string dropped_sentence(const ldap::Selection& s) {
  switch (s.outcome) {
    case ldap::SelectionOutcome::not_found:
      return "no VZD entry carries this KIM address";
    case ldap::SelectionOutcome::no_enc_certificate:
      return "the VZD holds no valid encryption certificate (C.HCI.ENC / C.HP.ENC) for this address";
    case ldap::SelectionOutcome::different_telematik_ids: {
      std::string ids;
      for (const auto& id : s.telematik_ids) {
        ids += (ids.empty() ? "" : ", ") + id;
      }
      return "the encryption certificates of this address carry different TelematikIDs (" + ids + ")";
    }
    case ldap::SelectionOutcome::ok:
      break;
  }
  return "no usable encryption certificate";
}

std::vector<crypto::Bytes> certificates_of(const ldap::Selection& s) {
  std::vector<crypto::Bytes> out;
  for (const auto& c : s.certificates) {
    out.emplace_back(c.der.begin(), c.der.end());
  }
  return out;
}

// A string's bytes as the Konnektor takes a document: a view, not a copy.
konnektor::ByteView bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// Wipes a buffer that held (a form of) the mail and gives its memory back.
template <typename Buffer>
void release(Buffer& b) {
  OPENSSL_cleanse(b.data(), b.size());
  b.clear();
  b.shrink_to_fit();
}

}  // namespace

std::optional<Answer> check_sender(const kim::RawMessage& mail, const std::string& mail_from) {
  const auto from = kim::header_value(mail, "From");
  if (!from) {
    return Answer{550, "5.6.0", "The mail has no From field; it must name <" + mail_from + ">"};
  }
  const auto from_addresses = kim::addr_specs(*from);
  if (from_addresses.size() != 1 || !kim::iequals(from_addresses.front(), mail_from)) {
    return Answer{550, "5.7.1",
                  "The From field must name exactly the sender <" + mail_from +
                      "> given in MAIL FROM; the KIM provider refuses anything else (A_23422)"};
  }
  const auto sender = kim::header_value(mail, "Sender");
  if (sender) {
    const auto sender_addresses = kim::addr_specs(*sender);
    if (sender_addresses.size() != 1 || !kim::iequals(sender_addresses.front(), mail_from)) {
      return Answer{550, "5.7.1",
                    "The Sender field must be <" + mail_from + "> as in MAIL FROM (A_23422), or be left out"};
    }
  }
  return std::nullopt;
}

namespace {

// The chosen certificates the Konnektor does not find invalid.
awaitable<std::vector<ldap::CertInfo>> verified(std::vector<ldap::CertInfo> chosen, const std::string& address,
                                                CertificateCheck& check) {
  std::vector<ldap::CertInfo> kept;
  for (ldap::CertInfo& c : chosen) {
    const CertificateVerdicts::Verdict v =
        co_await check.verdicts->verify(*check.konnektor, check.context, c.der, c.sha256_hex, c.not_after);
    if (v.result == konnektor::CertificateVerification::invalid) {
      spdlog::warn("event=recipient_certificate_invalid rcpt={} sha256={} serial={}", address, c.sha256_hex,
                   c.serial_hex);
      continue;
    }
    if (v.result == konnektor::CertificateVerification::inconclusive) {
      spdlog::warn("event=recipient_certificate_inconclusive rcpt={} sha256={} detail=\"{}\"", address, c.sha256_hex,
                   v.error);
    }
    kept.push_back(std::move(c));
  }
  co_return kept;
}

}  // namespace

awaitable<Recipients> look_up_recipients(ldap::Directory& directory, const smtp::Envelope& envelope, bool ecc_capable,
                                         CertificateCheck check) {
  Recipients out;
  std::string sender = envelope.mail_from;
  ldap::AddressLookup own = co_await directory.lookup_address(sender, ecc_capable);
  if (!own.ok()) {
    out.refusal = Answer{451, "4.4.3", "The VZD could not be asked for the sender's certificates: " + own.detail};
    co_return out;
  }
  if (!own.selection.ok()) {
    out.refusal = Answer{553, "5.1.8",
                         "The sender <" + sender + "> has no usable encryption certificate in the VZD: " +
                             dropped_sentence(own.selection) + "; KIM messages are encrypted for the sender too"};
    co_return out;
  }
  out.encryption.push_back(EncryptionTarget{sender, certificates_of(own.selection)});
  out.sender_telematik_id = own.selection.telematik_id;
  out.sender_is_hba = own.selection.certificates.front().type() == ldap::CertType::hp_enc;
  std::vector<std::string> seen;
  for (const smtp::Recipient& r : envelope.recipients) {
    const bool duplicate =
        std::any_of(seen.begin(), seen.end(), [&](const std::string& s) { return kim::iequals(s, r.address); });
    if (duplicate) {
      continue;
    }
    seen.push_back(r.address);
    std::string address = r.address;
    ldap::AddressLookup found = co_await directory.lookup_address(address, ecc_capable);
    if (!found.ok()) {
      out.refusal =
          Answer{451, "4.4.3", "The VZD could not be asked for the certificates of <" + address + ">: " + found.detail};
      co_return out;
    }
    if (!found.selection.ok()) {
      const std::string code(ldap::kim_error_code(found.selection.outcome));
      const std::string status = found.selection.outcome == ldap::SelectionOutcome::not_found ? "5.1.1" : "5.7.5";
      spdlog::info("event=recipient_dropped rcpt={} code={} reason={}", address, code,
                   ldap::to_string(found.selection.outcome));
      out.dropped.push_back(kim::DsnRecipient{address, code, status, dropped_sentence(found.selection), ""});
      continue;
    }
    if (check.konnektor != nullptr && check.verdicts != nullptr && !kim::iequals(address, sender)) {
      std::vector<ldap::CertInfo> chosen = std::move(found.selection.certificates);
      found.selection.certificates = co_await verified(std::move(chosen), address, check);
      if (found.selection.certificates.empty()) {
        spdlog::info("event=recipient_dropped rcpt={} code=4003 reason=certificate_invalid", address);
        out.dropped.push_back(kim::DsnRecipient{
            address, "4003", "5.7.5",
            "the Konnektor found every encryption certificate of this address invalid (revoked, or not issued in "
            "the TI)",
            ""});
        continue;
      }
    }
    out.deliverable.push_back(r);
    if (!kim::iequals(address, sender)) {
      out.encryption.push_back(EncryptionTarget{address, certificates_of(found.selection)});
    }
  }
  co_return out;
}

Answer signing_card_refusal(const CardSearch& s, const std::string& telematik_id) {
  switch (s.problem) {
    case CardProblem::context:
      return Answer{501, "5.5.4", "The Konnektor rejected the call context while looking for the SMC-B: " + s.detail};
    case CardProblem::unavailable:
      return Answer{451, "4.4.1", "The Konnektor is not available for signing: " + s.detail};
    case CardProblem::pin:
      return Answer{451, "4.7.0", "The SMC-B cannot sign: its PIN is not verified (KOM-LE-A_2058): " + s.detail};
    case CardProblem::not_found:
    case CardProblem::none:
      break;
  }
  const std::string which = telematik_id.empty()
                                ? std::string("No SMC-B")
                                : "No SMC-B of the sender's institution (TelematikID " + telematik_id + ")";
  return Answer{451, "4.7.0",
                which + " is available to sign for this call context (KOM-LE-A_2057); insert the practice's SMC-B"};
}

Answer konnektor_refusal(const konnektor::Error& e, std::string_view what) {
  const std::string cause = std::to_string(e.code) + " " + e.text;
  using Kind = konnektor::Error::Kind;
  switch (e.kind) {
    case Kind::context:
      return Answer{501, "5.5.4", "The Konnektor rejected the call context during " + std::string(what) + ": " + cause};
    case Kind::unavailable:
    case Kind::timeout:
      return Answer{451, "4.4.1", "The Konnektor is not available for " + std::string(what) + ": " + cause};
    case Kind::card:
    case Kind::pin:
    case Kind::busy:
      return Answer{451, "4.7.0", "The SMC-B could not be used for " + std::string(what) + ": " + cause};
    case Kind::document:
    case Kind::other:
      break;
  }
  return Answer{451, "4.3.0", "The Konnektor refused " + std::string(what) + ": " + cause};
}

awaitable<SealOutput> sign_and_encrypt(const SealInput& in) {
  SealOutput out;
  konnektor::Konnektor& k = *in.konnektor;
  // recipient-emails: one entry per certificate, the sender's included (KOM-LE-A_2114-01).
  std::vector<crypto::RecipientEmail> entries;
  std::vector<konnektor::Bytes> certificates;
  for (const EncryptionTarget& t : in.targets) {
    for (const crypto::Bytes& cert : t.certificates) {
      crypto::Result<crypto::Bytes> rid = crypto::issuer_and_serial(cert);
      if (!rid.ok()) {
        out.refusal = Answer{451, "4.7.5", "An encryption certificate of <" + t.address + "> is unreadable"};
        co_return out;
      }
      entries.push_back(crypto::RecipientEmail{t.address, *rid.value});
      certificates.push_back(cert);
    }
  }
  const konnektor::Bytes recipient_emails = crypto::encode_recipient_emails(entries);

  // The SMC-B of the sender's institution (KOM-LE-A_2020, KOM-LE-A_2052): never an HBA. An
  // eHBA-bound mailbox has the HBA's TelematikID: then the first SMC-B of the context signs.
  const konnektor::CallContext ctx = in.context;
  const std::string telematik_id = in.sender_is_hba ? std::string() : in.sender_telematik_id;
  CardSearch search = co_await in.cards->signing_smcb(ctx, telematik_id);
  if (!search.found) {
    out.refusal = signing_card_refusal(search, telematik_id);
    co_return out;
  }
  const std::string handle = search.found->card.handle;
  // The mail exists in three forms one after the other: the caller's eContent, the SignedData, the
  // signed-data entity. Each plaintext form is wiped and freed as soon as the next one exists.
  const konnektor::Crypt crypt = konnektor::Crypt::rsa;
  konnektor::Outcome<konnektor::Bytes> signed_data =
      co_await k.sign_document(ctx, handle, bytes_of(in.econtent), recipient_emails, crypt);
  if (!signed_data.ok()) {
    out.refusal = konnektor_refusal(signed_data.error, "signing (SignDocument)");
    co_return out;
  }
  const konnektor::Bytes& signed_der = *signed_data.value;
  auto make_entity = [&signed_der] {
    return kim::signed_data_entity(
        std::string_view(reinterpret_cast<const char*>(signed_der.data()), signed_der.size()));
  };
  std::string entity = co_await net::run_blocking_or_here(in.pool, std::move(make_entity));
  release(*signed_data.value);
  konnektor::Outcome<konnektor::Bytes> enveloped =
      co_await k.encrypt_document(ctx, bytes_of(entity), certificates, recipient_emails);
  release(entity);
  if (!enveloped.ok()) {
    out.refusal = konnektor_refusal(enveloped.error, "encryption (EncryptDocument)");
    co_return out;
  }
  // Ciphertext from here on: nothing to wipe.
  out.enveloped = std::move(*enveloped.value);
  co_return out;
}

}  // namespace kimgate::daemon
