// The local Konnektor against the test world's cards: SoftHSM tokens (SMC-B A, eHBA A)
// and PKCS#12 files (SMC-B B). Needs the world (CTest fixture `world`) and SOFTHSM2_CONF.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "crypto/ossl.h"
#include "crypto/recipient_emails.h"
#include "konnektor/local_konnektor.h"
#include "konnektor/pkcs11.h"

namespace kimgate::konnektor {
namespace {

namespace asio = net::asio;
using net::awaitable;
using json = nlohmann::json;

const json& world() {
  static const json w = [] {
    const char* dir = std::getenv("KIMGATE_WORLD_DIR");
    std::ifstream in(std::string(dir != nullptr ? dir : "build/world") + "/world.json");
    return json::parse(in);
  }();
  return w;
}

const json& participant(const std::string& id) {
  return world()["participants"][id];
}

Bytes file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

Bytes hex(const std::string& h) {
  Bytes out;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoi(h.substr(i, 2), nullptr, 16)));
  }
  return out;
}

const CallContext kPraxis{"M1", "CS1", "WP1", ""};
const CallContext kDoctor{"M1", "CS1", "WP1", "user-aurich"};
const CallContext kPraxisB{"M2", "CS9", "WP3", ""};

conf::Konnektor config(bool with_trust = false) {
  conf::Konnektor k;
  if (with_trust) {
    k.trust_anchors = world()["pki"]["ca_bundle_pem"].get<std::string>();
  }
  k.id = "local";
  k.kind = conf::KonnektorKind::local;
  const std::string module = world()["softhsm"]["module"];
  for (const char* id : {"praxis_a", "arzt_a"}) {
    const json& p = participant(id);
    conf::LocalCard c;
    c.name = id;
    c.type = p["card"]["type"] == "HBA" ? conf::CardType::hba : conf::CardType::smcb;
    c.iccsn = p["card"]["iccsn"];
    c.pkcs11_module = module;
    c.token_label = p["card"]["token_label"];
    c.pin.inline_value = p["card"]["user_pin"];
    c.contexts = {"M1/CS1/WP1"};
    if (c.type == conf::CardType::hba) {
      c.user_id = "user-aurich";
    }
    k.cards.push_back(c);
  }
  const json& b = participant("praxis_b");
  conf::LocalCard c;
  c.name = "praxis_b";
  c.iccsn = b["card"]["iccsn"];
  for (const char* label : {"C.HCI.AUT.RSA", "C.HCI.AUT.ECC", "C.HCI.ENC.RSA", "C.HCI.ENC.ECC"}) {
    c.p12_files.emplace_back(b["keys"][label]["p12"].get<std::string>());
  }
  c.p12_password.inline_value = b["card"]["p12_password"];
  c.pin.inline_value = "000000";
  c.contexts = {"M2/*/*"};
  k.cards.push_back(c);
  return k;
}

// Runs `body(konnektor)` on an io_context with a two-thread worker pool.
template <class Body>
void with_konnektor(Body body, bool with_trust = false) {
  asio::io_context io;
  asio::thread_pool pool(2);
  LocalKonnektor k(io.get_executor(), pool, config(with_trust), std::chrono::seconds(60));
  EXPECT_TRUE(k.problems().empty()) << k.problems().front();
  const auto run = [&]() -> awaitable<void> { co_await body(k, io); };
  asio::co_spawn(io, run(), [](std::exception_ptr e) {
    if (e) {
      std::rethrow_exception(e);
    }
  });
  io.run();
  pool.join();
}

bool verify(const Bytes& cert_der, const Bytes& digest, const Bytes& sig, SignatureScheme scheme) {
  const unsigned char* p = cert_der.data();
  X509* cert = d2i_X509(nullptr, &p, static_cast<long>(cert_der.size()));
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(X509_get0_pubkey(cert), nullptr);
  bool ok = EVP_PKEY_verify_init(ctx) == 1;
  if (scheme == SignatureScheme::rsassa_pss_sha256) {
    ok = ok && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) == 1 && EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, 32) == 1;
  }
  ok = ok && EVP_PKEY_verify(ctx, sig.data(), sig.size(), digest.data(), digest.size()) == 1;
  EVP_PKEY_CTX_free(ctx);
  X509_free(cert);
  return ok;
}

