#include "konnektor/local_konnektor.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cstdio>

#include "conf/load.h"
#include "crypto/auth_enveloped.h"
#include "crypto/certificate.h"
#include "crypto/signed_data.h"
#include "konnektor/pkcs11.h"
#include "konnektor/revocation.h"
#include "net/run_blocking.h"

namespace kimgate::konnektor {

namespace asio = net::asio;
using net::awaitable;

// The private-key side of one card: a PKCS#11 token or the keys of PKCS#12 files.
// Every call may block; callers run them on the worker pool, one at a time per card.
class CardBackend {
 public:
  virtual ~CardBackend() = default;
  virtual P11Result<Done> unlock(const std::string& pin) = 0;
  virtual std::vector<TokenObject> certificates() = 0;
  virtual P11Result<Bytes> sign_digest(const Bytes& id, const Bytes& digest, SignatureScheme scheme) = 0;
  virtual P11Result<Bytes> rsa_raw(const Bytes& id, const Bytes& block) = 0;
  virtual P11Result<Bytes> ecdh(const Bytes& id, const Bytes& point) = 0;
};

namespace {

Error error(Error::Kind kind, int code, std::string text) {
  return Error{kind, code, std::move(text)};
}

class TokenBackend final : public CardBackend {
 public:
  explicit TokenBackend(std::unique_ptr<Pkcs11Token> token) : token_(std::move(token)) {}
  P11Result<Done> unlock(const std::string& pin) override { return token_->login(pin); }
  std::vector<TokenObject> certificates() override {
    auto certs = token_->certificates();
    return certs.ok() ? std::move(*certs.value) : std::vector<TokenObject>{};
  }
  P11Result<Bytes> sign_digest(const Bytes& id, const Bytes& digest, SignatureScheme scheme) override {
    return token_->sign_digest(id, digest, scheme);
  }
  P11Result<Bytes> rsa_raw(const Bytes& id, const Bytes& block) override { return token_->rsa_raw(id, block); }
  P11Result<Bytes> ecdh(const Bytes& id, const Bytes& point) override { return token_->ecdh(id, point); }

 private:
  std::unique_ptr<Pkcs11Token> token_;
};

// Keys from PKCS#12 files; a key's id is its index. The PIN gate is the Konnektor's
// (VerifyPin with the configured PIN), as a PKCS#12 file has none of its own.
class P12Backend final : public CardBackend {
 public:
  struct Key {
    std::string label;
    EVP_PKEY* pkey = nullptr;
    Bytes cert;
  };
  explicit P12Backend(std::vector<Key> keys) : keys_(std::move(keys)) {
    for (const Key& k : keys_) {
      access_.push_back(crypto::key_access_from_pkey(k.pkey, k.cert));
    }
  }
  ~P12Backend() override {
    for (auto& k : keys_) {
      EVP_PKEY_free(k.pkey);
    }
  }
  P11Result<Done> unlock(const std::string& /*pin*/) override { return {Done{}, {}}; }
  std::vector<TokenObject> certificates() override {
    std::vector<TokenObject> out;
    for (std::size_t i = 0; i < keys_.size(); ++i) {
      out.push_back(TokenObject{keys_[i].label, Bytes{static_cast<std::uint8_t>(i)}, keys_[i].cert});
    }
    return out;
  }
  P11Result<Bytes> sign_digest(const Bytes& id, const Bytes& digest, SignatureScheme scheme) override {
    EVP_PKEY* key = find(id);
    EVP_PKEY_CTX* ctx = key == nullptr ? nullptr : EVP_PKEY_CTX_new(key, nullptr);
    Bytes sig(EVP_PKEY_get_size(key != nullptr ? key : nullptr) > 0 ? static_cast<std::size_t>(EVP_PKEY_get_size(key))
                                                                    : 0);
    std::size_t len = sig.size();
    const bool ok =
        ctx != nullptr && EVP_PKEY_sign_init(ctx) == 1 &&
        (scheme != SignatureScheme::rsassa_pss_sha256 ||
         (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) == 1 &&
          EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) == 1 && EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, 32) == 1)) &&
        EVP_PKEY_sign(ctx, sig.data(), &len, digest.data(), digest.size()) == 1;
    EVP_PKEY_CTX_free(ctx);
    if (!ok) {
      return {std::nullopt, "signing with the PKCS#12 key failed"};
    }
    sig.resize(len);
    return {std::move(sig), {}};
  }
  // The key operations of opening a message are crypto/'s (key_access_from_pkey), not a copy.
  P11Result<Bytes> rsa_raw(const Bytes& id, const Bytes& block) override {
    return run(id, &crypto::KeyAccess::rsa_raw, block, "the raw RSA operation with the PKCS#12 key failed");
  }
  P11Result<Bytes> ecdh(const Bytes& id, const Bytes& point) override {
    return run(id, &crypto::KeyAccess::ecdh, point, "ECDH with the PKCS#12 key failed");
  }

 private:
  EVP_PKEY* find(const Bytes& id) { return id.size() == 1 && id[0] < keys_.size() ? keys_[id[0]].pkey : nullptr; }
  using Operation = std::function<crypto::Result<Bytes>(const Bytes&)> crypto::KeyAccess::*;
  P11Result<Bytes> run(const Bytes& id, Operation op, const Bytes& input, const char* failed) {
    if (find(id) == nullptr) {
      return {std::nullopt, "no such key"};
    }
    const auto& operation = access_[id[0]].*op;
    if (!operation) {
      return {std::nullopt, failed};
    }
    crypto::Result<Bytes> out = operation(input);
    if (!out.ok()) {
      return {std::nullopt, failed};
    }
    return {std::move(*out.value), {}};
  }
  std::vector<Key> keys_;
  std::vector<crypto::KeyAccess> access_;  // per key, the same index
};

