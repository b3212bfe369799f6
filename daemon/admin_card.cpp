#include "daemon/admin_card.h"

#include <spdlog/spdlog.h>

#include "crypto/certificate.h"

namespace kimgate::daemon {

using konnektor::CallContext;
using net::awaitable;

CallContext context_from_pattern(const std::string& pattern) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t slash = pattern.find('/', start);
    parts.push_back(pattern.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) {
      break;
    }
    start = slash + 1;
  }
  parts.resize(3);
  for (auto& p : parts) {
    if (p.empty() || p == "*") {
      p = "kimgate-admin";
    }
  }
  return CallContext{parts[0], parts[1], parts[2], ""};
}

std::vector<CardOffer> AdminCards::offers() const {
  std::vector<CardOffer> out;
  for (const auto& [id, k] : konnektors_) {
    const auto listed = k->card_status();
    if (!listed) {
      continue;
    }
    for (const auto& c : *listed) {
      if (c.type != konnektor::CardType::smc_b && c.type != konnektor::CardType::hba) {
        continue;
      }
      CardOffer o{c.iccsn, std::string(konnektor::card_type_name(c.type)), c.holder, id, ""};
      if (!c.contexts.empty()) {
        const CallContext ctx = context_from_pattern(c.contexts.front());
        o.context = ctx.mandant_id + "/" + ctx.client_system_id + "/" + ctx.workplace_id;
      }
      out.push_back(std::move(o));
    }
  }
  return out;
}

std::optional<CallContext> AdminCards::context_of(const std::string& konnektor_id, const std::string& iccsn,
                                                  const CallContext& asked) const {
  CallContext ctx = asked;
  if (ctx.mandant_id.empty()) {
    const auto it = konnektors_.find(konnektor_id);
    const auto listed = it == konnektors_.end() ? std::nullopt : it->second->card_status();
    if (!listed) {
      return std::nullopt;  // a SOAP Konnektor: the request must name the context
    }
    bool found = false;
    for (const auto& c : *listed) {
      if (c.iccsn == iccsn && !c.contexts.empty()) {
        ctx = context_from_pattern(c.contexts.front());
        found = true;
        break;
      }
    }
    if (!found) {
      return std::nullopt;
    }
  }
  if (ctx.user_id.empty()) {
    for (const auto& k : config_.konnektors) {
      for (const auto& c : k.cards) {
        if (k.id == konnektor_id && c.iccsn == iccsn) {
          ctx.user_id = c.user_id;
        }
      }
    }
  }
  return ctx;
}

awaitable<AdminCardResult> AdminCards::open(const std::string& iccsn, const CallContext& asked) {
  AdminCardResult r;
  if (iccsn.empty()) {
    r.error = "no card was named (its ICCSN, see kimctl card list)";
    co_return r;
  }
  std::string last_problem;
  for (const auto& [id, k] : konnektors_) {
    const std::optional<CallContext> ctx = context_of(id, iccsn, asked);
    if (!ctx) {
      continue;
    }
    const auto cards = co_await k->get_cards(*ctx);
    if (!cards.ok()) {
      last_problem =
          "Konnektor " + id + " answered GetCards with " + std::to_string(cards.error.code) + " " + cards.error.text;
      continue;
    }
    const konnektor::Card* card = nullptr;
    for (const auto& c : *cards.value) {
      if (c.iccsn == iccsn) {
        card = &c;
      }
    }
    if (card == nullptr) {
      continue;
    }
    const std::optional<KonnektorRoutes::Route> route = routes_.route(id);
    if (!route) {
      continue;
    }
    const FoundCard candidate{*card, konnektor::Crypt::rsa};
    const CardSearch unlocked = co_await route->cards->unlocked(*ctx, candidate);
    if (!unlocked.found) {
      r.error = "card " + iccsn + " cannot be used: " + unlocked.detail;
      co_return r;
    }
    AdminCard out;
    out.konnektor_id = id;
    out.konnektor = k.get();
    out.finder = route->cards;
    out.context = *ctx;
    out.card = *card;
    out.holder = card->holder;
    auto certs = co_await k->read_card_certificate(*ctx, card->handle, konnektor::CertRef::aut, konnektor::Crypt::rsa);
    if (!certs.ok() && route->cards->ecc_capable()) {
      out.crypt = konnektor::Crypt::ecc;
      certs = co_await k->read_card_certificate(*ctx, card->handle, konnektor::CertRef::aut, konnektor::Crypt::ecc);
    }
    if (!certs.ok() || certs.value->empty()) {
      r.error = "the AUT certificate of card " + iccsn + " cannot be read: " + std::to_string(certs.error.code) + " " +
                certs.error.text;
      co_return r;
    }
    auto parsed = crypto::certificate_from_der(certs.value->front().der);
    if (!parsed.ok()) {
      r.error = "the AUT certificate of card " + iccsn + " is not readable: " + parsed.error;
      co_return r;
    }
    out.aut = std::move(*parsed.value);
    const auto admission = crypto::admission_of(out.aut);
    if (!admission.ok() || admission.value->telematik_id.empty()) {
      r.error = "the AUT certificate of card " + iccsn + " carries no Telematik-ID (admission extension)";
      co_return r;
    }
    out.telematik_id = admission.value->telematik_id;
    r.card = std::move(out);
    co_return r;
  }
  r.error = "no Konnektor shows a card with ICCSN " + iccsn +
            (last_problem.empty() ? std::string(" (is it inserted? kimctl card list)") : " (" + last_problem + ")");
  co_return r;
}

awaitable<konnektor::Outcome<konnektor::Bytes>> AdminCards::sign_digest(const AdminCard& card,
                                                                        const konnektor::Bytes& digest) {
  const konnektor::SignatureScheme scheme = card.crypt == konnektor::Crypt::ecc
                                                ? konnektor::SignatureScheme::ecdsa_sha256
                                                : konnektor::SignatureScheme::rsassa_pss_sha256;
  auto signed_digest = co_await card.konnektor->external_authenticate(card.context, card.card.handle, digest, scheme);
  if (!signed_digest.ok()) {
    spdlog::warn("event=external_authenticate_failed iccsn={} code={} reason=\"{}\"", card.card.iccsn,
                 signed_digest.error.code, signed_digest.error.text);
  }
  co_return signed_digest;
}

}  // namespace kimgate::daemon