Bytes digest_of(std::string_view text) {
  Bytes d(32);
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), d.data(), &len, EVP_sha256(), nullptr);
  return d;
}

const Card* find(const std::vector<Card>& cards, CardType type) {
  for (const auto& c : cards) {
    if (c.type == type) {
      return &c;
    }
  }
  return nullptr;
}

TEST(LocalKonnektor, InformationModelRefusesWrongContexts) {
  with_konnektor([](LocalKonnektor& k, asio::io_context&) -> awaitable<void> {
    const auto cards = co_await k.get_cards(kPraxis);
    EXPECT_TRUE(cards.ok());
    EXPECT_EQ(cards.value->size(), 2u) << "SMC-B A and eHBA A are visible in M1/CS1/WP1";
    const auto b = co_await k.get_cards(kPraxisB);
    EXPECT_TRUE(b.ok());
    EXPECT_EQ(b.value->size(), 1u);
    // Named contexts: g++ 12 destroys temporaries inside a co_await expression twice.
    const CallContext bad_mandant{"M9", "CS1", "WP1", ""};
    const CallContext bad_client{"M1", "CS9", "WP1", ""};
    const CallContext bad_workplace{"M1", "CS1", "WP9", ""};
    const CallContext incomplete{"M1", "", "WP1", ""};
    const auto m = co_await k.get_cards(bad_mandant);
    EXPECT_EQ(m.error.code, 4004);
    const auto cs = co_await k.get_cards(bad_client);
    EXPECT_EQ(cs.error.code, 4005);
    const auto wp = co_await k.get_cards(bad_workplace);
    EXPECT_EQ(wp.error.code, 4006);
    EXPECT_EQ(wp.error.kind, Error::Kind::context);
    const auto empty = co_await k.get_cards(incomplete);
    EXPECT_EQ(empty.error.code, 4021);
    // A card handle of another Mandant's card is not visible here.
    const auto other = co_await k.get_pin_status(kPraxis, b.value->front().handle, PinType::smc);
    EXPECT_EQ(other.error.code, 4008);
  });
}

TEST(LocalKonnektor, LockedCardRefusesUntilVerifyPinThenSignsOnTheToken) {
  with_konnektor([](LocalKonnektor& k, asio::io_context&) -> awaitable<void> {
    const auto cards = co_await k.get_cards(kPraxis);
    const Card* smcb = find(*cards.value, CardType::smc_b);
    EXPECT_NE(smcb, nullptr);
    EXPECT_EQ(smcb->iccsn, participant("praxis_a")["card"]["iccsn"]);
    const Bytes digest = digest_of("Arztbrief");
    const auto locked =
        co_await k.external_authenticate(kPraxis, smcb->handle, digest, SignatureScheme::rsassa_pss_sha256);
    EXPECT_EQ(locked.error.code, 4085);
    const auto status = co_await k.get_pin_status(kPraxis, smcb->handle, PinType::smc);
    EXPECT_EQ(status.value->status, PinStatus::verifiable);
    const auto wrong_ref = co_await k.verify_pin(kPraxis, smcb->handle, PinType::ch);
    EXPECT_EQ(wrong_ref.error.code, 4072);
    const auto verified = co_await k.verify_pin(kPraxis, smcb->handle, PinType::smc);
    EXPECT_EQ(verified.value->result, PinResult::ok);
    const auto after = co_await k.get_pin_status(kPraxis, smcb->handle, PinType::smc);
    EXPECT_EQ(after.value->status, PinStatus::verified);
    for (const auto scheme : {SignatureScheme::rsassa_pss_sha256, SignatureScheme::ecdsa_sha256}) {
      const auto sig = co_await k.external_authenticate(kPraxis, smcb->handle, digest, scheme);
      EXPECT_TRUE(sig.ok()) << sig.error.text;
      const auto crypt = scheme == SignatureScheme::ecdsa_sha256 ? Crypt::ecc : Crypt::rsa;
      const auto cert = co_await k.read_card_certificate(kPraxis, smcb->handle, CertRef::aut, crypt);
      EXPECT_TRUE(cert.ok()) << cert.error.text;
      EXPECT_TRUE(verify(cert.value->front().der, digest, *sig.value, scheme)) << "signature checks with C.HCI.AUT";
    }
    // ENC certificates, RSA and ECC, are the world's.
    const auto enc_rsa = co_await k.read_card_certificate(kPraxis, smcb->handle, CertRef::enc, Crypt::rsa);
    EXPECT_EQ(enc_rsa.value->front().der, file_bytes(participant("praxis_a")["keys"]["C.HCI.ENC.RSA"]["cert_der"]));
    const auto enc_ecc = co_await k.read_card_certificate(kPraxis, smcb->handle, CertRef::enc, Crypt::ecc);
    EXPECT_EQ(enc_ecc.value->front().der, file_bytes(participant("praxis_a")["keys"]["C.HCI.ENC.ECC"]["cert_der"]));
    const auto osig = co_await k.read_card_certificate(kPraxis, smcb->handle, CertRef::sig, Crypt::rsa);
    EXPECT_TRUE(osig.ok()) << "C.HCI.OSIG is read as C.SIG";
    // Re-insertion: a new handle, the same ICCSN, locked again.
    const std::string old_handle = smcb->handle;
    k.reinsert_cards();
    const auto again = co_await k.get_cards(kPraxis);
    const Card* smcb2 = find(*again.value, CardType::smc_b);
    EXPECT_NE(smcb2->handle, old_handle);
    EXPECT_EQ(smcb2->iccsn, participant("praxis_a")["card"]["iccsn"]);
    const auto stale = co_await k.get_pin_status(kPraxis, old_handle, PinType::smc);
    EXPECT_EQ(stale.error.code, 4008);
    const auto relocked =
        co_await k.external_authenticate(kPraxis, smcb2->handle, digest, SignatureScheme::rsassa_pss_sha256);
    EXPECT_EQ(relocked.error.code, 4085);
  });
}

