// The pure parts of the receive pipeline (rid selection, card matching, the result-id tables)
// and the pipeline's early outcomes against a Konnektor that cannot be reached.
#include "daemon/receive_pipeline.h"

#include <gtest/gtest.h>

#include <utility>

#include "../crypto/test_pki.h"
#include "crypto/auth_enveloped.h"
#include "crypto/recipient_emails.h"
#include "daemon/card_finder.h"
#include "kim/kom_le.h"
#include "konnektor/konnektor.h"

namespace kimgate::daemon {
namespace {

using konnektor::Bytes;
using konnektor::Error;

TEST(DecryptionFailure, CardProblems) {
  using F = kim::DecryptionFailure;
  EXPECT_EQ(decryption_failure_of(CardProblem::not_found), F::key_unavailable);
  EXPECT_EQ(decryption_failure_of(CardProblem::pin), F::key_unavailable);
  EXPECT_EQ(decryption_failure_of(CardProblem::context), F::key_unavailable);
  EXPECT_EQ(decryption_failure_of(CardProblem::unavailable), F::konnektor_unreachable);
}

TEST(DecryptionFailure, DecryptDocumentErrors) {
  using F = kim::DecryptionFailure;
  EXPECT_EQ(decryption_failure_of(Error{Error::Kind::document, 4000, "bad tag"}), F::format);
  EXPECT_EQ(decryption_failure_of(Error{Error::Kind::unavailable, 2, "refused"}), F::konnektor_unreachable);
  EXPECT_EQ(decryption_failure_of(Error{Error::Kind::timeout, 1, "timeout"}), F::konnektor_unreachable);
  EXPECT_EQ(decryption_failure_of(Error{Error::Kind::busy, 4093, "busy"}), F::konnektor_unreachable);
  EXPECT_EQ(decryption_failure_of(Error{Error::Kind::pin, 4085, "locked"}), F::key_unavailable);
  EXPECT_EQ(decryption_failure_of(Error{Error::Kind::card, 4008, "gone"}), F::key_unavailable);
}

TEST(CardProblemOf, KonnektorErrorKinds) {
  EXPECT_EQ(problem_of(Error{Error::Kind::context, 4004, ""}), CardProblem::context);
  EXPECT_EQ(problem_of(Error{Error::Kind::pin, 4063, ""}), CardProblem::pin);
  EXPECT_EQ(problem_of(Error{Error::Kind::timeout, 4094, ""}), CardProblem::unavailable);
  EXPECT_EQ(problem_of(Error{Error::Kind::card, 4209, ""}), CardProblem::not_found);
}

struct Pki {
  test::Identity ca = test::make_ca("Receive CA");
  test::Identity mine = test::issue(ca, test::CertSpec{});
  test::Identity mine_ecc =
      test::issue(ca, test::CertSpec{test::KeyKind::brainpool, "mine ecc", "critical,keyAgreement"});
  test::Identity theirs = test::issue(ca, test::CertSpec{test::KeyKind::rsa, "theirs"});
};

Bytes rid(const test::Identity& id) {
  return *crypto::issuer_and_serial(id.cert.der).value;
}

TEST(RidSelection, OnlyTheEntriesOfTheAddressIgnoringCase) {
  Pki pki;
  const std::vector<crypto::RecipientEmail> entries{{"Praxis.B@fd-b.kim.telematik-test", rid(pki.mine)},
                                                    {"praxis.b@fd-b.kim.telematik-test", rid(pki.mine_ecc)},
                                                    {"other@fd-b.kim.telematik-test", rid(pki.theirs)}};
  const auto rids = crypto::rids_for_address(entries, "praxis.b@FD-B.kim.telematik-test");
  ASSERT_EQ(rids.size(), 2u);
  EXPECT_EQ(rids[0], rid(pki.mine));
  EXPECT_EQ(rids[1], rid(pki.mine_ecc));
  EXPECT_TRUE(crypto::rids_for_address(entries, "praxis.b@fd-b.kim.telematik").empty());
}

TEST(CardMatching, TheCertificateThatARidNames) {
  Pki pki;
  const std::vector<Bytes> card{pki.theirs.cert.der, pki.mine_ecc.cert.der};
  EXPECT_EQ(matching_certificate(card, {rid(pki.mine), rid(pki.mine_ecc)}), std::optional<std::size_t>(1));
  EXPECT_EQ(matching_certificate(card, {rid(pki.mine)}), std::nullopt);
  EXPECT_EQ(matching_certificate({Bytes{0x30, 0x00}}, {rid(pki.mine)}), std::nullopt);
}

// A Konnektor that cannot be reached: every operation fails with code 2 (connection refused).
class UnreachableKonnektor final : public konnektor::Konnektor {
 public:
  int calls = 0;
  const konnektor::ProductInformation& product_information() const override { return product_; }
  template <class T>
  net::awaitable<konnektor::Outcome<T>> refuse() {
    ++calls;
    co_return konnektor::Outcome<T>::failure(Error{Error::Kind::unavailable, 2, "connection refused"});
  }
  net::awaitable<konnektor::Outcome<std::vector<konnektor::Card>>> get_cards(const konnektor::CallContext&) override {
    return refuse<std::vector<konnektor::Card>>();
  }
  net::awaitable<konnektor::Outcome<konnektor::PinState>> get_pin_status(const konnektor::CallContext&,
                                                                         const std::string&,
                                                                         konnektor::PinType) override {
    return refuse<konnektor::PinState>();
  }
  net::awaitable<konnektor::Outcome<konnektor::PinOutcome>> verify_pin(const konnektor::CallContext&,
                                                                       const std::string&,
                                                                       konnektor::PinType) override {
    return refuse<konnektor::PinOutcome>();
  }
  net::awaitable<konnektor::Outcome<std::vector<konnektor::CardCertificate>>> read_card_certificate(
      const konnektor::CallContext&, const std::string&, konnektor::CertRef, konnektor::Crypt) override {
    return refuse<std::vector<konnektor::CardCertificate>>();
  }
  net::awaitable<konnektor::Outcome<Bytes>> sign_document(const konnektor::CallContext&, const std::string&,
                                                          konnektor::ByteView, const Bytes&,
                                                          konnektor::Crypt) override {
    return refuse<Bytes>();
  }
  net::awaitable<konnektor::Outcome<Bytes>> encrypt_document(const konnektor::CallContext&, konnektor::ByteView,
                                                             const std::vector<Bytes>&, const Bytes&) override {
    return refuse<Bytes>();
  }
  net::awaitable<konnektor::Outcome<Bytes>> decrypt_document(const konnektor::CallContext&, const std::string&,
                                                             const Bytes&, konnektor::Crypt) override {
    return refuse<Bytes>();
  }
  net::awaitable<konnektor::Outcome<konnektor::VerifyResult>> verify_document(const konnektor::CallContext&,
                                                                              const Bytes&) override {
    return refuse<konnektor::VerifyResult>();
  }
  net::awaitable<konnektor::Outcome<konnektor::CertificateVerification>> verify_certificate(
      const konnektor::CallContext&, const Bytes&) override {
    return refuse<konnektor::CertificateVerification>();
  }
  net::awaitable<konnektor::Outcome<Bytes>> external_authenticate(const konnektor::CallContext&, const std::string&,
                                                                  const Bytes&, konnektor::SignatureScheme) override {
    return refuse<Bytes>();
  }

