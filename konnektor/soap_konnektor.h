#pragma once
// SoapKonnektor: the Konnektor seam over a real Konnektor's SOAP 1.1 interface (spec digest
// konnektor.md). connector.sds is read on the first call (or by discover()), cached, and read
// again after a communication error; each operation goes to the endpoint of the highest
// implemented version the Konnektor advertises, in that version's namespace, within
// KONNEKTOR_TIMEOUT (VerifyPin waits for the user at the PIN pad: at least 5 minutes).
// SOAP faults come back as Errors with the gematik code and text (soap/responses.h).
//
// Runs on one executor; building and reading large documents (sign, encrypt, decrypt,
// verify) happens on the worker pool.
#include <memory>

#include "conf/config.h"
#include "konnektor/konnektor.h"
#include "konnektor/soap/requests.h"
#include "konnektor/soap/sds.h"
#include "konnektor/soap_transport.h"

namespace kimgate::konnektor {

class SoapKonnektor final : public Konnektor {
 public:
  SoapKonnektor(net::asio::any_io_executor ex, net::asio::thread_pool& pool, const conf::Konnektor& config,
                std::chrono::milliseconds timeout, std::unique_ptr<SoapTransport> transport);
  ~SoapKonnektor() override;

  // Reads connector.sds now (daemon start, on demand); nullopt when it was read.
  net::awaitable<std::optional<Error>> discover();
  net::awaitable<std::optional<Error>> refresh_information() override;
  // The directory in use; null before the first successful discovery.
  std::shared_ptr<const soap::ServiceDirectory> directory() const { return directory_; }

  const ProductInformation& product_information() const override { return product_; }
  net::awaitable<Outcome<std::vector<Card>>> get_cards(const CallContext& ctx) override;
  net::awaitable<Outcome<PinState>> get_pin_status(const CallContext& ctx, const std::string& handle,
                                                   PinType pin) override;
  net::awaitable<Outcome<PinOutcome>> verify_pin(const CallContext& ctx, const std::string& handle,
                                                 PinType pin) override;
  net::awaitable<Outcome<std::vector<CardCertificate>>> read_card_certificate(const CallContext& ctx,
                                                                              const std::string& handle, CertRef ref,
                                                                              Crypt crypt) override;
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
  net::awaitable<Outcome<Bytes>> external_authenticate(const CallContext& ctx, const std::string& handle,
                                                       const Bytes& digest, SignatureScheme scheme) override;
  // NTP to `time_server` of the configuration, by default the host of sds_url on port 123.
  net::awaitable<Outcome<TimeSample>> sync_time() override;

 private:
  using Directory = std::shared_ptr<const soap::ServiceDirectory>;
  // The cached directory, reading connector.sds when there is none.
  net::awaitable<Outcome<Directory>> current_directory();
  net::awaitable<Outcome<Directory>> read_sds();
  // Builds the request for the directory's versions, posts it and reads the answer; `heavy`
  // moves building and reading to the worker pool.
  template <class T, class Build, class Parse>
  net::awaitable<Outcome<T>> call(Build build, Parse parse, std::chrono::milliseconds timeout, bool heavy = false);
  // POSTs a request to its service's endpoint; the response body (HTTP 200 or a 500 fault).
  net::awaitable<Outcome<std::string>> post(const soap::ServiceDirectory& d, const soap::Request& request,
                                            std::chrono::milliseconds timeout);

  net::asio::any_io_executor ex_;
  net::asio::thread_pool& pool_;
  std::string id_;
  std::string sds_url_;
  std::string time_host_;
  std::uint16_t time_port_ = 123;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<SoapTransport> transport_;
  Directory directory_;
  // Set while connector.sds is being read: later callers wait for that reading instead of
  // starting their own (cancelled when it is done).
  std::shared_ptr<net::asio::steady_timer> discovery_;
  Error discovery_error_;
  ProductInformation product_;
};

}  // namespace kimgate::konnektor