TEST(LocalKonnektor, HbaNeedsItsUserId) {
  with_konnektor([](LocalKonnektor& k, asio::io_context&) -> awaitable<void> {
    const auto cards = co_await k.get_cards(kPraxis);
    const Card* hba = find(*cards.value, CardType::hba);
    EXPECT_NE(hba, nullptr);
    const auto no_user = co_await k.verify_pin(kPraxis, hba->handle, PinType::ch);
    EXPECT_EQ(no_user.error.code, 4003);
    const auto ok = co_await k.verify_pin(kDoctor, hba->handle, PinType::ch);
    EXPECT_EQ(ok.value->result, PinResult::ok);
    const Bytes digest = digest_of("JWT");
    const auto sig = co_await k.external_authenticate(kDoctor, hba->handle, digest, SignatureScheme::rsassa_pss_sha256);
    const auto cert = co_await k.read_card_certificate(kDoctor, hba->handle, CertRef::aut, Crypt::rsa);
    EXPECT_TRUE(sig.ok() && cert.ok());
    EXPECT_TRUE(verify(cert.value->front().der, digest, *sig.value, SignatureScheme::rsassa_pss_sha256))
        << "C.HP.AUT signs";
  });
}

TEST(LocalKonnektor, Pkcs12CardSigns) {
  with_konnektor([](LocalKonnektor& k, asio::io_context&) -> awaitable<void> {
    const auto cards = co_await k.get_cards(kPraxisB);
    const Card& card = cards.value->front();
    co_await k.verify_pin(kPraxisB, card.handle, PinType::smc);
    const Bytes digest = digest_of("Zahnarztbrief");
    for (const auto scheme : {SignatureScheme::rsassa_pss_sha256, SignatureScheme::ecdsa_sha256}) {
      const auto sig = co_await k.external_authenticate(kPraxisB, card.handle, digest, scheme);
      const auto crypt = scheme == SignatureScheme::ecdsa_sha256 ? Crypt::ecc : Crypt::rsa;
      const auto cert = co_await k.read_card_certificate(kPraxisB, card.handle, CertRef::aut, crypt);
      EXPECT_TRUE(sig.ok() && cert.ok()) << sig.error.text << cert.error.text;
      EXPECT_TRUE(verify(cert.value->front().der, digest, *sig.value, scheme));
    }
  });
}

