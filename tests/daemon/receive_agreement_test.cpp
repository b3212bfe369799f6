// One receive decision table (kim/receive_decision.h) for the daemon and kimctl: the same
// message, once through the daemon's receive pipeline (with a Konnektor that decrypts and
// verifies in memory, the way the local Konnektor does) and once through `kimctl message open`
// (local keys and trust anchors), gets the same DecryptionResult, IntegrityCheckResult and
// kind of mail — good messages and each tampering case, the CR/LF-mangled SignedData included.
#include <gtest/gtest.h>

#include <functional>
#include <utility>

#include "../crypto/test_pki.h"
#include "admin/message_command.h"
#include "crypto/auth_enveloped.h"
#include "crypto/certificate.h"
#include "crypto/recipient_emails.h"
#include "crypto/signed_data.h"
#include "daemon/card_finder.h"
#include "daemon/receive_pipeline.h"
#include "kim/kom_le.h"
#include "konnektor/konnektor.h"

namespace kimgate::daemon {
namespace {

using crypto::Bytes;
using konnektor::Error;
using konnektor::Outcome;

constexpr const char* kA = "praxis.a@fd-a.kim.telematik-test";
constexpr const char* kB = "praxis.b@fd-b.kim.telematik-test";

const std::string kClient =
    "From: Praxis A <praxis.a@fd-a.kim.telematik-test>\r\n"
    "To: praxis.b@fd-b.kim.telematik-test\r\n"
    "Subject: Befund\r\n"
    "Date: Mon, 23 Nov 2026 10:00:00 +0100\r\n"
    "Message-ID: <550e8400-e29b-41d4-a716-446655440000@kim.local>\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "Hallo Praxis B\r\n";

struct World {
  test::Identity ca = test::make_ca("Agreement Test CA");
  test::Identity osig = test::issue(ca, test::CertSpec{test::KeyKind::rsa, "osig", "critical,nonRepudiation",
                                                       "1.2.276.0.76.4.163,1.2.276.0.76.4.78"});
  test::Identity enc_a = test::issue(ca, test::CertSpec{});
  test::Identity enc_b = test::issue(ca, test::CertSpec{});
};
const World& world() {
  static const World w;
  return w;
}

std::vector<std::pair<std::string, Bytes>> recipients() {
  return {{kB, world().enc_b.cert.der}, {kA, world().enc_a.cert.der}};
}

Bytes emails(const std::vector<std::pair<std::string, Bytes>>& list) {
  std::vector<crypto::RecipientEmail> e;
  for (const auto& [a, c] : list) {
    e.push_back({a, *crypto::issuer_and_serial(c).value});
  }
  return crypto::encode_recipient_emails(e);
}

// A KIM mail as kimctl seals it, with hooks to tamper with the signed DER and the envelope's
// recipient-emails.
std::string build(const std::function<void(Bytes&)>& mutate_signed_der = {},
                  const std::vector<std::pair<std::string, Bytes>>& enveloped = recipients()) {
  crypto::SignInput in;
  in.content = crypto::to_bytes(kim::signed_content(kClient));
  in.signer_cert_der = world().osig.cert.der;
  in.recipient_emails = emails(recipients());
  in.signing_time = 1795000000;
  auto sd = crypto::sign_signed_data(in, crypto::sign_with_key(world().osig.key.get()));
  EXPECT_TRUE(sd.ok()) << sd.error;
  Bytes der = *sd.value;
  if (mutate_signed_der) {
    mutate_signed_der(der);
  }
  crypto::EnvelopeInput ein;
  ein.content = crypto::to_bytes(kim::signed_data_entity(crypto::to_string(der)));
  for (const auto& r : recipients()) {
    ein.recipient_certs.push_back(r.second);
  }
  ein.recipient_emails = emails(enveloped);
  auto cms = crypto::seal_auth_enveloped(ein);
  EXPECT_TRUE(cms.ok()) << cms.error;
  return *kim::build_outer_message(kClient, crypto::base64_encode_lines(crypto::der::view(*cms.value)), {});
}

// A Konnektor with B's SMC-B in memory: PIN verified, DecryptDocument with B's ENC key, and
// VerifyDocument answering the codes the local Konnektor gives (trust anchor: the test CA).
class MemoryKonnektor final : public konnektor::Konnektor {
 public:
  const konnektor::ProductInformation& product_information() const override { return product_; }
  net::awaitable<Outcome<std::vector<konnektor::Card>>> get_cards(const konnektor::CallContext&) override {
    konnektor::Card card;
    card.handle = "H-B";
    card.type = konnektor::CardType::smc_b;
    card.iccsn = "80276000000000000001";
    card.holder = "Praxis B";
    co_return Outcome<std::vector<konnektor::Card>>::success({card});
  }
  net::awaitable<Outcome<konnektor::PinState>> get_pin_status(const konnektor::CallContext&, const std::string&,
                                                              konnektor::PinType) override {
    co_return Outcome<konnektor::PinState>::success(konnektor::PinState{konnektor::PinStatus::verified, {}});
  }
  net::awaitable<Outcome<konnektor::PinOutcome>> verify_pin(const konnektor::CallContext&, const std::string&,
                                                            konnektor::PinType) override {
    co_return Outcome<konnektor::PinOutcome>::success(konnektor::PinOutcome{konnektor::PinResult::ok, {}});
  }
  net::awaitable<Outcome<std::vector<konnektor::CardCertificate>>> read_card_certificate(
      const konnektor::CallContext&, const std::string&, konnektor::CertRef ref, konnektor::Crypt crypt) override {
    using R = Outcome<std::vector<konnektor::CardCertificate>>;
    if (crypt != konnektor::Crypt::rsa) {
      co_return R::failure(Error{Error::Kind::card, 4209, "no such key"});
    }
    co_return R::success({konnektor::CardCertificate{ref, crypt, world().enc_b.cert.der}});
  }
  net::awaitable<Outcome<Bytes>> decrypt_document(const konnektor::CallContext&, const std::string&, const Bytes& cms,
                                                  konnektor::Crypt) override {
    const std::vector<crypto::KeyAccess> keys{
        crypto::key_access_from_pkey(world().enc_b.key.get(), world().enc_b.cert.der)};
    auto opened = crypto::open_auth_enveloped(crypto::der::view(cms), "", keys);
    if (!opened.opened) {
      co_return Outcome<Bytes>::failure(Error{Error::Kind::document, 4000, opened.detail});
    }
    co_return Outcome<Bytes>::success(std::move(opened.opened->content));
  }
  net::awaitable<Outcome<konnektor::VerifyResult>> verify_document(const konnektor::CallContext&,
                                                                   const Bytes& signed_data) override {
    ++verifications;
    konnektor::VerifyResult out;
    const crypto::VerifiedSignedData v = crypto::verify_signed_data(crypto::der::view(signed_data));
    switch (v.status) {
      case crypto::SignatureStatus::invalid:
        out.code = 4115;
        break;
      case crypto::SignatureStatus::missing:
        out.code = 4253;
        break;
      case crypto::SignatureStatus::format_error:
        out.code = 4112;
        break;
      case crypto::SignatureStatus::valid: {
        auto cert = crypto::certificate_from_der(v.signer_cert_der);
        crypto::CertCheckOptions o;
        o.allowed_types = {crypto::CertType::hci_osig};
        o.roots = {world().ca.cert};
        out.code = cert.ok() && crypto::check_certificate(*cert.value, o).status == crypto::CertStatus::ok ? 0 : 4206;
        break;
      }
    }
    co_return Outcome<konnektor::VerifyResult>::success(std::move(out));
  }
  template <class T>
  net::awaitable<Outcome<T>> unused() {
    co_return Outcome<T>::failure(Error{Error::Kind::document, 4000, "not used when receiving"});
  }
  net::awaitable<Outcome<Bytes>> sign_document(const konnektor::CallContext&, const std::string&, konnektor::ByteView,
                                               const Bytes&, konnektor::Crypt) override {
    return unused<Bytes>();
  }
  net::awaitable<Outcome<Bytes>> encrypt_document(const konnektor::CallContext&, konnektor::ByteView,
                                                  const std::vector<Bytes>&, const Bytes&) override {
    return unused<Bytes>();
  }
  net::awaitable<Outcome<konnektor::CertificateVerification>> verify_certificate(const konnektor::CallContext&,
                                                                                 const Bytes&) override {
    return unused<konnektor::CertificateVerification>();
  }
  net::awaitable<Outcome<Bytes>> external_authenticate(const konnektor::CallContext&, const std::string&, const Bytes&,
                                                       konnektor::SignatureScheme) override {
    return unused<Bytes>();
  }