P11Result<std::unique_ptr<CardBackend>> open_p12(const conf::LocalCard& card) {
  const auto password = conf::read_secret(card.p12_password);
  if (!password) {
    return {std::nullopt, "cannot read the PKCS#12 password file of card \"" + card.name + "\""};
  }
  std::vector<P12Backend::Key> keys;
  for (const auto& file : card.p12_files) {
    crypto::Result<crypto::Pkcs12Contents> p12 = crypto::read_pkcs12_file(file, *password);
    if (!p12.ok()) {
      return {std::nullopt, "cannot open \"" + file.string() + "\" of card \"" + card.name + "\" (wrong password?)"};
    }
    crypto::Pkcs12Contents& contents = *p12.value;
    keys.push_back(P12Backend::Key{contents.friendly_name.empty() ? file.stem().string() : contents.friendly_name,
                                   contents.key.release(), std::move(contents.cert.der)});
  }
  return {std::make_unique<P12Backend>(std::move(keys)), {}};
}

// Which reference a card certificate is, from its TI certificate type (crypto::cert_type_of reads
// the policy OIDs); C.HP.QES (.72), which crypto/ does not model because KIM never uses it, by its OID.
struct Classified {
  std::optional<CertRef> ref;
  Crypt crypt = Crypt::rsa;
  std::string subject_cn;
};

Classified classify(const Bytes& der) {
  Classified c;
  auto cert = crypto::certificate_from_der(der);
  if (!cert.ok()) {
    return c;
  }
  X509* x509 = cert.value->x509.get();
  EVP_PKEY* key = X509_get0_pubkey(x509);
  c.crypt = key != nullptr && EVP_PKEY_base_id(key) == EVP_PKEY_EC ? Crypt::ecc : Crypt::rsa;
  std::array<char, 256> cn{};
  if (X509_NAME_get_text_by_NID(X509_get_subject_name(x509), NID_commonName, cn.data(), cn.size()) > 0) {
    c.subject_cn = cn.data();
  }
  switch (crypto::cert_type_of(*cert.value)) {
    case crypto::CertType::hci_enc:
    case crypto::CertType::hp_enc:
      c.ref = CertRef::enc;
      break;
    case crypto::CertType::hci_aut:
    case crypto::CertType::hp_aut:
      c.ref = CertRef::aut;
      break;
    case crypto::CertType::hci_osig:
      c.ref = CertRef::sig;
      break;
    case crypto::CertType::unknown: {
      const auto oids = crypto::policy_oids_of(*cert.value);
      if (std::find(oids.begin(), oids.end(), "1.2.276.0.76.4.72") != oids.end()) {
        c.ref = CertRef::qes;
      }
      break;
    }
  }
  return c;
}

std::string random_handle() {
  std::array<unsigned char, 8> raw{};
  RAND_bytes(raw.data(), static_cast<int>(raw.size()));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string h = "local-";
  for (unsigned char b : raw) {
    h += kHex[b >> 4];
    h += kHex[b & 0xF];
  }
  return h;
}

bool part_matches(std::string_view pattern, std::string_view value) {
  return pattern == "*" || pattern == value;
}