TEST(LocalKonnektor, TwentyConcurrentSignaturesOnOneCardRunInArrivalOrder) {
  with_konnektor([](LocalKonnektor& k, asio::io_context& io) -> awaitable<void> {
    const auto cards = co_await k.get_cards(kPraxis);
    const Card* smcb = find(*cards.value, CardType::smc_b);
    co_await k.verify_pin(kPraxis, smcb->handle, PinType::smc);
    std::vector<int> order;
    std::vector<int> ticks_at;
    int ticks = 0;
    bool done = false;
    bool ticker_finished = false;
    const std::string handle = smcb->handle;
    const auto one = [&](int i) -> awaitable<void> {
      const Bytes digest = digest_of("message " + std::to_string(i));
      const auto sig = co_await k.external_authenticate(kPraxis, handle, digest, SignatureScheme::rsassa_pss_sha256);
      EXPECT_TRUE(sig.ok()) << sig.error.text;
      order.push_back(i);
      ticks_at.push_back(ticks);
    };
    const auto ticker = [&]() -> awaitable<void> {
      while (!done) {
        ++ticks;
        co_await asio::post(io, asio::use_awaitable);
      }
      ticker_finished = true;
    };
    asio::co_spawn(io, ticker(), asio::detached);
    for (int i = 0; i < 20; ++i) {
      asio::co_spawn(io, one(i), asio::detached);
    }
    while (order.size() < 20) {
      co_await asio::post(io, asio::use_awaitable);
    }
    done = true;
    while (!ticker_finished) {  // the ticker uses this frame's variables
      co_await asio::post(io, asio::use_awaitable);
    }
    for (int i = 0; i < 20; ++i) {
      EXPECT_EQ(order[static_cast<std::size_t>(i)], i) << "arrival order";
    }
    EXPECT_GT(ticks_at.back(), ticks_at.front()) << "the unrelated coroutine kept running";
  });
}

TEST(Pkcs11Token, RawRsaAndEcdhOnTheCardMatchSoftwareResults) {
  const json& p = participant("praxis_a");
  auto token = Pkcs11Token::open(world()["softhsm"]["module"], p["card"]["token_label"]);
  ASSERT_TRUE(token.ok()) << token.error;
  ASSERT_TRUE((*token.value)->login(p["card"]["user_pin"]).ok());
  // Raw RSA: what RSA_NO_PADDING encrypts with the ENC certificate comes back unchanged.
  const json& rsa = p["keys"]["C.HCI.ENC.RSA"];
  const Bytes cert_der = file_bytes(rsa["cert_der"]);
  const unsigned char* cp = cert_der.data();
  X509* cert = d2i_X509(nullptr, &cp, static_cast<long>(cert_der.size()));
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(X509_get0_pubkey(cert), nullptr);
  Bytes block(256, 0x42);
  block[0] = 0x00;
  Bytes cipher(256);
  std::size_t len = cipher.size();
  ASSERT_EQ(EVP_PKEY_encrypt_init(ctx), 1);
  EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING);
  ASSERT_EQ(EVP_PKEY_encrypt(ctx, cipher.data(), &len, block.data(), block.size()), 1);
  EVP_PKEY_CTX_free(ctx);
  X509_free(cert);
  const auto raw = (*token.value)->rsa_raw(hex(rsa["cka_id"]), cipher);
  ASSERT_TRUE(raw.ok()) << raw.error;
  EXPECT_EQ(*raw.value, block) << "leading zero bytes are restored to the modulus length";
  // ECDH: the card's shared secret equals the one computed from an ephemeral key.
  const json& ecc = p["keys"]["C.HCI.ENC.ECC"];
  const Bytes ecc_der = file_bytes(ecc["cert_der"]);
  cp = ecc_der.data();
  X509* ecc_cert = d2i_X509(nullptr, &cp, static_cast<long>(ecc_der.size()));
  EVP_PKEY* card_pub = X509_get0_pubkey(ecc_cert);
  EVP_PKEY* eph = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "brainpoolP256r1");
  ASSERT_NE(eph, nullptr);
  Bytes point(65);
  std::size_t point_len = 0;
  EVP_PKEY_get_octet_string_param(eph, "encoded-pub-key", point.data(), point.size(), &point_len);
  point.resize(point_len);
  EVP_PKEY_CTX* dctx = EVP_PKEY_CTX_new(eph, nullptr);
  Bytes expected(32);
  std::size_t elen = expected.size();
  EVP_PKEY_derive_init(dctx);
  EVP_PKEY_derive_set_peer(dctx, card_pub);
  ASSERT_EQ(EVP_PKEY_derive(dctx, expected.data(), &elen), 1);
  EVP_PKEY_CTX_free(dctx);
  EVP_PKEY_free(eph);
  X509_free(ecc_cert);
  const auto shared = (*token.value)->ecdh(hex(ecc["cka_id"]), point);
  ASSERT_TRUE(shared.ok()) << shared.error;
  EXPECT_EQ(*shared.value, expected);
}

