#pragma once
// The Konnektor seam: the one interface through which kimgate reaches cards
// (design.md). Two implementations: LocalKonnektor (PKCS#11 tokens, PKCS#12 files)
// and the SOAP client for a real Konnektor. Nothing above this header includes a
// backend header; callers hold a Konnektor& chosen by KonnektorId.
//
// Every operation is asynchronous, takes the call context, and returns an Outcome:
// the value, or an Error with the gematik code and text. Implementations never block
// the io_context and bound every operation by KONNEKTOR_TIMEOUT.
#include "konnektor/time_sync.h"
#include "konnektor/types.h"
#include "net/asio.h"

namespace kimgate::konnektor {

class Konnektor {
 public:
  virtual ~Konnektor() = default;

  virtual const ProductInformation& product_information() const = 0;
  // Reads the Konnektor's self-description again (a SOAP Konnektor's connector.sds: product
  // information and service versions, e.g. after a firmware update); nullopt on success. The
  // default has nothing to read again.
  virtual net::awaitable<std::optional<Error>> refresh_information() { co_return std::nullopt; }

  // EventService GetCards: the cards visible to the context.
  virtual net::awaitable<Outcome<std::vector<Card>>> get_cards(const CallContext& ctx) = 0;
  // CardService GetPinStatus / VerifyPin.
  virtual net::awaitable<Outcome<PinState>> get_pin_status(const CallContext& ctx, const std::string& handle,
                                                           PinType pin) = 0;
  virtual net::awaitable<Outcome<PinOutcome>> verify_pin(const CallContext& ctx, const std::string& handle,
                                                         PinType pin) = 0;
  // CertificateService ReadCardCertificate: the certificates of one reference and algorithm.
  virtual net::awaitable<Outcome<std::vector<CardCertificate>>> read_card_certificate(const CallContext& ctx,
                                                                                      const std::string& handle,
                                                                                      CertRef ref, Crypt crypt) = 0;
  // SignatureService SignDocument for KIM: CMS SignedData over `content` with the SMC-B's OSIG key
  // (HBAs never sign KIM messages), eContent included, recipient-emails (DER Attribute) signed.
  virtual net::awaitable<Outcome<Bytes>> sign_document(const CallContext& ctx, const std::string& handle,
                                                       ByteView content, const Bytes& recipient_emails,
                                                       Crypt crypt) = 0;
  // EncryptionService EncryptDocument: AuthEnvelopedData for every certificate (recipients and
  // sender), recipient-emails as unprotected attribute.
  virtual net::awaitable<Outcome<Bytes>> encrypt_document(const CallContext& ctx, ByteView content,
                                                          const std::vector<Bytes>& certificates,
                                                          const Bytes& recipient_emails) = 0;
  // EncryptionService DecryptDocument with the card's C.ENC_RSA or C.ENC_ECC key.
  virtual net::awaitable<Outcome<Bytes>> decrypt_document(const CallContext& ctx, const std::string& handle,
                                                          const Bytes& cms, Crypt key) = 0;
  // SignatureService VerifyDocument over a CMS SignedData.
  virtual net::awaitable<Outcome<VerifyResult>> verify_document(const CallContext& ctx, const Bytes& signed_data) = 0;
  // CertificateService VerifyCertificate (e.g. the KIM provider's TLS server certificate).
  virtual net::awaitable<Outcome<CertificateVerification>> verify_certificate(const CallContext& ctx,
                                                                              const Bytes& certificate) = 0;
  // AuthSignatureService ExternalAuthenticate: sign a SHA-256 digest with the card's AUT key.
  virtual net::awaitable<Outcome<Bytes>> external_authenticate(const CallContext& ctx, const std::string& handle,
                                                               const Bytes& digest, SignatureScheme scheme) = 0;

  // sync_Time (KOM-LE-A_2230, time_sync.h): the Konnektor's time and our offset to it. The
  // default is for a Konnektor inside kimgated's own process: it has no time service of its own
  // (Error kind `other`, code 0) because its clock is this machine's.
  virtual net::awaitable<Outcome<TimeSample>> sync_time() {
    co_return Outcome<TimeSample>::failure(
        Error{Error::Kind::other, 0, "this Konnektor runs inside kimgated and uses this machine's clock"});
  }

  // Card administration for `kimctl card list|unlock` (the daemon's control socket): the cards this
  // Konnektor manages itself, whatever the call context, and VerifyPin by ICCSN. A Konnektor whose
  // cards are administered elsewhere (a real Konnektor has its own management interface) keeps
  // these defaults: no card list (nullopt) and 4008 for every ICCSN.
  virtual std::optional<std::vector<CardStatus>> card_status() const { return std::nullopt; }
  virtual net::awaitable<Outcome<PinOutcome>> unlock_card(const std::string& iccsn) {
    co_return Outcome<PinOutcome>::failure(
        Error{Error::Kind::card, 4008, "this Konnektor does not administer card " + iccsn + " through kimgate"});
  }
};

}  // namespace kimgate::konnektor
