// CardFinder against a scripted Konnektor: which card holds a rid's certificate, RSA and ECC
// (ECC only when the Konnektor is ECC-capable), cards it may not read, the PIN check, the cache.
#include "daemon/card_finder.h"

#include <gtest/gtest.h>

#include <map>
#include <stdexcept>

#include "../crypto/test_pki.h"
#include "daemon/konnektor_routes.h"

namespace kimgate::daemon {
namespace {

using konnektor::Bytes;
using konnektor::Card;
using konnektor::CardType;
using konnektor::Crypt;
using konnektor::Error;
template <class T>
using Outcome = konnektor::Outcome<T>;

struct FakeCard {
  Card card;
  std::map<Crypt, Bytes> enc;
  std::optional<Error> read_error;  // e.g. 4003 for an eHBA without its UserId
  konnektor::PinStatus pin = konnektor::PinStatus::verifiable;
  konnektor::PinResult verify = konnektor::PinResult::ok;
};

// Serves GetCards, ReadCardCertificate, GetPinStatus and VerifyPin from a card list; the
// operations CardFinder never calls fail with 4000.
class ScriptedKonnektor final : public konnektor::Konnektor {
 public:
  std::vector<FakeCard> cards;
  int reads = 0;
  int verifies = 0;

  const konnektor::ProductInformation& product_information() const override { return product_; }
  net::awaitable<Outcome<std::vector<Card>>> get_cards(const konnektor::CallContext&) override {
    std::vector<Card> out;
    for (const auto& c : cards) {
      out.push_back(c.card);
    }
    co_return Outcome<std::vector<Card>>::success(out);
  }
  net::awaitable<Outcome<konnektor::PinState>> get_pin_status(const konnektor::CallContext&, const std::string& h,
                                                              konnektor::PinType) override {
    co_return Outcome<konnektor::PinState>::success(konnektor::PinState{find(h).pin, std::nullopt});
  }
  net::awaitable<Outcome<konnektor::PinOutcome>> verify_pin(const konnektor::CallContext&, const std::string& h,
                                                            konnektor::PinType) override {
    ++verifies;
    FakeCard& c = find(h);
    if (c.verify == konnektor::PinResult::ok) {
      c.pin = konnektor::PinStatus::verified;
    }
    co_return Outcome<konnektor::PinOutcome>::success(konnektor::PinOutcome{c.verify, std::nullopt});
  }
  net::awaitable<Outcome<std::vector<konnektor::CardCertificate>>> read_card_certificate(const konnektor::CallContext&,
                                                                                         const std::string& h,
                                                                                         konnektor::CertRef ref,
                                                                                         Crypt crypt) override {
    ++reads;
    const FakeCard& c = find(h);
    using R = Outcome<std::vector<konnektor::CardCertificate>>;
    if (c.read_error) {
      co_return R::failure(*c.read_error);
    }
    const auto it = c.enc.find(crypt);
    if (it == c.enc.end()) {
      co_return R::failure(Error{Error::Kind::card, 4209, "no such key"});
    }
    co_return R::success({konnektor::CardCertificate{ref, crypt, it->second}});
  }
  template <class T>
  net::awaitable<Outcome<T>> unused() {
    co_return Outcome<T>::failure(Error{Error::Kind::document, 4000, "not used by CardFinder"});
  }
  net::awaitable<Outcome<Bytes>> sign_document(const konnektor::CallContext&, const std::string&, konnektor::ByteView,
                                               const Bytes&, Crypt) override {
    return unused<Bytes>();
  }
  net::awaitable<Outcome<Bytes>> encrypt_document(const konnektor::CallContext&, konnektor::ByteView,
                                                  const std::vector<Bytes>&, const Bytes&) override {
    return unused<Bytes>();
  }
  net::awaitable<Outcome<Bytes>> decrypt_document(const konnektor::CallContext&, const std::string&, const Bytes&,
                                                  Crypt) override {
    return unused<Bytes>();
  }
  net::awaitable<Outcome<konnektor::VerifyResult>> verify_document(const konnektor::CallContext&,
                                                                   const Bytes&) override {
    return unused<konnektor::VerifyResult>();
  }
  net::awaitable<Outcome<konnektor::CertificateVerification>> verify_certificate(const konnektor::CallContext&,
                                                                                 const Bytes&) override {
    return unused<konnektor::CertificateVerification>();
  }
  net::awaitable<Outcome<Bytes>> external_authenticate(const konnektor::CallContext&, const std::string&, const Bytes&,
                                                       konnektor::SignatureScheme) override {
    return unused<Bytes>();
  }