// "M/C/W" against the context; level tells how far it matched: 0 none, 1 Mandant, 2 +ClientSystem, 3 all.
int match_level(const std::string& pattern, const CallContext& ctx) {
  const std::size_t a = pattern.find('/');
  const std::size_t b = pattern.find('/', a + 1);
  if (a == std::string::npos || b == std::string::npos) {
    return 0;
  }
  const std::string_view p(pattern);
  if (!part_matches(p.substr(0, a), ctx.mandant_id)) {
    return 0;
  }
  if (!part_matches(p.substr(a + 1, b - a - 1), ctx.client_system_id)) {
    return 1;
  }
  return part_matches(p.substr(b + 1), ctx.workplace_id) ? 3 : 2;
}

}  // namespace

struct LocalKonnektor::Slot {
  struct Cert {
    CertRef ref;
    Crypt crypt;
    TokenObject object;
  };
  Slot(const asio::any_io_executor& ex, conf::LocalCard c) : config(std::move(c)), queue(ex) {}
  conf::LocalCard config;
  std::unique_ptr<CardBackend> backend;  // null: not inserted
  std::string problem;
  std::vector<Cert> certs;
  std::string handle;
  std::string holder;
  std::chrono::system_clock::time_point inserted;
  bool pin_verified = false;
  bool removed = false;                 // test control: pulled until reinsert_cards
  std::optional<PinStatus> forced_pin;  // test control: what GetPinStatus reports
  CardQueue queue;

  CardType type() const { return config.type == conf::CardType::hba ? CardType::hba : CardType::smc_b; }
  const Cert* cert(CertRef ref, Crypt crypt) const {
    for (const auto& c : certs) {
      if (c.ref == ref && c.crypt == crypt) {
        return &c;
      }
    }
    return nullptr;
  }
};

struct LocalKonnektor::Trust {
  std::vector<crypto::Certificate> roots;
  std::vector<crypto::Certificate> intermediates;
  std::shared_ptr<RevocationChecker> revocation;  // OCSP / CRL, as a real Konnektor asks them
};

LocalKonnektor::LocalKonnektor(asio::any_io_executor ex, asio::thread_pool& pool, const conf::Konnektor& config,
                               std::chrono::milliseconds timeout, std::uint64_t max_document)
    : ex_(std::move(ex)),
      pool_(pool),
      timeout_(timeout),
      max_document_(max_document),
      service_time_(config.simulate_service_time),
      jitter_(config.simulate_jitter),
      error_permille_(config.simulate_error_permille) {
  if (!config.trust_anchors.empty()) {
    std::FILE* f = std::fopen(config.trust_anchors.c_str(), "rb");
    Bytes pem;
    for (int c = f != nullptr ? std::fgetc(f) : EOF; c != EOF; c = std::fgetc(f)) {
      pem.push_back(static_cast<std::uint8_t>(c));
    }
    if (f != nullptr) {
      std::fclose(f);
    }
    auto trust = std::make_shared<Trust>();
    for (auto& cert : crypto::certificates_from_pem(pem)) {
      const bool self_signed =
          X509_NAME_cmp(X509_get_subject_name(cert.x509.get()), X509_get_issuer_name(cert.x509.get())) == 0;
      (self_signed ? trust->roots : trust->intermediates).push_back(std::move(cert));
    }
    spdlog::info("event=konnektor_trust konnektor={} roots={} intermediates={}", config.id, trust->roots.size(),
                 trust->intermediates.size());
    trust->revocation = std::make_shared<RevocationChecker>(trust->roots, trust->intermediates);
    trust_ = std::move(trust);
  } else {
    spdlog::warn(
        "event=konnektor_untrusted konnektor={} reason=\"test_setup_without_trust: no trust anchors; "
        "signatures get 4264 and VerifyCertificate INCONCLUSIVE\"",
        config.id);
  }
  product_ =
      ProductInformation{"KIMGT", "kimgate local Konnektor", "Konnektor", "5.0.0", "1.0.0", "1.0.0", "7.5.5", "6.1.2"};
  for (const auto& card : config.cards) {
    auto slot = std::make_unique<Slot>(ex_, card);
    if (!card.pkcs11_module.empty()) {
      auto token = Pkcs11Token::open(card.pkcs11_module.string(), card.token_label);
      if (token.ok()) {
        slot->backend = std::make_unique<TokenBackend>(std::move(*token.value));
      } else {
        slot->problem = token.error;
      }
    } else {
      auto p12 = open_p12(card);
      if (p12.ok()) {
        slot->backend = std::move(*p12.value);
      } else {
        slot->problem = p12.error;
      }
    }
    if (slot->backend) {
      for (auto& obj : slot->backend->certificates()) {
        const Classified c = classify(obj.der);
        if (c.ref) {
          if (slot->holder.empty()) {
            slot->holder = c.subject_cn;
          }
          slot->certs.push_back(Slot::Cert{*c.ref, c.crypt, std::move(obj)});
        }
      }
      slot->handle = random_handle();
      slot->inserted = std::chrono::system_clock::now();
      spdlog::info("event=card_inserted konnektor={} card=\"{}\" type={} iccsn={} certificates={}", config.id,
                   card.name, card_type_name(slot->type()), card.iccsn, slot->certs.size());
    } else {
      spdlog::warn("event=card_missing konnektor={} card=\"{}\" reason=\"{}\"", config.id, card.name, slot->problem);
    }
    slots_.push_back(std::move(slot));
  }
}

