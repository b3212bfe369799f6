#include "daemon/metered_konnektor.h"

#include <chrono>

#include "net/metrics.h"

namespace kimgate::daemon {
namespace {

using konnektor::Bytes;
using konnektor::ByteView;
using konnektor::CallContext;
using konnektor::Outcome;
using net::awaitable;
using Clock = std::chrono::steady_clock;

void record(std::string_view operation, Clock::time_point start, bool ok) {
  net::Metrics& m = net::metrics();
  m.counter("kimgate_konnektor_calls_total", {operation, ok ? "ok" : "fault"}).inc();
  m.histogram("kimgate_konnektor_call_duration_seconds", {operation}).observe(net::seconds_since(start));
}

// Runs `call` (which returns the wrapped operation's awaitable) and records it as `operation`.
template <class T, class Call>
awaitable<Outcome<T>> timed(std::string_view operation, Call call) {
  const auto start = Clock::now();
  auto op = call();
  Outcome<T> r = co_await std::move(op);
  record(operation, start, r.ok());
  co_return r;
}

// Each operation forwards through timed(); the lambdas capture the arguments the caller keeps
// alive while it awaits (references) and copy the small by-value ones.
class MeteredKonnektor final : public konnektor::Konnektor {
 public:
  explicit MeteredKonnektor(std::unique_ptr<konnektor::Konnektor> inner) : inner_(std::move(inner)) {}

  const konnektor::ProductInformation& product_information() const override { return inner_->product_information(); }
  awaitable<std::optional<konnektor::Error>> refresh_information() override {
    std::optional<konnektor::Error> e = co_await inner_->refresh_information();
    co_return e;
  }
  awaitable<Outcome<std::vector<konnektor::Card>>> get_cards(const CallContext& ctx) override {
    return timed<std::vector<konnektor::Card>>("GetCards", [&, this] { return inner_->get_cards(ctx); });
  }
  awaitable<Outcome<konnektor::PinState>> get_pin_status(const CallContext& ctx, const std::string& handle,
                                                         konnektor::PinType pin) override {
    return timed<konnektor::PinState>("GetPinStatus",
                                      [&, this, pin] { return inner_->get_pin_status(ctx, handle, pin); });
  }
  awaitable<Outcome<konnektor::PinOutcome>> verify_pin(const CallContext& ctx, const std::string& handle,
                                                       konnektor::PinType pin) override {
    return timed<konnektor::PinOutcome>("VerifyPin", [&, this, pin] { return inner_->verify_pin(ctx, handle, pin); });
  }
  awaitable<Outcome<std::vector<konnektor::CardCertificate>>> read_card_certificate(const CallContext& ctx,
                                                                                    const std::string& handle,
                                                                                    konnektor::CertRef ref,
                                                                                    konnektor::Crypt crypt) override {
    return timed<std::vector<konnektor::CardCertificate>>("ReadCardCertificate", [&, this, ref, crypt] {
      return inner_->read_card_certificate(ctx, handle, ref, crypt);
    });
  }
  awaitable<Outcome<Bytes>> sign_document(const CallContext& ctx, const std::string& handle, ByteView content,
                                          const Bytes& recipient_emails, konnektor::Crypt crypt) override {
    return timed<Bytes>("SignDocument", [&, this, crypt] {
      return inner_->sign_document(ctx, handle, content, recipient_emails, crypt);
    });
  }
  awaitable<Outcome<Bytes>> encrypt_document(const CallContext& ctx, ByteView content,
                                             const std::vector<Bytes>& certificates,
                                             const Bytes& recipient_emails) override {
    return timed<Bytes>("EncryptDocument",
                        [&, this] { return inner_->encrypt_document(ctx, content, certificates, recipient_emails); });
  }
  awaitable<Outcome<Bytes>> decrypt_document(const CallContext& ctx, const std::string& handle, const Bytes& cms,
                                             konnektor::Crypt key) override {
    return timed<Bytes>("DecryptDocument", [&, this, key] { return inner_->decrypt_document(ctx, handle, cms, key); });
  }
  awaitable<Outcome<konnektor::VerifyResult>> verify_document(const CallContext& ctx,
                                                              const Bytes& signed_data) override {
    return timed<konnektor::VerifyResult>("VerifyDocument",
                                          [&, this] { return inner_->verify_document(ctx, signed_data); });
  }
  awaitable<Outcome<konnektor::CertificateVerification>> verify_certificate(const CallContext& ctx,
                                                                            const Bytes& certificate) override {
    return timed<konnektor::CertificateVerification>(
        "VerifyCertificate", [&, this] { return inner_->verify_certificate(ctx, certificate); });
  }
  awaitable<Outcome<Bytes>> external_authenticate(const CallContext& ctx, const std::string& handle,
                                                  const Bytes& digest, konnektor::SignatureScheme scheme) override {
    return timed<Bytes>("ExternalAuthenticate",
                        [&, this, scheme] { return inner_->external_authenticate(ctx, handle, digest, scheme); });
  }
  awaitable<Outcome<konnektor::TimeSample>> sync_time() override {
    return timed<konnektor::TimeSample>("sync_Time", [this] { return inner_->sync_time(); });
  }
  std::optional<std::vector<konnektor::CardStatus>> card_status() const override { return inner_->card_status(); }
  awaitable<Outcome<konnektor::PinOutcome>> unlock_card(const std::string& iccsn) override {
    return timed<konnektor::PinOutcome>("UnlockCard", [&, this] { return inner_->unlock_card(iccsn); });
  }

 private:
  std::unique_ptr<konnektor::Konnektor> inner_;
};

}  // namespace

std::unique_ptr<konnektor::Konnektor> metered(std::unique_ptr<konnektor::Konnektor> inner) {
  return std::make_unique<MeteredKonnektor>(std::move(inner));
}

}  // namespace kimgate::daemon
