#include "konnektor/soap_konnektor.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "crypto/signed_data.h"
#include "konnektor/soap/responses.h"
#include "net/run_blocking.h"

namespace kimgate::konnektor {

namespace asio = net::asio;
using net::awaitable;

namespace {

// VerifyPin waits for the user at the card terminal (digest §6.2): never shorter than this.
constexpr std::chrono::milliseconds kPinEntryTimeout = std::chrono::minutes(5);

Error protocol(const std::string& id, std::string text) {
  return Error{Error::Kind::unavailable, soap::kCodeProtocol, "Konnektor " + id + ": " + std::move(text)};
}

}  // namespace

SoapKonnektor::SoapKonnektor(asio::any_io_executor ex, asio::thread_pool& pool, const conf::Konnektor& config,
                             std::chrono::milliseconds timeout, std::unique_ptr<SoapTransport> transport)
    : ex_(std::move(ex)),
      pool_(pool),
      id_(config.id),
      sds_url_(config.sds_url),
      timeout_(timeout),
      transport_(std::move(transport)) {
  const TimeServer t = time_server_of(config.time_server, config.sds_url);
  time_host_ = t.host;
  time_port_ = t.port;
}

SoapKonnektor::~SoapKonnektor() = default;

awaitable<std::optional<Error>> SoapKonnektor::discover() {
  directory_.reset();
  Outcome<Directory> d = co_await current_directory();
  co_return d.ok() ? std::nullopt : std::optional<Error>(d.error);
}

awaitable<std::optional<Error>> SoapKonnektor::refresh_information() {
  std::optional<Error> e = co_await discover();
  co_return e;
}

awaitable<Outcome<SoapKonnektor::Directory>> SoapKonnektor::current_directory() {
  if (directory_) {
    co_return Outcome<Directory>::success(directory_);
  }
  if (discovery_) {
    const std::shared_ptr<asio::steady_timer> running = discovery_;
    boost::system::error_code ec;
    co_await running->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    co_return directory_ ? Outcome<Directory>::success(directory_) : Outcome<Directory>::failure(discovery_error_);
  }
  discovery_ = std::make_shared<asio::steady_timer>(ex_, asio::steady_timer::time_point::max());
  Outcome<Directory> result = co_await read_sds();
  if (!result.ok()) {
    discovery_error_ = result.error;
  }
  const std::shared_ptr<asio::steady_timer> done = std::move(discovery_);
  done->cancel();
  co_return result;
}

awaitable<Outcome<SoapKonnektor::Directory>> SoapKonnektor::read_sds() {
  const std::optional<Url> url = parse_https_url(sds_url_);
  if (!url) {
    co_return Outcome<Directory>::failure(protocol(id_, "sds_url \"" + sds_url_ + "\" is not an https:// URL"));
  }
  const std::string no_action;
  const std::string no_body;
  Outcome<HttpReply> reply = co_await transport_->exchange(*url, no_action, no_body, timeout_);
  if (!reply.ok()) {
    spdlog::warn("event=konnektor_discovery konnektor={} code={} error=\"{}\"", id_, reply.error.code,
                 reply.error.text);
    co_return Outcome<Directory>::failure(reply.error);
  }
  if (reply.value->status != 200) {
    co_return Outcome<Directory>::failure(
        protocol(id_, "connector.sds answered HTTP " + std::to_string(reply.value->status)));
  }
  soap::SdsResult sds = soap::parse_sds(reply.value->body);
  if (!sds.ok()) {
    co_return Outcome<Directory>::failure(protocol(id_, sds.error));
  }
  directory_ = std::make_shared<const soap::ServiceDirectory>(std::move(*sds.value));
  product_ = directory_->product;
  const soap::Versions v = directory_->versions();
  spdlog::info(
      "event=konnektor_discovered konnektor={} vendor=\"{}\" product=\"{}\" fw={} tls_mandatory={} "
      "client_aut_mandatory={} event_service={} card_service={} certificate_service={} encryption_service={} "
      "signature_service={} services={}",
      id_, directory_->vendor_name, product_.product_name, product_.fw_version, directory_->tls_mandatory,
      directory_->client_aut_mandatory, v.event, v.card, v.certificate, product_.encryption_service_version,
      product_.signature_service_version, directory_->endpoints.size());
  co_return Outcome<Directory>::success(directory_);
}

awaitable<Outcome<std::string>> SoapKonnektor::post(const soap::ServiceDirectory& d, const soap::Request& request,
                                                    std::chrono::milliseconds timeout) {
  const soap::Endpoint* endpoint = d.endpoint(request.service);
  if (endpoint == nullptr) {
    co_return Outcome<std::string>::failure(
        protocol(id_, "connector.sds offers no " + std::string(soap::service_name(request.service)) +
                          " in a version kimgate implements, so " + request.operation + " is not possible"));
  }
  const std::optional<Url> url = parse_https_url(endpoint->url);
  if (!url) {
    co_return Outcome<std::string>::failure(
        protocol(id_, "the endpoint \"" + endpoint->url + "\" of " + request.operation + " is not https://"));
  }
  const auto started = std::chrono::steady_clock::now();
  Outcome<HttpReply> reply = co_await transport_->exchange(*url, request.action, request.body, timeout);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  if (!reply.ok()) {
    // A communication error: read connector.sds again before the next call (digest §1).
    directory_.reset();
    spdlog::warn("event=konnektor_call konnektor={} op={} ms={} code={} error=\"{}\"", id_, request.operation, ms,
                 reply.error.code, reply.error.text);
    co_return Outcome<std::string>::failure(reply.error);
  }
  spdlog::debug("event=konnektor_call konnektor={} op={} ms={} http={}", id_, request.operation, ms,
                reply.value->status);
  if (reply.value->status != 200 && reply.value->status != 500) {
    co_return Outcome<std::string>::failure(
        protocol(id_, request.operation + " answered HTTP " + std::to_string(reply.value->status)));
  }
  co_return Outcome<std::string>::success(std::move(reply.value->body));
}

template <class T, class Build, class Parse>
awaitable<Outcome<T>> SoapKonnektor::call(Build build, Parse parse, std::chrono::milliseconds timeout, bool heavy) {
  Outcome<Directory> d = co_await current_directory();
  if (!d.ok()) {
    co_return Outcome<T>::failure(d.error);
  }
  const Directory directory = *d.value;
  const soap::Versions v = directory->versions();
  soap::Request request;
  if (heavy) {
    const auto make = [build, v]() { return build(v); };
    request = co_await net::run_blocking(pool_, make);
  } else {
    request = build(v);
  }
  Outcome<std::string> body = co_await post(*directory, request, timeout);
  if (!body.ok()) {
    co_return Outcome<T>::failure(body.error);
  }
  if (heavy) {
    const auto read = [parse, v, text = std::move(*body.value)]() { return parse(v, text); };
    Outcome<T> result = co_await net::run_blocking(pool_, read);
    co_return result;
  }
  co_return parse(v, *body.value);
}

awaitable<Outcome<std::vector<Card>>> SoapKonnektor::get_cards(const CallContext& ctx) {
  const auto build = [ctx](const soap::Versions& v) { return soap::get_cards(v, ctx); };
  Outcome<std::vector<Card>> r = co_await call<std::vector<Card>>(build, soap::parse_get_cards, timeout_);
  co_return r;
}

awaitable<Outcome<PinState>> SoapKonnektor::get_pin_status(const CallContext& ctx, const std::string& handle,
                                                           PinType pin) {
  const auto build = [ctx, handle, pin](const soap::Versions& v) { return soap::get_pin_status(v, ctx, handle, pin); };
  Outcome<PinState> r = co_await call<PinState>(build, soap::parse_get_pin_status, timeout_);
  co_return r;
}

awaitable<Outcome<PinOutcome>> SoapKonnektor::verify_pin(const CallContext& ctx, const std::string& handle,
                                                         PinType pin) {
  const auto build = [ctx, handle, pin](const soap::Versions& v) { return soap::verify_pin(v, ctx, handle, pin); };
  const auto timeout = std::max(timeout_, kPinEntryTimeout);
  Outcome<PinOutcome> r = co_await call<PinOutcome>(build, soap::parse_verify_pin, timeout);
  co_return r;
}

awaitable<Outcome<std::vector<CardCertificate>>> SoapKonnektor::read_card_certificate(const CallContext& ctx,
                                                                                      const std::string& handle,
                                                                                      CertRef ref, Crypt crypt) {
  const auto build = [ctx, handle, ref, crypt](const soap::Versions& v) {
    return soap::read_card_certificate(v, ctx, handle, ref, crypt);
  };
  const auto parse = [ref, crypt](const soap::Versions& v, std::string_view xml) {
    return soap::parse_read_card_certificate(v, xml, ref, crypt);
  };
  Outcome<std::vector<CardCertificate>> r = co_await call<std::vector<CardCertificate>>(build, parse, timeout_);
  co_return r;
}

awaitable<Outcome<Bytes>> SoapKonnektor::sign_document(const CallContext& ctx, const std::string& handle,
                                                       ByteView content, const Bytes& recipient_emails, Crypt crypt) {
  // A real Konnektor wants a job number per SignDocument (digest §6.4).
  const auto job_request = [ctx](const soap::Versions& v) { return soap::get_job_number(v, ctx); };
  Outcome<std::string> job = co_await call<std::string>(job_request, soap::parse_get_job_number, timeout_);
  if (!job.ok()) {
    co_return Outcome<Bytes>::failure(job.error);
  }
  const auto build = [ctx, handle, job = *job.value, content, recipient_emails, crypt](const soap::Versions& v) {
    return soap::sign_document(v, ctx, handle, job, content, recipient_emails, crypt);
  };
  Outcome<Bytes> r = co_await call<Bytes>(build, soap::parse_sign_document, timeout_, true);
  co_return r;
}

awaitable<Outcome<Bytes>> SoapKonnektor::encrypt_document(const CallContext& ctx, ByteView content,
                                                          const std::vector<Bytes>& certificates,
                                                          const Bytes& recipient_emails) {
  const auto build = [ctx, content, certificates, recipient_emails](const soap::Versions& v) {
    return soap::encrypt_document(v, ctx, content, certificates, recipient_emails);
  };
  Outcome<Bytes> r = co_await call<Bytes>(build, soap::parse_encrypt_document, timeout_, true);
  co_return r;
}

awaitable<Outcome<Bytes>> SoapKonnektor::decrypt_document(const CallContext& ctx, const std::string& handle,
                                                          const Bytes& cms, Crypt key) {
  const auto build = [ctx, handle, cms, key](const soap::Versions& v) {
    return soap::decrypt_document(v, ctx, handle, cms, key);
  };
  Outcome<Bytes> r = co_await call<Bytes>(build, soap::parse_decrypt_document, timeout_, true);
  co_return r;
}

awaitable<Outcome<VerifyResult>> SoapKonnektor::verify_document(const CallContext& ctx, const Bytes& signed_data) {
  const auto build = [ctx, signed_data](const soap::Versions& v) { return soap::verify_document(v, ctx, signed_data); };
  // The Konnektor gives the verdict; the signed content and the signer's certificate are read
  // from the CMS here, as VerifyDocumentResponse does not carry them.
  const auto parse = [signed_data](const soap::Versions& v, std::string_view xml) {
    Outcome<VerifyResult> r = soap::parse_verify_document(v, xml);
    if (r.ok()) {
      crypto::VerifiedSignedData local = crypto::verify_signed_data(crypto::der::view(signed_data));
      r.value->content = std::move(local.content);
      r.value->signer_cert = std::move(local.signer_cert_der);
    }
    return r;
  };
  Outcome<VerifyResult> r = co_await call<VerifyResult>(build, parse, timeout_, true);
  co_return r;
}

awaitable<Outcome<CertificateVerification>> SoapKonnektor::verify_certificate(const CallContext& ctx,
                                                                              const Bytes& certificate) {
  const auto build = [ctx, certificate](const soap::Versions& v) {
    return soap::verify_certificate(v, ctx, certificate);
  };
  Outcome<CertificateVerification> r =
      co_await call<CertificateVerification>(build, soap::parse_verify_certificate, timeout_);
  co_return r;
}

awaitable<Outcome<Bytes>> SoapKonnektor::external_authenticate(const CallContext& ctx, const std::string& handle,
                                                               const Bytes& digest, SignatureScheme scheme) {
  const auto build = [ctx, handle, digest, scheme](const soap::Versions& v) {
    return soap::external_authenticate(v, ctx, handle, digest, scheme);
  };
  Outcome<Bytes> r = co_await call<Bytes>(build, soap::parse_external_authenticate, timeout_);
  co_return r;
}

awaitable<Outcome<TimeSample>> SoapKonnektor::sync_time() {
  if (time_host_.empty()) {
    co_return Outcome<TimeSample>::failure(
        Error{Error::Kind::unavailable, 0, "neither time_server nor sds_url names the Konnektor's host"});
  }
  // An NTP exchange is one datagram each way: a few seconds are plenty even on a slow LAN.
  const std::chrono::milliseconds wait = std::min<std::chrono::milliseconds>(timeout_, std::chrono::seconds(5));
  Outcome<TimeSample> r = co_await query_time(ex_, time_host_, time_port_, wait);
  co_return r;
}

}  // namespace kimgate::konnektor
