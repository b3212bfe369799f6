#include "daemon/card_finder.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "crypto/certificate.h"
#include "crypto/ossl.h"

namespace kimgate::daemon {

using konnektor::Bytes;
using konnektor::Card;
using konnektor::CardType;
using konnektor::Crypt;
using net::awaitable;

std::string_view card_problem_name(CardProblem p) {
  switch (p) {
    case CardProblem::none:
      return "none";
    case CardProblem::not_found:
      return "not_found";
    case CardProblem::pin:
      return "pin";
    case CardProblem::unavailable:
      return "unavailable";
    case CardProblem::context:
      return "context";
  }
  return "?";
}

CardProblem problem_of(const konnektor::Error& e) {
  using Kind = konnektor::Error::Kind;
  switch (e.kind) {
    case Kind::context:
      return CardProblem::context;
    case Kind::pin:
      return CardProblem::pin;
    case Kind::busy:
    case Kind::unavailable:
    case Kind::timeout:
      return CardProblem::unavailable;
    case Kind::card:
    case Kind::document:
    case Kind::other:
      return CardProblem::not_found;
  }
  return CardProblem::not_found;
}

std::optional<std::size_t> matching_certificate(const std::vector<Bytes>& certificates,
                                                const std::vector<Bytes>& rids) {
  for (std::size_t i = 0; i < certificates.size(); ++i) {
    const auto ias = crypto::issuer_and_serial(certificates[i]);
    if (ias.ok() && std::find(rids.begin(), rids.end(), *ias.value) != rids.end()) {
      return i;
    }
  }
  return std::nullopt;
}

namespace {

CardSearch failed(CardProblem p, const konnektor::Error& e, const std::string& what) {
  CardSearch s;
  s.problem = p;
  s.code = e.code;
  s.detail = what + ": " + std::to_string(e.code) + " " + e.text;
  return s;
}

CardSearch failed(CardProblem p, const std::string& what) {
  CardSearch s;
  s.problem = p;
  s.detail = what;
  return s;
}

bool usable(const Card& c) {
  return c.type == CardType::smc_b || c.type == CardType::hba;
}

}  // namespace

CardFinder::CardFinder(konnektor::Konnektor& konnektor, bool ecc_capable, std::chrono::milliseconds ttl,
                       std::size_t max_entries)
    : konnektor_(konnektor), ecc_(ecc_capable), ttl_(ttl), max_entries_(std::max<std::size_t>(max_entries, 1)) {}

std::string CardFinder::cache_key(const std::string& address, const Bytes& rid) {
  std::string key;
  key.reserve(address.size() + 1 + rid.size());
  for (char c : address) {
    key.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c);
  }
  key.push_back('\n');
  key.append(rid.begin(), rid.end());
  return key;
}

void CardFinder::remember(const std::string& key, const Remembered& r) {
  const auto now = std::chrono::steady_clock::now();
  if (cache_.size() >= max_entries_) {
    std::erase_if(cache_, [now](const auto& e) { return e.second.expires <= now; });
  }
  if (cache_.size() >= max_entries_) {
    cache_.clear();  // bounded: a full cache of live entries starts over rather than grow
  }
  cache_[key] = r;
}

awaitable<std::optional<Crypt>> CardFinder::matching_key(const konnektor::CallContext& ctx, const Card& card,
                                                         const std::vector<Bytes>& rids,
                                                         std::optional<konnektor::Error>& failure) {
  std::vector<Crypt> keys{Crypt::rsa};
  if (ecc_) {
    keys.push_back(Crypt::ecc);  // A_17472: ECC ENC certificates only with an ECC-capable Konnektor
  }
  for (const Crypt key : keys) {
    const std::string handle = card.handle;
    const konnektor::CertRef ref = konnektor::CertRef::enc;
    const auto certs = co_await konnektor_.read_card_certificate(ctx, handle, ref, key);
    if (!certs.ok()) {
      // 4209 (no such key) and 4003 (eHBA without its UserId) only rule this card out.
      if (problem_of(certs.error) == CardProblem::unavailable) {
        failure = certs.error;
      }
      continue;
    }
    std::vector<Bytes> ders;
    for (const auto& c : *certs.value) {
      ders.push_back(c.der);
    }
    if (matching_certificate(ders, rids)) {
      co_return key;
    }
  }
  co_return std::nullopt;
}