LocalKonnektor::~LocalKonnektor() = default;

std::optional<Error> LocalKonnektor::require_unlocked(const Slot& slot) {
  if (!slot.pin_verified) {
    return error(Error::Kind::pin, 4085, "Access conditions not fulfilled: the card is not unlocked (VerifyPin)");
  }
  return std::nullopt;
}

awaitable<LocalKonnektor::CardTurn> LocalKonnektor::take_card(Slot& slot) {
  CardTurn turn;
  turn.turn = co_await slot.queue.acquire(timeout_);
  if (!turn.turn.held()) {
    turn.error = error(Error::Kind::timeout, 4094, "Timeout accessing card");
    co_return turn;
  }
  const auto [wait, fails] = simulated_card_work();
  turn.busy_until = std::chrono::steady_clock::now() + wait;
  if (fails) {
    co_await card_done(turn);
    turn.error = error(Error::Kind::card, 4045, "Card access error (simulated)");
  }
  co_return turn;
}

awaitable<void> LocalKonnektor::card_done(const CardTurn& turn) {
  if (turn.busy_until <= std::chrono::steady_clock::now()) {
    co_return;
  }
  asio::steady_timer timer(ex_, turn.busy_until);
  boost::system::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

std::pair<std::chrono::milliseconds, bool> LocalKonnektor::simulated_card_work() {
  if (service_time_.count() == 0 && jitter_.count() == 0 && error_permille_ == 0) {
    return {std::chrono::milliseconds(0), false};
  }
  std::array<unsigned char, 8> r{};
  RAND_bytes(r.data(), static_cast<int>(r.size()));
  std::uint64_t random = 0;
  for (unsigned char b : r) {
    random = (random << 8) | b;
  }
  auto wait = service_time_;
  if (jitter_.count() > 0) {
    wait +=
        std::chrono::milliseconds(static_cast<std::int64_t>(random % static_cast<std::uint64_t>(jitter_.count() + 1)));
  }
  return {wait, error_permille_ > 0 && (random >> 32) % 1000 < error_permille_};
}

void LocalKonnektor::reinsert_cards() {
  for (auto& s : slots_) {
    if (s->backend) {
      s->handle = random_handle();
      s->inserted = std::chrono::system_clock::now();
      s->pin_verified = false;
      s->removed = false;
      s->forced_pin.reset();
    }
  }
}

bool LocalKonnektor::remove_card(const std::string& iccsn) {
  for (auto& s : slots_) {
    if (s->backend && s->config.iccsn == iccsn) {
      s->removed = true;
      s->pin_verified = false;
      return true;
    }
  }
  return false;
}

bool LocalKonnektor::force_pin_status(const std::string& iccsn, std::optional<PinStatus> status) {
  for (auto& s : slots_) {
    if (s->backend && s->config.iccsn == iccsn) {
      s->forced_pin = status;
      s->pin_verified = status == PinStatus::verified;
      return true;
    }
  }
  return false;
}

std::optional<std::vector<CardStatus>> LocalKonnektor::card_status() const {
  std::vector<CardStatus> out;
  for (const auto& s : slots_) {
    out.push_back(CardStatus{s->config.name, s->type(), s->config.iccsn, s->backend != nullptr, s->handle, s->holder,
                             s->pin_verified, s->certs.size(), s->config.contexts, s->problem});
  }
  return out;
}

awaitable<Outcome<PinOutcome>> LocalKonnektor::unlock_card(const std::string& iccsn) {
  for (const auto& s : slots_) {
    if (s->config.iccsn == iccsn && s->backend && !s->removed) {
      // A context that sees the card: its first pattern with "*" made concrete.
      CallContext ctx{"*", "*", "*", s->config.user_id};
      if (!s->config.contexts.empty()) {
        const std::string& p = s->config.contexts.front();
        const std::size_t a = p.find('/');
        const std::size_t b = p.find('/', a + 1);
        ctx.mandant_id = p.substr(0, a);
        ctx.client_system_id = p.substr(a + 1, b - a - 1);
        ctx.workplace_id = p.substr(b + 1);
      }
      const std::string handle = s->handle;
      const PinType pin = s->type() == CardType::hba ? PinType::ch : PinType::smc;
      co_return co_await verify_pin(ctx, handle, pin);
    }
  }
  co_return Outcome<PinOutcome>::failure(
      error(Error::Kind::card, 4008, "No inserted card with ICCSN " + iccsn + " in this Konnektor"));
}

std::vector<std::string> LocalKonnektor::problems() const {
  std::vector<std::string> out;
  for (const auto& s : slots_) {
    if (!s->backend) {
      out.push_back("card \"" + s->config.name + "\": " + s->problem);
    }
  }
  return out;
}

LocalKonnektor::Slot* LocalKonnektor::find_slot(const std::string& handle) {
  for (auto& s : slots_) {
    if (s->backend && !s->removed && s->handle == handle) {
      return s.get();
    }
  }
  return nullptr;
}

std::optional<Error> LocalKonnektor::check_context(const CallContext& ctx) const {
  if (ctx.mandant_id.empty() || ctx.client_system_id.empty() || ctx.workplace_id.empty()) {
    return error(Error::Kind::context, 4021,
                 "Not all mandatory context fields (MandantId, ClientSystemId, WorkplaceId) are filled");
  }
  int best = 0;
  for (const auto& s : slots_) {
    for (const auto& pattern : s->config.contexts) {
      best = std::max(best, match_level(pattern, ctx));
    }
  }
  switch (best) {
    case 0:
      return error(Error::Kind::context, 4004, "Invalid MandantId \"" + ctx.mandant_id + "\"");
    case 1:
      return error(Error::Kind::context, 4005, "Invalid ClientSystemId \"" + ctx.client_system_id + "\"");
    case 2:
      return error(Error::Kind::context, 4006, "Invalid WorkplaceId \"" + ctx.workplace_id + "\"");
    default:
      return std::nullopt;
  }
}

std::optional<Error> LocalKonnektor::check_card_access(const CallContext& ctx, const Slot& slot) const {
  bool visible = false;
  for (const auto& pattern : slot.config.contexts) {
    visible = visible || match_level(pattern, ctx) == 3;
  }
  if (!visible) {
    return error(Error::Kind::card, 4008, "Card not identified as inserted for this context");
  }
  if (slot.type() == CardType::hba && ctx.user_id != slot.config.user_id) {
    return error(Error::Kind::context, 4003,
                 ctx.user_id.empty() ? "No UserId given, but needed for an HBA card session"
                                     : "The UserId does not belong to this HBA's card session");
  }
  return std::nullopt;
}

awaitable<Outcome<std::vector<Card>>> LocalKonnektor::get_cards(const CallContext& ctx) {
  if (auto e = check_context(ctx)) {
    co_return Outcome<std::vector<Card>>::failure(*e);
  }
  std::vector<Card> cards;
  for (const auto& s : slots_) {
    bool visible = false;
    for (const auto& pattern : s->config.contexts) {
      visible = visible || match_level(pattern, ctx) == 3;
    }
    if (s->backend && !s->removed && visible) {
      cards.push_back(Card{s->handle, s->type(), s->config.iccsn, s->holder, s->inserted});
    }
  }
  co_return Outcome<std::vector<Card>>::success(std::move(cards));
}

#define KIMGATE_CHECK_CARD(T)                                                          \
  if (auto e = check_context(ctx)) {                                                   \
    co_return Outcome<T>::failure(*e);                                                 \
  }                                                                                    \
  Slot* slot = find_slot(handle);                                                      \
  if (slot == nullptr) {                                                               \
    co_return Outcome<T>::failure(error(Error::Kind::card, 4008,                       \
                                        "Card not identified as inserted (CardHandle " \
                                        "invalid or card removed)"));                  \
  }                                                                                    \
  if (auto e = check_card_access(ctx, *slot)) {                                        \
    co_return Outcome<T>::failure(*e);                                                 \
  }

awaitable<Outcome<PinState>> LocalKonnektor::get_pin_status(const CallContext& ctx, const std::string& handle,
                                                            PinType pin) {
  KIMGATE_CHECK_CARD(PinState)
  if ((pin == PinType::smc) != (slot->type() == CardType::smc_b)) {
    co_return Outcome<PinState>::failure(error(Error::Kind::pin, 4072, "Invalid PIN reference for this card type"));
  }
  if (slot->forced_pin) {
    co_return Outcome<PinState>::success(PinState{*slot->forced_pin, std::nullopt});
  }
  co_return Outcome<PinState>::success(
      PinState{slot->pin_verified ? PinStatus::verified : PinStatus::verifiable, std::nullopt});
}

awaitable<Outcome<PinOutcome>> LocalKonnektor::verify_pin(const CallContext& ctx, const std::string& handle,
                                                          PinType pin) {
  KIMGATE_CHECK_CARD(PinOutcome)
  if ((pin == PinType::smc) != (slot->type() == CardType::smc_b)) {
    co_return Outcome<PinOutcome>::failure(error(Error::Kind::pin, 4072, "Invalid PIN reference for this card type"));
  }
  if (slot->pin_verified) {
    co_return Outcome<PinOutcome>::success(PinOutcome{PinResult::ok, std::nullopt});
  }
  // The PIN a practice would type on the terminal's PIN pad comes from the card's configuration.
  auto secret = conf::read_secret(slot->config.pin);
  if (!secret || secret->empty()) {
    co_return Outcome<PinOutcome>::failure(error(
        Error::Kind::pin, 4043, "PIN entry timeout: no PIN is configured for card \"" + slot->config.name + "\""));
  }
  CardQueue::Turn turn = co_await slot->queue.acquire(timeout_);
  if (!turn.held()) {
    co_return Outcome<PinOutcome>::failure(error(Error::Kind::timeout, 4094, "Timeout accessing card"));
  }
  CardBackend* backend = slot->backend.get();
  const auto unlock = [backend, p = std::move(*secret)]() mutable {
    auto r = backend->unlock(p);
    OPENSSL_cleanse(p.data(), p.size());
    return r;
  };
  const P11Result<Done> r = co_await net::run_blocking(pool_, unlock);
  if (!r.ok()) {
    spdlog::warn("event=verify_pin card=\"{}\" result=rejected reason=\"{}\"", slot->config.name, r.error);
    co_return Outcome<PinOutcome>::success(PinOutcome{PinResult::rejected, std::nullopt});
  }
  slot->pin_verified = true;
  co_return Outcome<PinOutcome>::success(PinOutcome{PinResult::ok, std::nullopt});
}

awaitable<Outcome<std::vector<CardCertificate>>> LocalKonnektor::read_card_certificate(const CallContext& ctx,
                                                                                       const std::string& handle,
                                                                                       CertRef ref, Crypt crypt) {
  KIMGATE_CHECK_CARD(std::vector<CardCertificate>)
  std::vector<CardCertificate> out;
  for (const auto& c : slot->certs) {
    if (c.ref == ref && c.crypt == crypt) {
      out.push_back(CardCertificate{c.ref, c.crypt, c.object.der});
    }
  }
  if (out.empty()) {
    co_return Outcome<std::vector<CardCertificate>>::failure(
        error(Error::Kind::card, 4209, "The card has no certificate of this reference and algorithm"));
  }
  co_return Outcome<std::vector<CardCertificate>>::success(std::move(out));
}

awaitable<Outcome<Bytes>> LocalKonnektor::external_authenticate(const CallContext& ctx, const std::string& handle,
                                                                const Bytes& digest, SignatureScheme scheme) {
  KIMGATE_CHECK_CARD(Bytes)
  if (auto e = require_unlocked(*slot)) {
    co_return Outcome<Bytes>::failure(*e);
  }
  if (digest.size() != 32) {
    co_return Outcome<Bytes>::failure(error(Error::Kind::document, 4000, "The digest must be 32 bytes (SHA-256)"));
  }
  const auto* cert = slot->cert(CertRef::aut, scheme == SignatureScheme::ecdsa_sha256 ? Crypt::ecc : Crypt::rsa);
  if (cert == nullptr) {
    co_return Outcome<Bytes>::failure(error(Error::Kind::card, 4209, "The card has no AUT key for this algorithm"));
  }
  CardTurn turn = co_await take_card(*slot);
  if (turn.error) {
    co_return Outcome<Bytes>::failure(*turn.error);
  }
  CardBackend* backend = slot->backend.get();
  const auto sign = [backend, id = cert->object.id, digest, scheme]() {
    return backend->sign_digest(id, digest, scheme);
  };
  const P11Result<Bytes> r = co_await net::run_blocking(pool_, sign);
  co_await card_done(turn);
  if (!r.ok()) {
    co_return Outcome<Bytes>::failure(error(Error::Kind::card, 4045, "Card access error: " + r.error));
  }
  co_return Outcome<Bytes>::success(*r.value);
}

awaitable<Outcome<Bytes>> LocalKonnektor::sign_document(const CallContext& ctx, const std::string& handle,
                                                        ByteView content, const Bytes& recipient_emails, Crypt crypt) {
  KIMGATE_CHECK_CARD(Bytes)
  if (slot->type() != CardType::smc_b) {
    co_return Outcome<Bytes>::failure(
        error(Error::Kind::card, 4209, "KIM messages are signed with an SMC-B's OSIG key, never with an HBA"));
  }
  if (content.size() > max_document_) {
    co_return Outcome<Bytes>::failure(
        error(Error::Kind::document, 4000, "The document is larger than the Konnektor's 15 MiB limit"));
  }
  if (auto e = require_unlocked(*slot)) {
    co_return Outcome<Bytes>::failure(*e);
  }
  const auto* cert = slot->cert(CertRef::sig, crypt);
  if (cert == nullptr) {
    co_return Outcome<Bytes>::failure(error(Error::Kind::card, 4209, "The card has no OSIG key for this algorithm"));
  }
  CardTurn turn = co_await take_card(*slot);
  if (turn.error) {
    co_return Outcome<Bytes>::failure(*turn.error);
  }
  CardBackend* backend = slot->backend.get();
  // The content and recipient-emails live in the caller's frame, which waits for the result: the
  // work refers to them instead of copying the mail.
  crypto::SignParams params;
  params.signer_cert_der = cert->object.der;
  params.recipient_emails = recipient_emails;
  params.signing_time = static_cast<std::int64_t>(std::time(nullptr));
  auto sign = [backend, id = cert->object.id, content, params = std::move(params)]() {
    const crypto::SignFn card_sign = [&](const crypto::SignRequest& r) {
      const auto scheme = r.algorithm == crypto::SignatureAlgorithm::ecdsa_sha256 ? SignatureScheme::ecdsa_sha256
                                                                                  : SignatureScheme::rsassa_pss_sha256;
      auto s = backend->sign_digest(id, r.digest, scheme);
      return s.ok() ? crypto::Result<Bytes>::success(std::move(*s.value)) : crypto::Result<Bytes>::failure(s.error);
    };
    return crypto::sign_signed_data(crypto::der::View(content), params, card_sign);
  };
  crypto::Result<Bytes> r = co_await net::run_blocking(pool_, std::move(sign));
  co_await card_done(turn);
  if (!r.ok()) {
    co_return Outcome<Bytes>::failure(error(Error::Kind::card, 4045, "Signing failed: " + r.error));
  }
  co_return Outcome<Bytes>::success(std::move(*r.value));
}

awaitable<Outcome<Bytes>> LocalKonnektor::encrypt_document(const CallContext& ctx, ByteView content,
                                                           const std::vector<Bytes>& certificates,
                                                           const Bytes& recipient_emails) {
  if (auto e = check_context(ctx)) {
    co_return Outcome<Bytes>::failure(*e);
  }
  if (content.size() > max_document_) {
    co_return Outcome<Bytes>::failure(
        error(Error::Kind::document, 4000, "The document is larger than the Konnektor's 15 MiB limit"));
  }
  // The caller's buffers outlive the work (the caller waits for it): referred to, not copied.
  auto seal = [content, &certificates, &recipient_emails]() {
    return crypto::seal_auth_enveloped(crypto::der::View(content), certificates, recipient_emails);
  };
  crypto::Result<Bytes> r = co_await net::run_blocking(pool_, std::move(seal));
  if (!r.ok()) {
    co_return Outcome<Bytes>::failure(error(Error::Kind::document, 4000, "Encryption failed: " + r.error));
  }
  co_return Outcome<Bytes>::success(std::move(*r.value));
}

awaitable<Outcome<Bytes>> LocalKonnektor::decrypt_document(const CallContext& ctx, const std::string& handle,
                                                           const Bytes& cms, Crypt key) {
  KIMGATE_CHECK_CARD(Bytes)
  if (auto e = require_unlocked(*slot)) {
    co_return Outcome<Bytes>::failure(*e);
  }
  const auto* cert = slot->cert(CertRef::enc, key);
  if (cert == nullptr) {
    co_return Outcome<Bytes>::failure(error(Error::Kind::card, 4209, "The card has no ENC key for this algorithm"));
  }
  CardTurn turn = co_await take_card(*slot);
  if (turn.error) {
    co_return Outcome<Bytes>::failure(*turn.error);
  }
  CardBackend* backend = slot->backend.get();
  auto open = [backend, id = cert->object.id, der = cert->object.der, &cms, key]() {
    crypto::KeyAccess access;
    access.cert_der = der;
    const auto to_result = [](P11Result<Bytes> r) {
      return r.ok() ? crypto::Result<Bytes>::success(std::move(*r.value)) : crypto::Result<Bytes>::failure(r.error);
    };
    if (key == Crypt::rsa) {
      access.rsa_raw = [&](const Bytes& block) { return to_result(backend->rsa_raw(id, block)); };
    } else {
      access.ecdh = [&](const Bytes& point) { return to_result(backend->ecdh(id, point)); };
    }
    return crypto::open_auth_enveloped(crypto::der::view(cms), "", {access});
  };
  crypto::OpenResult r = co_await net::run_blocking(pool_, std::move(open));
  co_await card_done(turn);
  if (!r.opened) {
    const bool card_problem = r.error == crypto::OpenError::key_operation;
    co_return Outcome<Bytes>::failure(error(card_problem ? Error::Kind::card : Error::Kind::document,
                                            card_problem ? 4045 : 4000, "Decryption failed: " + r.detail));
  }
  co_return Outcome<Bytes>::success(std::move(r.opened->content));
}

awaitable<Outcome<VerifyResult>> LocalKonnektor::verify_document(const CallContext& ctx, const Bytes& signed_data) {
  if (auto e = check_context(ctx)) {
    co_return Outcome<VerifyResult>::failure(*e);
  }
  auto verify = [&signed_data, trust = trust_]() {
    VerifyResult out;
    crypto::VerifiedSignedData v = crypto::verify_signed_data(crypto::der::view(signed_data));
    out.detail = v.detail;
    out.content = std::move(v.content);
    out.signer_cert = v.signer_cert_der;
    switch (v.status) {
      case crypto::SignatureStatus::invalid:
        out.code = 4115;
        return out;
      case crypto::SignatureStatus::missing:
        out.code = 4253;
        return out;
      case crypto::SignatureStatus::format_error:
        out.code = 4112;
        return out;
      case crypto::SignatureStatus::valid:
        break;
    }
    if (!trust) {
      out.code = 4264;  // mathematically correct; the certificate's status cannot be checked here
      out.detail = "no trust anchors configured for this Konnektor";
      return out;
    }
    auto cert = crypto::certificate_from_der(v.signer_cert_der);
    crypto::CertCheckOptions options;
    options.allowed_types = {crypto::CertType::hci_osig};
    options.roots = trust->roots;
    options.intermediates = trust->intermediates;
    const crypto::CertCheck check = cert.ok() ? crypto::check_certificate(*cert.value, options)
                                              : crypto::CertCheck{crypto::CertStatus::malformed, cert.error};
    if (check.status != crypto::CertStatus::ok) {
      out.code = 4206;
      out.detail = std::string(crypto::cert_status_name(check.status)) + ": " + check.detail;
    }
    return out;
  };
  VerifyResult r = co_await net::run_blocking(pool_, std::move(verify));
  co_return Outcome<VerifyResult>::success(std::move(r));
}

awaitable<Outcome<CertificateVerification>> LocalKonnektor::verify_certificate(const CallContext& ctx,
                                                                               const Bytes& certificate) {
  if (auto e = check_context(ctx)) {
    co_return Outcome<CertificateVerification>::failure(*e);
  }
  if (!trust_) {
    co_return Outcome<CertificateVerification>::success(CertificateVerification::inconclusive);
  }
  // Chain, validity and key usage, then revocation (OCSP, else CRL) over HTTP: off the I/O thread.
  const auto verify = [certificate, trust = trust_]() {
    auto cert = crypto::certificate_from_pem_or_der(certificate);
    if (!cert.ok()) {
      return CertificateVerification::invalid;
    }
    crypto::CertCheckOptions options;
    options.roots = trust->roots;
    options.intermediates = trust->intermediates;
    const crypto::CertCheck check = crypto::check_certificate(*cert.value, options);
    if (check.status != crypto::CertStatus::ok) {
      spdlog::info("event=verify_certificate result=invalid reason=\"{}: {}\"", crypto::cert_status_name(check.status),
                   check.detail);
      return CertificateVerification::invalid;
    }
    const RevocationResult revocation = trust->revocation->check(*cert.value);
    spdlog::debug("event=verify_certificate revocation=\"{}\"", revocation.detail);
    switch (revocation.status) {
      case Revocation::good:
        return CertificateVerification::valid;
      case Revocation::revoked:
        spdlog::info("event=verify_certificate result=invalid reason=\"{}\"", revocation.detail);
        return CertificateVerification::invalid;
      case Revocation::unknown:
        break;
    }
    spdlog::warn("event=verify_certificate result=inconclusive reason=\"{}\"", revocation.detail);
    return CertificateVerification::inconclusive;
  };
  const CertificateVerification v = co_await net::run_blocking(pool_, verify);
  co_return Outcome<CertificateVerification>::success(v);
}

#undef KIMGATE_CHECK_CARD

}  // namespace kimgate::konnektor