 private:
  FakeCard& find(const std::string& handle) {
    for (auto& c : cards) {
      if (c.card.handle == handle) {
        return c;
      }
    }
    throw std::logic_error("unknown handle " + handle);
  }
  konnektor::ProductInformation product_;
};

struct Keys {
  test::Identity ca = test::make_ca("Card CA");
  test::Identity b_rsa = test::issue(ca, test::CertSpec{test::KeyKind::rsa, "b rsa"});
  test::Identity b_ecc = test::issue(ca, test::CertSpec{test::KeyKind::brainpool, "b ecc", "critical,keyAgreement"});
  test::Identity hba_rsa = test::issue(ca, test::CertSpec{test::KeyKind::rsa, "hba rsa"});
  test::Identity a_rsa = test::issue(ca, test::CertSpec{test::KeyKind::rsa, "a rsa"});
};

Bytes rid(const test::Identity& id) {
  return *crypto::issuer_and_serial(id.cert.der).value;
}

CardSearch search(CardFinder& finder, const std::string& address, const std::vector<Bytes>& rids) {
  net::asio::io_context io;
  CardSearch out;
  const konnektor::CallContext ctx{"M1", "CS1", "WP1", ""};
  const auto body = [&]() -> net::awaitable<void> { out = co_await finder.card_for_rids(ctx, address, rids); };
  net::asio::co_spawn(io, body(), net::asio::detached);
  io.run();
  return out;
}

class CardFinderTest : public ::testing::Test {
 protected:
  static Keys& keys() {
    static Keys k;
    return k;
  }
  void SetUp() override {
    const Keys& k = keys();
    konnektor.cards = {
        FakeCard{Card{"h-a", CardType::smc_b, "ICCSN-A", "A", {}}, {{Crypt::rsa, k.a_rsa.cert.der}}, std::nullopt},
        FakeCard{Card{"h-hba", CardType::hba, "ICCSN-H", "H", {}},
                 {{Crypt::rsa, k.hba_rsa.cert.der}},
                 Error{Error::Kind::context, 4003, "No UserId given"}},
        FakeCard{Card{"h-b", CardType::smc_b, "ICCSN-B", "B", {}},
                 {{Crypt::rsa, k.b_rsa.cert.der}, {Crypt::ecc, k.b_ecc.cert.der}},
                 std::nullopt},
    };
  }
  ScriptedKonnektor konnektor;
};

TEST_F(CardFinderTest, FindsTheCardOfTheRidAndVerifiesItsPin) {
  CardFinder finder(konnektor, true, std::chrono::hours(1), 10);
  const CardSearch s = search(finder, "b@x", {rid(keys().b_rsa)});
  ASSERT_TRUE(s.found) << s.detail;
  EXPECT_EQ(s.found->card.iccsn, "ICCSN-B");
  EXPECT_EQ(s.found->key, Crypt::rsa);
  EXPECT_EQ(konnektor.verifies, 1);
}

TEST_F(CardFinderTest, EccKeysOnlyWithAnEccCapableKonnektor) {
  CardFinder with(konnektor, true, std::chrono::hours(1), 10);
  const CardSearch s = search(with, "b@x", {rid(keys().b_ecc)});
  ASSERT_TRUE(s.found);
  EXPECT_EQ(s.found->key, Crypt::ecc);
  CardFinder without(konnektor, false, std::chrono::hours(1), 10);
  EXPECT_EQ(search(without, "b@x", {rid(keys().b_ecc)}).problem, CardProblem::not_found);
}

TEST_F(CardFinderTest, AnEhbaWithoutItsUserIdIsNotUsed) {
  CardFinder finder(konnektor, true, std::chrono::hours(1), 10);
  const CardSearch s = search(finder, "hba@x", {rid(keys().hba_rsa)});
  EXPECT_FALSE(s.found);
  EXPECT_EQ(s.problem, CardProblem::not_found);
}

TEST_F(CardFinderTest, ARejectedPinIsAPinProblem) {
  konnektor.cards[2].verify = konnektor::PinResult::rejected;
  CardFinder finder(konnektor, true, std::chrono::hours(1), 10);
  const CardSearch s = search(finder, "b@x", {rid(keys().b_rsa)});
  EXPECT_FALSE(s.found);
  EXPECT_EQ(s.problem, CardProblem::pin);
  konnektor.cards[2].pin = konnektor::PinStatus::blocked;
  EXPECT_EQ(search(finder, "b@x", {rid(keys().b_rsa)}).problem, CardProblem::pin);
}

TEST_F(CardFinderTest, TheCacheSkipsCertificateReadsWhileTheCardIsThere) {
  CardFinder finder(konnektor, true, std::chrono::hours(1), 10);
  ASSERT_TRUE(search(finder, "B@x", {rid(keys().b_rsa)}).found);
  const int reads = konnektor.reads;
  const CardSearch again = search(finder, "b@X", {rid(keys().b_rsa)});
  ASSERT_TRUE(again.found);
  EXPECT_EQ(again.found->card.iccsn, "ICCSN-B");
  EXPECT_EQ(konnektor.reads, reads);
  // The card was pulled and a new one holds no such key: the remembered ICCSN no longer counts.
  konnektor.cards.pop_back();
  EXPECT_EQ(search(finder, "b@x", {rid(keys().b_rsa)}).problem, CardProblem::not_found);
}

TEST_F(CardFinderTest, FirstSmcbOfTheContext) {
  CardFinder finder(konnektor, true, std::chrono::hours(1), 10);
  net::asio::io_context io;
  CardSearch out;
  const konnektor::CallContext ctx{"M1", "CS1", "WP1", ""};
  const std::string none;
  const auto body = [&]() -> net::awaitable<void> { out = co_await finder.signing_smcb(ctx, none); };
  net::asio::co_spawn(io, body(), net::asio::detached);
  io.run();
  ASSERT_TRUE(out.found);
  EXPECT_EQ(out.found->card.iccsn, "ICCSN-A");
}

TEST(KonnektorRoutes, DefaultKnownAndUnknownKonnektorIds) {
  conf::Config config;
  config.konnektors.resize(2);
  config.konnektors[0].id = "Konn_1";
  config.konnektors[1].id = "Konn_2";
  config.konnektors[1].is_default = true;
  KonnektorMap konnektors;
  konnektors["Konn_1"] = std::make_unique<ScriptedKonnektor>();
  konnektors["Konn_2"] = std::make_unique<ScriptedKonnektor>();
  KonnektorRoutes routes(konnektors, config);
  const auto by_default = routes.route("");
  ASSERT_TRUE(by_default);
  EXPECT_EQ(by_default->id, "Konn_2");
  EXPECT_EQ(by_default->konnektor, konnektors["Konn_2"].get());
  const auto named = routes.route("Konn_1");
  ASSERT_TRUE(named);
  EXPECT_EQ(named->konnektor, konnektors["Konn_1"].get());
  EXPECT_EQ(routes.route("Konn_1")->cards, named->cards);  // one CardFinder (and cache) per Konnektor
  EXPECT_NE(named->cards, by_default->cards);
  EXPECT_FALSE(routes.route("Konn_9"));
}

}  // namespace
}  // namespace kimgate::daemon