awaitable<CardSearch> CardFinder::card_for_rids(const konnektor::CallContext& ctx, const std::string& address,
                                                const std::vector<Bytes>& rids) {
  const auto cards = co_await konnektor_.get_cards(ctx);
  if (!cards.ok()) {
    co_return failed(problem_of(cards.error), cards.error, "GetCards");
  }
  const auto now = std::chrono::steady_clock::now();
  for (const Bytes& rid : rids) {
    const auto hit = cache_.find(cache_key(address, rid));
    if (hit == cache_.end() || hit->second.expires <= now) {
      continue;
    }
    for (const Card& card : *cards.value) {
      if (card.iccsn == hit->second.iccsn && usable(card)) {
        spdlog::debug("event=card_cache result=hit iccsn={}", card.iccsn);
        const FoundCard remembered{card, hit->second.key};
        CardSearch unlocked_card = co_await unlocked(ctx, remembered);
        co_return unlocked_card;
      }
    }
  }
  std::optional<konnektor::Error> failure;
  for (const Card& card : *cards.value) {
    if (!usable(card)) {
      continue;
    }
    const std::optional<Crypt> key = co_await matching_key(ctx, card, rids, failure);
    if (!key) {
      continue;
    }
    for (const Bytes& rid : rids) {
      remember(cache_key(address, rid), Remembered{card.iccsn, *key, now + ttl_});
    }
    const FoundCard matched{card, *key};
    CardSearch unlocked_card = co_await unlocked(ctx, matched);
    co_return unlocked_card;
  }
  if (failure) {
    co_return failed(CardProblem::unavailable, *failure, "ReadCardCertificate");
  }
  co_return failed(CardProblem::not_found, "no card visible to the context holds an ENC key named in recipient-emails");
}

awaitable<std::string> CardFinder::telematik_id_of(const konnektor::CallContext& ctx, const Card& card) {
  const auto known = telematik_ids_.find(card.iccsn);
  if (known != telematik_ids_.end()) {
    co_return known->second;
  }
  const konnektor::CertRef ref = konnektor::CertRef::enc;
  const Crypt crypt = Crypt::rsa;
  const std::string handle = card.handle;
  const auto certs = co_await konnektor_.read_card_certificate(ctx, handle, ref, crypt);
  if (!certs.ok() || certs.value->empty()) {
    co_return std::string();
  }
  std::string id;
  const auto cert = crypto::certificate_from_der(certs.value->front().der);
  if (cert.ok()) {
    const auto admission = crypto::admission_of(*cert.value);
    if (admission.ok()) {
      id = admission.value->telematik_id;
    }
  }
  if (telematik_ids_.size() >= max_entries_) {
    telematik_ids_.clear();
  }
  telematik_ids_[card.iccsn] = id;  // a card's certificates do not change while its ICCSN stays
  co_return id;
}

awaitable<CardSearch> CardFinder::signing_smcb(const konnektor::CallContext& ctx, const std::string& telematik_id) {
  const auto cards = co_await konnektor_.get_cards(ctx);
  if (!cards.ok()) {
    co_return failed(problem_of(cards.error), cards.error, "GetCards");
  }
  for (const Card& card : *cards.value) {
    if (card.type != CardType::smc_b) {
      continue;
    }
    if (!telematik_id.empty()) {
      const std::string id = co_await telematik_id_of(ctx, card);
      if (id != telematik_id) {
        continue;
      }
    }
    const FoundCard smcb{card, Crypt::rsa};
    CardSearch unlocked_card = co_await unlocked(ctx, smcb);
    co_return unlocked_card;
  }
  co_return failed(CardProblem::not_found,
                   telematik_id.empty() ? std::string("no SM-B is visible to the context")
                                        : "no SM-B with TelematikID " + telematik_id + " is visible to the context");
}

awaitable<CardSearch> CardFinder::unlocked(const konnektor::CallContext& ctx, FoundCard card) {
  const konnektor::PinType pin = card.card.type == CardType::hba ? konnektor::PinType::ch : konnektor::PinType::smc;
  const std::string handle = card.card.handle;
  const auto status = co_await konnektor_.get_pin_status(ctx, handle, pin);
  if (!status.ok()) {
    co_return failed(problem_of(status.error), status.error, "GetPinStatus");
  }
  if (status.value->status != konnektor::PinStatus::verified) {
    if (status.value->status != konnektor::PinStatus::verifiable) {
      co_return failed(CardProblem::pin,
                       "the card's PIN is blocked or still a transport/empty PIN (ICCSN " + card.card.iccsn + ")");
    }
    const auto verified = co_await konnektor_.verify_pin(ctx, handle, pin);
    if (!verified.ok()) {
      co_return failed(problem_of(verified.error), verified.error, "VerifyPin");
    }
    if (verified.value->result != konnektor::PinResult::ok) {
      co_return failed(CardProblem::pin, "VerifyPin was not successful (ICCSN " + card.card.iccsn + ")");
    }
  }
  CardSearch s;
  s.found = std::move(card);
  co_return s;
}

}  // namespace kimgate::daemon