// The recipient-emails attribute for (address, ENC certificate) pairs.
Bytes recipient_emails(const std::vector<std::pair<std::string, Bytes>>& entries) {
  std::vector<crypto::RecipientEmail> list;
  for (const auto& [address, cert] : entries) {
    list.push_back(crypto::RecipientEmail{address, *crypto::issuer_and_serial(cert).value});
  }
  return crypto::encode_recipient_emails(list);
}

Bytes enc_cert(const std::string& who, const std::string& label) {
  return file_bytes(participant(who)["keys"][label]["cert_der"]);
}

TEST(LocalKonnektorCms, SignDocumentOnTheTokenVerifies) {
  with_konnektor(
      [](LocalKonnektor& k, asio::io_context&) -> awaitable<void> {
        const auto cards = co_await k.get_cards(kPraxis);
        const Card* smcb = find(*cards.value, CardType::smc_b);
        const Card* hba = find(*cards.value, CardType::hba);
        co_await k.verify_pin(kPraxis, smcb->handle, PinType::smc);
        const std::string b = participant("praxis_b")["kim_address"];
        const Bytes emails = recipient_emails({{b, enc_cert("praxis_b", "C.HCI.ENC.RSA")}});
        const Bytes content = crypto::to_bytes("Content-Type: message/rfc822\r\n\r\nSubject: Befund\r\n\r\nText\r\n");
        for (const Crypt crypt : {Crypt::rsa, Crypt::ecc}) {
          const auto signed_data = co_await k.sign_document(kPraxis, smcb->handle, content, emails, crypt);
          EXPECT_TRUE(signed_data.ok()) << signed_data.error.text;
          const auto v = co_await k.verify_document(kPraxis, *signed_data.value);
          EXPECT_TRUE(v.ok());
          EXPECT_EQ(v.value->code, 0) << v.value->detail;
          EXPECT_EQ(v.value->code, 0) << "IntegrityCheckResult 01";
          EXPECT_EQ(v.value->content, content);
          EXPECT_EQ(v.value->signer_cert,
                    enc_cert("praxis_a", crypt == Crypt::rsa ? "C.HCI.OSIG.RSA" : "C.HCI.OSIG.ECC"));
          Bytes tampered = *signed_data.value;
          const auto at = std::search(tampered.begin(), tampered.end(), content.begin(), content.end());
          EXPECT_NE(at, tampered.end());
          *(at + static_cast<std::ptrdiff_t>(content.size()) - 3) ^= 0x01;
          const auto bad = co_await k.verify_document(kPraxis, tampered);
          EXPECT_EQ(bad.value->code, 4115) << "changed signed content";
          EXPECT_EQ(bad.value->code, 4115) << "IntegrityCheckResult 02";
        }
        const auto by_hba = co_await k.sign_document(kDoctor, hba->handle, content, emails, Crypt::rsa);
        EXPECT_EQ(by_hba.error.code, 4209) << "HBAs never sign KIM messages";
        const Bytes huge(15728641, 'x');
        const auto too_big = co_await k.sign_document(kPraxis, smcb->handle, huge, emails, Crypt::rsa);
        EXPECT_EQ(too_big.error.kind, Error::Kind::document);
        const auto nothing = co_await k.verify_document(kPraxis, content);
        EXPECT_NE(nothing.value->code, 0);
      },
      true);
}

