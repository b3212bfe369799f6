#pragma once
// LocalKonnektor: the Konnektor seam served from this machine — cards are PKCS#11
// tokens (SoftHSM2 in tests, OpenSC for real readers, an HSM) or PKCS#12 files, as
// configured in a [[konnektor]] with kind = "local" and its [[konnektor.card]]s.
//
// It behaves the way callers of a real Konnektor depend on: an information model
// of call contexts (4004/4005/4006/4021; 4003 without the HBA's UserId), cards that
// are locked until VerifyPin (4085 until then), one operation per card at a time in
// arrival order (CardQueue), KONNEKTOR_TIMEOUT on the wait (4094), handles that change
// on re-insertion while ICCSNs stay. Private keys never leave the token: key
// operations run on the worker pool through run_blocking.
#include <memory>
#include <string>
#include <vector>

#include "conf/config.h"
#include "konnektor/card_queue.h"
#include "konnektor/konnektor.h"

namespace kimgate::konnektor {

class CardBackend;  // token or PKCS#12 keys of one card (local_konnektor.cpp)

class LocalKonnektor final : public Konnektor {
 public:
  // Opens every configured card. A token that cannot be found is a card that is not
  // inserted (GetCards does not list it); that is logged, not fatal.
  LocalKonnektor(net::asio::any_io_executor ex, net::asio::thread_pool& pool, const conf::Konnektor& config,
                 std::chrono::milliseconds timeout, std::uint64_t max_document = 15728640);
  ~LocalKonnektor() override;

  const ProductInformation& product_information() const override { return product_; }
  net::awaitable<Outcome<std::vector<Card>>> get_cards(const CallContext& ctx) override;
  net::awaitable<Outcome<PinState>> get_pin_status(const CallContext& ctx, const std::string& handle,
                                                   PinType pin) override;
  net::awaitable<Outcome<PinOutcome>> verify_pin(const CallContext& ctx, const std::string& handle,
                                                 PinType pin) override;
  net::awaitable<Outcome<std::vector<CardCertificate>>> read_card_certificate(const CallContext& ctx,
                                                                              const std::string& handle, CertRef ref,
                                                                              Crypt crypt) override;
  net::awaitable<Outcome<Bytes>> external_authenticate(const CallContext& ctx, const std::string& handle,
                                                       const Bytes& digest, SignatureScheme scheme) override;
  net::awaitable<Outcome<Bytes>> sign_document(const CallContext& ctx, const std::string& handle, ByteView content,
                                               const Bytes& recipient_emails, Crypt crypt) override;
  net::awaitable<Outcome<Bytes>> encrypt_document(const CallContext& ctx, ByteView content,
                                                  const std::vector<Bytes>& certificates,
                                                  const Bytes& recipient_emails) override;
  net::awaitable<Outcome<Bytes>> decrypt_document(const CallContext& ctx, const std::string& handle, const Bytes& cms,
                                                  Crypt key) override;
  net::awaitable<Outcome<VerifyResult>> verify_document(const CallContext& ctx, const Bytes& signed_data) override;
  net::awaitable<Outcome<CertificateVerification>> verify_certificate(const CallContext& ctx,
                                                                      const Bytes& certificate) override;

  // Simulates pulling and re-inserting every card: new handles, PINs locked again, same ICCSNs.
  void reinsert_cards();
  // Test controls of the test Konnektor (tests/konnektor_sim): the card with `iccsn` pulled
  // (GetCards no longer lists it, its handle answers 4008 until reinsert_cards), and its PIN
  // status as GetPinStatus reports it (nullopt: the real state again). False: no such card.
  bool remove_card(const std::string& iccsn);
  bool force_pin_status(const std::string& iccsn, std::optional<PinStatus> status);

  // The administrator's view (kimctl card list/unlock through the daemon): every configured
  // card regardless of call contexts, and VerifyPin by ICCSN with the card's configured PIN.
  std::optional<std::vector<CardStatus>> card_status() const override;
  net::awaitable<Outcome<PinOutcome>> unlock_card(const std::string& iccsn) override;
  // Why configured cards are missing (one sentence per card), for logs and `kimctl card list`.
  std::vector<std::string> problems() const;

 private:
  struct Slot;
  Slot* find_slot(const std::string& handle);
  // Holds the card for the configured service time (+ jitter); an Error when a failure is simulated.
  // The simulated service time of one operation and whether it fails (simulate_error_permille).
  std::pair<std::chrono::milliseconds, bool> simulated_card_work();
  // 4085 unless VerifyPin succeeded for the card's current insertion.
  static std::optional<Error> require_unlocked(const Slot& slot);
  // The card's turn (first come first served, KONNEKTOR_TIMEOUT) and the simulated service time;
  // `error` set when either fails (the turn is then released or empty).
  // The card's turn. With a simulated service time the card counts as busy until busy_until,
  // measured from the moment the turn was taken: the host's own key operation runs inside that
  // time, as a real card's does (so 200 ms per operation means 5 operations a second, not 5 a
  // second minus the host's share).
  struct CardTurn {
    CardQueue::Turn turn;
    std::optional<Error> error;
    std::chrono::steady_clock::time_point busy_until{};
  };
  net::awaitable<CardTurn> take_card(Slot& slot);
  // Waits until the simulated service time of `turn` is over (nothing without simulation).
  net::awaitable<void> card_done(const CardTurn& turn);
  // Checks the context against the information model; nullopt when it is valid.
  std::optional<Error> check_context(const CallContext& ctx) const;
  std::optional<Error> check_card_access(const CallContext& ctx, const Slot& slot) const;

  net::asio::any_io_executor ex_;
  net::asio::thread_pool& pool_;
  std::chrono::milliseconds timeout_;
  std::uint64_t max_document_;
  std::chrono::milliseconds service_time_{0};
  std::chrono::milliseconds jitter_{0};
  std::uint64_t error_permille_ = 0;
  struct Trust;
  std::shared_ptr<const Trust> trust_;  // TI CAs for VerifyDocument/VerifyCertificate; null: none configured
  ProductInformation product_;
  std::vector<std::unique_ptr<Slot>> slots_;
};

}  // namespace kimgate::konnektor