 private:
  konnektor::ProductInformation product_;
};

constexpr const char* kMe = "praxis.b@fd-b.kim.telematik-test";

// A KOM-LE message for `entries` (the content need not be signed: these cases never decrypt).
std::string kim_message(const Pki& pki, const std::vector<crypto::RecipientEmail>& entries,
                        const std::string& version = "1.0") {
  crypto::EnvelopeInput in;
  in.content = crypto::to_bytes("not opened in these tests");
  in.recipient_certs = {pki.mine.cert.der, pki.theirs.cert.der};
  in.recipient_emails = crypto::encode_recipient_emails(entries);
  const auto cms = crypto::seal_auth_enveloped(in);
  const std::string inner = std::string("From: praxis.a@fd-a.kim.telematik-test\r\nTo: ") + kMe +
                            "\r\nSubject: Befund\r\nMessage-ID: <x@kim.local>\r\n\r\nHallo\r\n";
  kim::OuterOptions o;
  o.kom_le_version = version;
  return *kim::build_outer_message(inner, crypto::base64_encode_lines(crypto::der::view(*cms.value)), o);
}

struct Pipeline {
  UnreachableKonnektor konnektor;
  CardFinder cards{konnektor, false, std::chrono::hours(1), 10};
  ReceiveOutcome process(const std::string& message) {
    net::asio::io_context io;
    net::asio::thread_pool pool(1);
    ReceiveOutcome out;
    const Recipient who{kMe, konnektor::CallContext{"M1", "CS1", "WP1", ""}};
    const auto body = [&]() -> net::awaitable<void> {
      const ReceiveDeps deps{konnektor, cards, pool, nullptr, {}};
      out = co_await process_retrieved(deps, who, message);
    };
    net::asio::co_spawn(io, body(), net::asio::detached);
    io.run();
    pool.join();
    return out;
  }
};

TEST(ReceivePipeline, MailWithoutKomLeVersionPassesUnchanged) {
  Pipeline r;
  const std::string dsn = "From: MAILER-DAEMON\r\nSubject: Undelivered\r\n\r\nsorry\r\n";
  const ReceiveOutcome o = r.process(dsn);
  EXPECT_EQ(o.mail, dsn);
  EXPECT_EQ(o.decryption_result, "");
  EXPECT_EQ(r.konnektor.calls, 0);
}

TEST(ReceivePipeline, UnsupportedVersionGets4008) {
  Pipeline r;
  Pki pki;
  const ReceiveOutcome o = r.process(kim_message(pki, {{kMe, rid(pki.mine)}}, "2.0"));
  EXPECT_EQ(o.decryption_result, "4008");
  EXPECT_NE(o.mail.find("X-KIM-Fehlermeldung: 4008\r\n"), std::string::npos);
  EXPECT_NE(o.mail.find("angegebene KIM-Version 2.0 nicht."), std::string::npos);
}

TEST(ReceivePipeline, BrokenCmsIs02) {
  Pipeline r;
  Pki pki;
  std::string m = kim_message(pki, {{kMe, rid(pki.mine)}});
  m.replace(m.find("\r\n\r\n") + 4, 8, "!!!!!!!!");
  const ReceiveOutcome o = r.process(m);
  EXPECT_EQ(o.decryption_result, "02");
  EXPECT_NE(o.mail.find("X-KIM-DecryptionResult: 02\r\n"), std::string::npos);
  EXPECT_EQ(r.konnektor.calls, 0);
}

TEST(ReceivePipeline, NotAddressedToTheUserIs01WithoutAskingTheKonnektor) {
  Pipeline r;
  Pki pki;
  const ReceiveOutcome o = r.process(kim_message(pki, {{"other@fd-b.kim.telematik-test", rid(pki.theirs)}}));
  EXPECT_EQ(o.decryption_result, "01");
  EXPECT_NE(o.mail.find(std::string("an Ihre eigene E-Mail-Adresse (") + kMe + ") weiter."), std::string::npos);
  EXPECT_EQ(r.konnektor.calls, 0);
}

TEST(ReceivePipeline, UnreachableKonnektorIs03) {
  Pipeline r;
  Pki pki;
  const std::string m = kim_message(pki, {{kMe, rid(pki.mine)}, {"other@fd-b.kim.telematik-test", rid(pki.theirs)}});
  const ReceiveOutcome o = r.process(m);
  EXPECT_EQ(o.decryption_result, "03");
  EXPECT_NE(o.mail.find("X-KIM-DecryptionResult: 03\r\n"), std::string::npos);
  EXPECT_NE(o.mail.find("X-KIM-Fehlermeldung: 4011\r\n"), std::string::npos);
  EXPECT_NE(o.mail.find("weil der Konnektor nicht antwortet"), std::string::npos);
  EXPECT_NE(o.mail.find(m), std::string::npos);  // the received message, unchanged, as message/rfc822
}

}  // namespace
}  // namespace kimgate::daemon