TEST(LocalKonnektorCms, WithoutTrustAnchorsTheStatusIsNotCheckable) {
  with_konnektor([](LocalKonnektor& k, asio::io_context&) -> awaitable<void> {
    const auto cards = co_await k.get_cards(kPraxis);
    const Card* smcb = find(*cards.value, CardType::smc_b);
    co_await k.verify_pin(kPraxis, smcb->handle, PinType::smc);
    const Bytes emails = recipient_emails({{"x@y.kim.telematik", enc_cert("praxis_b", "C.HCI.ENC.RSA")}});
    const Bytes content = crypto::to_bytes("Content-Type: message/rfc822\r\n\r\nx\r\n");
    const auto signed_data = co_await k.sign_document(kPraxis, smcb->handle, content, emails, Crypt::rsa);
    const auto v = co_await k.verify_document(kPraxis, *signed_data.value);
    EXPECT_EQ(v.value->code, 4264);
    EXPECT_EQ(v.value->code, 4264) << "IntegrityCheckResult 07";
    const auto cert = co_await k.verify_certificate(kPraxis, enc_cert("praxis_b", "C.HCI.ENC.RSA"));
    EXPECT_EQ(*cert.value, CertificateVerification::inconclusive);
  });
}

TEST(LocalKonnektorCms, EncryptedForPracticeBOpensWithBsCardOnly) {
  with_konnektor([](LocalKonnektor& k, asio::io_context&) -> awaitable<void> {
    const std::string b = participant("praxis_b")["kim_address"];
    const Bytes b_rsa = enc_cert("praxis_b", "C.HCI.ENC.RSA");
    const Bytes b_ecc = enc_cert("praxis_b", "C.HCI.ENC.ECC");
    const Bytes emails = recipient_emails({{b, b_rsa}, {b, b_ecc}});
    const Bytes content = crypto::to_bytes("Content-Type: application/pkcs7-mime\r\n\r\nsigned bytes");
    const std::vector<Bytes> certs{b_rsa, b_ecc};
    const auto cms = co_await k.encrypt_document(kPraxis, content, certs, emails);
    EXPECT_TRUE(cms.ok()) << cms.error.text;
    const auto b_cards = co_await k.get_cards(kPraxisB);
    const std::string b_handle = b_cards.value->front().handle;
    co_await k.verify_pin(kPraxisB, b_handle, PinType::smc);
    for (const Crypt key : {Crypt::rsa, Crypt::ecc}) {
      const auto opened = co_await k.decrypt_document(kPraxisB, b_handle, *cms.value, key);
      EXPECT_TRUE(opened.ok()) << opened.error.text;
      EXPECT_EQ(*opened.value, content);
    }
    const auto a_cards = co_await k.get_cards(kPraxis);
    const Card* smcb = find(*a_cards.value, CardType::smc_b);
    const auto locked = co_await k.decrypt_document(kPraxis, smcb->handle, *cms.value, Crypt::rsa);
    EXPECT_EQ(locked.error.code, 4085);
    co_await k.verify_pin(kPraxis, smcb->handle, PinType::smc);
    for (const Crypt key : {Crypt::rsa, Crypt::ecc}) {
      const auto refused = co_await k.decrypt_document(kPraxis, smcb->handle, *cms.value, key);
      EXPECT_FALSE(refused.ok()) << "practice A's card is not a recipient";
      EXPECT_NE(refused.error.text.find("matches a RecipientInfo"), std::string::npos) << refused.error.text;
    }
  });
}