  int verifications = 0;

 private:
  konnektor::ProductInformation product_;
};

ReceiveOutcome through_daemon(const std::string& message, MemoryKonnektor& konnektor) {
  CardFinder cards{konnektor, false, std::chrono::hours(1), 10};
  net::asio::io_context io;
  net::asio::thread_pool pool(1);
  ReceiveOutcome out;
  const Recipient who{kB, konnektor::CallContext{"M1", "CS1", "WP1", ""}};
  const auto body = [&]() -> net::awaitable<void> {
    const ReceiveDeps deps{konnektor, cards, pool, nullptr, {}};
    out = co_await process_retrieved(deps, who, message);
  };
  net::asio::co_spawn(io, body(), net::asio::detached);
  io.run();
  pool.join();
  return out;
}

admin::OpenOutcome through_kimctl(const std::string& message) {
  admin::OpenRequest req;
  req.input = message;
  req.address = kB;
  req.keys.push_back(crypto::key_access_from_pkey(world().enc_b.key.get(), world().enc_b.cert.der));
  req.trust_roots = {world().ca.cert};
  req.generated = {"<generated@kimgate.local>", "Mon, 23 Nov 2026 12:00:00 +0000"};
  return admin::open_message(req);
}

// The kind of mail, read from what the PVS would get.
std::string kind_of(const std::string& mail) {
  if (mail.find("Sicherheitsverletzung") != std::string::npos) {
    return "security warning";
  }
  if (mail.find("X-KIM-Fehlermeldung: 4008") != std::string::npos) {
    return "version";
  }
  if (mail.find("X-KIM-DecryptionResult: 0") != std::string::npos &&
      mail.find("X-KIM-IntegrityCheckResult") == std::string::npos) {
    return "decryption error";
  }
  if (mail.find("X-KIM-IntegrityCheckResult") != std::string::npos) {
    return "delivered";
  }
  return "unchanged";
}

void expect_agreement(const std::string& message, const std::string& decryption, const std::string& integrity) {
  MemoryKonnektor konnektor;
  const ReceiveOutcome daemon = through_daemon(message, konnektor);
  const admin::OpenOutcome kimctl = through_kimctl(message);
  // The daemon labels the 4008 case for its log; kimctl has no DecryptionResult there.
  const std::string daemon_decryption = daemon.decryption_result == "4008" ? "" : daemon.decryption_result;
  EXPECT_EQ(daemon_decryption, kimctl.decryption_result) << daemon.detail << " | " << kimctl.verdict;
  EXPECT_EQ(daemon.integrity_result, kimctl.integrity_result) << daemon.detail << " | " << kimctl.verdict;
  EXPECT_EQ(kind_of(daemon.mail), kind_of(kimctl.mail));
  EXPECT_EQ(kimctl.decryption_result, decryption);
  EXPECT_EQ(kimctl.integrity_result, integrity);
}

TEST(ReceiveAgreement, GoodMessageIs01InBoth) {
  expect_agreement(build(), "00", "01");
}

TEST(ReceiveAgreement, CrLfCanonicalisedSignedDataIs04InBothWithoutAskingTheKonnektor) {
  bool changed = false;
  const std::string mail = build([&changed](Bytes& der) {
    Bytes out;
    for (std::size_t i = 0; i < der.size(); ++i) {
      const auto c = der[i];
      if (c == 0x0a && (i == 0 || der[i - 1] != 0x0d)) {
        out.push_back(0x0d);
        changed = true;
      }
      out.push_back(c);
      if (c == 0x0d && (i + 1 == der.size() || der[i + 1] != 0x0a)) {
        out.push_back(0x0a);
        changed = true;
      }
    }
    der = out;
  });
  ASSERT_TRUE(changed) << "the DER happened to contain no lone CR/LF";
  expect_agreement(mail, "00", "04");
  MemoryKonnektor konnektor;
  through_daemon(mail, konnektor);
  EXPECT_EQ(konnektor.verifications, 0) << "§12 item 20: a signed-data entity that is no SignedData is 04 locally";
}

TEST(ReceiveAgreement, ChangedSignedContentIs02InBoth) {
  const std::string mail = build([](Bytes& der) {
    const std::string needle = "Hallo Praxis B";
    auto it = std::search(der.begin(), der.end(), needle.begin(), needle.end());
    ASSERT_NE(it, der.end());
    *it = 'X';
  });
  expect_agreement(mail, "00", "02");
}

TEST(ReceiveAgreement, DifferingRecipientEmailsAre09InBoth) {
  auto more = recipients();
  more.emplace_back("intruder@fd-x.kim.telematik-test", world().enc_a.cert.der);
  expect_agreement(build({}, more), "00", "09");
}

TEST(ReceiveAgreement, ReplacedOuterFromIs08InBoth) {
  std::string mail = build();
  const std::string from = "From: Praxis A <praxis.a@fd-a.kim.telematik-test>\r\n";
  mail.replace(mail.find(from), from.size(), "From: Mallory <mallory@fd-x.kim.telematik-test>\r\n");
  expect_agreement(mail, "00", "08");
}

TEST(ReceiveAgreement, UnsignedContentIs03InBoth) {
  crypto::EnvelopeInput ein;
  ein.content = crypto::to_bytes(kClient);
  for (const auto& r : recipients()) {
    ein.recipient_certs.push_back(r.second);
  }
  ein.recipient_emails = emails(recipients());
  auto cms = crypto::seal_auth_enveloped(ein);
  ASSERT_TRUE(cms.ok());
  const std::string mail =
      *kim::build_outer_message(kClient, crypto::base64_encode_lines(crypto::der::view(*cms.value)), {});
  expect_agreement(mail, "00", "03");
}

TEST(ReceiveAgreement, DecryptionFailuresAgree) {
  // Not addressed to B at all.
  std::vector<std::pair<std::string, Bytes>> only_a{{kA, world().enc_a.cert.der}};
  expect_agreement(build({}, only_a), "01", "");
  // A broken base64 body.
  std::string broken = build();
  broken.replace(broken.rfind("\r\n", broken.size() - 3) - 10, 1, "!");
  expect_agreement(broken, "02", "");
  // An unsupported version and a mail that is no KIM message.
  std::string v99 = build();
  v99.replace(v99.find("X-KOM-LE-Version: 1.0"), 21, "X-KOM-LE-Version: 9.9");
  expect_agreement(v99, "", "");
  expect_agreement(kClient, "", "");
}

}  // namespace
}  // namespace kimgate::daemon