TEST(LocalKonnektorCms, SendersCopyOpensOnTheSoftHsmToken) {
  with_konnektor(
      [](LocalKonnektor& k, asio::io_context&) -> awaitable<void> {
        const std::string a = participant("praxis_a")["kim_address"];
        const std::string b = participant("praxis_b")["kim_address"];
        const Bytes a_rsa = enc_cert("praxis_a", "C.HCI.ENC.RSA");
        const Bytes a_ecc = enc_cert("praxis_a", "C.HCI.ENC.ECC");
        const Bytes b_rsa = enc_cert("praxis_b", "C.HCI.ENC.RSA");
        const Bytes emails = recipient_emails({{b, b_rsa}, {a, a_rsa}, {a, a_ecc}});
        const Bytes content = crypto::to_bytes("the signed entity");
        const std::vector<Bytes> certs{b_rsa, a_rsa, a_ecc};
        const auto cms = co_await k.encrypt_document(kPraxis, content, certs, emails);
        const auto cards = co_await k.get_cards(kPraxis);
        const Card* smcb = find(*cards.value, CardType::smc_b);
        co_await k.verify_pin(kPraxis, smcb->handle, PinType::smc);
        for (const Crypt key : {Crypt::rsa, Crypt::ecc}) {
          // RSA: raw CKM_RSA_X_509 on SoftHSM, OAEP-SHA256 decoded in our code; ECC: ECDH on the token.
          const auto opened = co_await k.decrypt_document(kPraxis, smcb->handle, *cms.value, key);
          EXPECT_TRUE(opened.ok()) << opened.error.text;
          EXPECT_EQ(*opened.value, content);
        }
        const auto good = co_await k.verify_certificate(kPraxis, b_rsa);
        EXPECT_EQ(*good.value, CertificateVerification::valid);
        const std::string expired = world()["awkward"]["expired"].is_string()
                                        ? world()["awkward"]["expired"].get<std::string>()
                                        : std::string("expired");
        const json& ep = participant("expired");
        const auto old = co_await k.verify_certificate(kPraxis, file_bytes(ep["keys"].begin().value()["cert_der"]));
        EXPECT_EQ(*old.value, CertificateVerification::invalid) << "expired ENC certificate of " << expired;
      },
      true);
}

TEST(LocalKonnektorCms, TheHbaDecryptsWithItsUserId) {
  with_konnektor([](LocalKonnektor& k, asio::io_context&) -> awaitable<void> {
    const std::string doctor = participant("arzt_a")["kim_address"];
    const Bytes hp_rsa = enc_cert("arzt_a", "C.HP.ENC.RSA");
    const Bytes hp_ecc = enc_cert("arzt_a", "C.HP.ENC.ECC");
    const Bytes emails = recipient_emails({{doctor, hp_rsa}, {doctor, hp_ecc}});
    const Bytes content = crypto::to_bytes("for the doctor only");
    const std::vector<Bytes> certs{hp_rsa, hp_ecc};
    const auto cms = co_await k.encrypt_document(kPraxis, content, certs, emails);
    const auto cards = co_await k.get_cards(kPraxis);
    const Card* hba = find(*cards.value, CardType::hba);
    const auto no_user = co_await k.decrypt_document(kPraxis, hba->handle, *cms.value, Crypt::rsa);
    EXPECT_EQ(no_user.error.code, 4003);
    co_await k.verify_pin(kDoctor, hba->handle, PinType::ch);
    for (const Crypt key : {Crypt::rsa, Crypt::ecc}) {
      const auto opened = co_await k.decrypt_document(kDoctor, hba->handle, *cms.value, key);
      EXPECT_TRUE(opened.ok()) << opened.error.text;
      EXPECT_EQ(*opened.value, content);
    }
  });
}

TEST(LocalKonnektorSimulation, ServiceTimeHoldsTheCardAndErrorsAreInjected) {
  asio::io_context io;
  asio::thread_pool pool(2);
  conf::Konnektor cfg = config();
  cfg.simulate_service_time = std::chrono::milliseconds(20);
  cfg.simulate_error_permille = 1000;  // every operation fails
  LocalKonnektor k(io.get_executor(), pool, cfg, std::chrono::seconds(60));
  Outcome<Bytes> failed;
  const auto run = [&]() -> awaitable<void> {
    const auto cards = co_await k.get_cards(kPraxis);
    const Card* smcb = find(*cards.value, CardType::smc_b);
    co_await k.verify_pin(kPraxis, smcb->handle, PinType::smc);
    const Bytes digest = digest_of("x");
    failed = co_await k.external_authenticate(kPraxis, smcb->handle, digest, SignatureScheme::rsassa_pss_sha256);
  };
  asio::co_spawn(io, run(), asio::detached);
  io.run();
  pool.join();
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(failed.error.code, 4045);
  EXPECT_NE(failed.error.text.find("simulated"), std::string::npos);
}

}  // namespace
}  // namespace kimgate::konnektor
