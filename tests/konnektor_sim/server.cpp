// clang-format off
#include <utility>
#include "tests/konnektor_sim/server.h"
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
// clang-format on

#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <stdexcept>

#include "crypto/ossl.h"
#include "net/tls.h"
#include "tests/konnektor_sim/codec.h"

namespace kimgate::konnektor::sim {

namespace asio = net::asio;
namespace beast = net::beast;
namespace http = beast::http;
using net::awaitable;
using soap::Service;

namespace {

constexpr const char* kXml = "text/xml; charset=utf-8";

// 200 with the response, or 500 with the SOAP fault of the local Konnektor's error.
template <class T, class Write>
std::pair<unsigned, std::string> answer(const Outcome<T>& o, Write write) {
  return o.ok() ? std::pair<unsigned, std::string>{200, write(*o.value)}
                : std::pair<unsigned, std::string>{500, fault(o.error)};
}

}  // namespace

Server::Server(asio::io_context& io, LocalKonnektor& konnektor, ServerOptions options)
    : io_(io), konnektor_(konnektor), options_(std::move(options)), acceptor_(io) {
  net::ServerTlsOptions tls;
  tls.certificate = options_.certificate;
  tls.key = options_.key;
  if (options_.auth == conf::KonnektorTlsAuth::certificate) {
    tls.client_ca = options_.client_ca;
    tls.require_client_certificate = true;
  }
  net::ServerTls made = net::make_server_tls(tls);
  if (!made.context) {
    throw std::runtime_error(made.error);
  }
  SSL_CTX_set_max_proto_version(made.context->native_handle(), TLS1_2_VERSION);
  tls_ = std::move(made.context);
  const std::string pair = options_.basic_user + ":" + options_.basic_password;
  basic_expected_ = "Basic " + crypto::base64_encode(crypto::der::view(Bytes(pair.begin(), pair.end())));
  const net::tcp::endpoint endpoint(asio::ip::make_address(options_.host), options_.port);
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen();
}

std::uint16_t Server::port() const {
  return acceptor_.local_endpoint().port();
}

void Server::start() {
  try {
    time_ = std::make_unique<TimeService>(io_, options_.host, port());
    time_->start();
  } catch (const boost::system::system_error& e) {
    // Without its time service the simulator still serves SOAP; sync_Time then times out.
    spdlog::warn("event=sim_time_service_unavailable port={} reason=\"{}\"", port(), e.what());
  }
  auto loop = accept_loop();
  asio::co_spawn(io_, std::move(loop), asio::detached);
}

awaitable<void> Server::accept_loop() {
  for (;;) {
    boost::system::error_code ec;
    net::tcp::socket socket = co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      co_return;
    }
    auto session = serve(std::move(socket));
    asio::co_spawn(io_, std::move(session), asio::detached);
  }
}

awaitable<void> Server::serve(net::tcp::socket socket) {
  beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *tls_);
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(30));
  boost::system::error_code ec;
  co_await stream.async_handshake(asio::ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    spdlog::info("event=sim_handshake_failed error=\"{}\"", ec.message());
    co_return;
  }
  spdlog::info("event=sim_connection");
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(std::uint64_t{64} << 20);
    beast::get_lowest_layer(stream).expires_after(std::chrono::minutes(10));
    [[maybe_unused]] const std::size_t received =
        co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      break;
    }
    http::request<http::string_body> req = parser.release();
    const std::string method(req.method_string());
    const std::string target(req.target());
    const std::string authorization(req[http::field::authorization]);
    const std::string action(req["SOAPAction"]);
    Reply reply = co_await handle(method, target, authorization, action, std::move(req.body()));
    http::response<http::string_body> res{static_cast<http::status>(reply.status), req.version()};
    res.set(http::field::server, "kimgate-konnektor-sim");
    res.set(http::field::content_type, reply.content_type);
    if (reply.status == 401) {
      res.set(http::field::www_authenticate, "Basic realm=\"Konnektor\"");
    }
    res.keep_alive(req.keep_alive());
    res.body() = std::move(reply.body);
    res.prepare_payload();
    [[maybe_unused]] const std::size_t sent =
        co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !res.keep_alive()) {
      break;
    }
  }
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
  co_await stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
}

awaitable<Server::Reply> Server::handle(std::string method, std::string target, std::string authorization,
                                        std::string soap_action, std::string body) {
  if (options_.auth == conf::KonnektorTlsAuth::basic && authorization != basic_expected_) {
    spdlog::info("event=sim_basic_refused target={}", target);
    co_return Reply{401, "text/plain", "wrong or missing HTTP Basic credentials\n"};
  }
  if (method == "GET" && target == "/connector.sds") {
    spdlog::info("event=sim_sds");
    const std::string base = "https://" + options_.host + ":" + std::to_string(port());
    co_return Reply{
        200, "application/xml",
        connector_sds(konnektor_.product_information(), base, options_.auth != conf::KonnektorTlsAuth::server_only)};
  }
  if (method == "POST" && target.rfind("/sim/", 0) == 0) {
    co_return control(target, body);
  }
  if (method == "POST" && target.rfind("/ws/", 0) == 0) {
    Reply r = co_await soap(target, soap_action, std::move(body));
    co_return r;
  }
  co_return Reply{404, "text/plain", "no such resource\n"};
}

namespace {

std::string trimmed(const std::string& s) {
  const std::size_t b = s.find_first_not_of(" \t\r\n");
  const std::size_t e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// The spec's PinStatus enumeration (CardService v8.1).
std::optional<PinStatus> pin_status_named(const std::string& name) {
  static const std::pair<const char*, PinStatus> kNames[] = {{"VERIFIED", PinStatus::verified},
                                                             {"TRANSPORT_PIN", PinStatus::transport_pin},
                                                             {"EMPTY_PIN", PinStatus::empty_pin},
                                                             {"BLOCKED", PinStatus::blocked},
                                                             {"VERIFIABLE", PinStatus::verifiable}};
  for (const auto& [n, status] : kNames) {
    if (name == n) {
      return status;
    }
  }
  return std::nullopt;
}

}  // namespace

Server::Reply Server::control(const std::string& target, const std::string& body) {
  if (target == "/sim/stop-answering") {
    answering_ = false;
  } else if (target == "/sim/answer") {
    answering_ = true;
  } else if (target == "/sim/reinsert") {
    konnektor_.reinsert_cards();
  } else if (target == "/sim/remove") {
    if (!konnektor_.remove_card(trimmed(body))) {
      return Reply{404, "text/plain", "no inserted card with that ICCSN\n"};
    }
  } else if (target == "/sim/pin-state") {
    const std::string line = trimmed(body);
    const std::size_t space = line.find(' ');
    const std::optional<PinStatus> status =
        space == std::string::npos ? std::nullopt : pin_status_named(line.substr(space + 1));
    if (!status) {
      return Reply{400, "text/plain", "body: ICCSN VERIFIED|TRANSPORT_PIN|EMPTY_PIN|BLOCKED|VERIFIABLE\n"};
    }
    if (!konnektor_.force_pin_status(line.substr(0, space), status)) {
      return Reply{404, "text/plain", "no inserted card with that ICCSN\n"};
    }
  } else if (target == "/sim/time-offset") {
    const std::string line = trimmed(body);
    char* end = nullptr;
    const long seconds = std::strtol(line.c_str(), &end, 10);
    if (line.empty() || end == nullptr || *end != '\0') {
      return Reply{400, "text/plain", "body: SECONDS (an integer, may be negative)\n"};
    }
    if (!time_) {
      return Reply{503, "text/plain", "the time service could not bind its UDP port\n"};
    }
    time_->set_offset(std::chrono::seconds(seconds));
  } else if (target == "/sim/fault") {
    const std::size_t space = body.find(' ');
    next_fault_ = Error{Error::Kind::other, std::atoi(body.substr(0, space).c_str()),
                        space == std::string::npos ? "" : body.substr(space + 1)};
  } else {
    return Reply{404, "text/plain", "unknown control\n"};
  }
  spdlog::info("event=sim_control target={}", target);
  return Reply{200, "text/plain", "ok\n"};
}

awaitable<Server::Reply> Server::soap(std::string target, std::string soap_action, std::string body) {
  // /ws/<ServiceName>/v<major.minor>
  const std::size_t slash = target.find("/v", 4);
  const std::string name = target.substr(4, slash == std::string::npos ? std::string::npos : slash - 4);
  const std::string mm = slash == std::string::npos ? "" : target.substr(slash + 2);
  std::optional<Service> service;
  for (const Service s : soap::kServices) {
    if (soap::service_name(s) == name) {
      service = s;
    }
  }
  if (!service) {
    co_return Reply{404, "text/plain", "no such service\n"};
  }
  if (!answering_) {
    spdlog::info("event=sim_not_answering target={}", target);
    asio::steady_timer hold(io_, std::chrono::minutes(10));
    boost::system::error_code ec;
    co_await hold.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  soap::Versions v;
  v.of(*service) = mm;
  const ParseResult parsed = parse_request(v, *service, soap_action, body);
  if (!parsed.value) {
    spdlog::info("event=sim_request_refused target={} code={} error=\"{}\"", target, parsed.error.code,
                 parsed.error.text);
    co_return Reply{500, kXml, fault(parsed.error)};
  }
  const ParsedRequest& r = *parsed.value;
  spdlog::info("event=sim_request op={} mandant={} workplace={}", r.operation, r.ctx.mandant_id, r.ctx.workplace_id);
  if (next_fault_) {
    const Error e = *next_fault_;
    next_fault_.reset();
    co_return Reply{500, kXml, fault(e)};
  }
  std::pair<unsigned, std::string> out{500, fault(Error{Error::Kind::other, 4001, "Internal error"})};
  const std::string& op = r.operation;
  if (op == "GetCards") {
    const auto o = co_await konnektor_.get_cards(r.ctx);
    out = answer(o, [&](const std::vector<Card>& c) { return get_cards_response(v, c); });
  } else if (op == "GetPinStatus") {
    const auto o = co_await konnektor_.get_pin_status(r.ctx, r.handle, r.pin);
    out = answer(o, [&](const PinState& s) { return get_pin_status_response(v, s); });
  } else if (op == "VerifyPin") {
    const auto o = co_await konnektor_.verify_pin(r.ctx, r.handle, r.pin);
    out = answer(o, [&](const PinOutcome& p) { return verify_pin_response(v, p); });
  } else if (op == "ReadCardCertificate") {
    const auto o = co_await konnektor_.read_card_certificate(r.ctx, r.handle, r.ref, r.crypt);
    out = answer(o, [&](const std::vector<CardCertificate>& c) { return read_card_certificate_response(v, r.ref, c); });
  } else if (op == "GetJobNumber") {
    // The context must be valid for a job number too; GetCards checks it the same way.
    const auto o = co_await konnektor_.get_cards(r.ctx);
    char job[16];
    std::snprintf(job, sizeof job, "KIM-%03u", next_job_++ % 1000);
    if (o.ok()) {
      job_numbers_.insert(job);
    }
    out = answer(o, [&](const std::vector<Card>&) { return get_job_number_response(v, job); });
  } else if (op == "SignDocument") {
    if (job_numbers_.erase(r.job_number) == 0) {
      co_return Reply{500, kXml,
                      fault(Error{Error::Kind::document, 4000,
                                  "JobNumber \"" + r.job_number + "\" was not issued by GetJobNumber"})};
    }
    const auto o = co_await konnektor_.sign_document(r.ctx, r.handle, r.content, r.recipient_emails, r.crypt);
    out = answer(o, [&](const Bytes& cms) { return sign_document_response(v, cms); });
  } else if (op == "EncryptDocument") {
    const auto o = co_await konnektor_.encrypt_document(r.ctx, r.content, r.certificates, r.recipient_emails);
    out = answer(o, [&](const Bytes& cms) { return encrypt_document_response(v, cms); });
  } else if (op == "DecryptDocument") {
    const auto o = co_await konnektor_.decrypt_document(r.ctx, r.handle, r.content, r.crypt);
    out = answer(o, [&](const Bytes& content) { return decrypt_document_response(v, content); });
  } else if (op == "VerifyDocument") {
    const auto o = co_await konnektor_.verify_document(r.ctx, r.content);
    out = answer(o, [&](const VerifyResult& res) { return verify_document_response(v, res); });
  } else if (op == "VerifyCertificate") {
    const auto o = co_await konnektor_.verify_certificate(r.ctx, r.content);
    out = answer(o, [&](CertificateVerification res) { return verify_certificate_response(v, res); });
  } else if (op == "ExternalAuthenticate") {
    const auto o = co_await konnektor_.external_authenticate(r.ctx, r.handle, r.content, r.scheme);
    out = answer(o, [&](const Bytes& sig) { return external_authenticate_response(v, sig); });
  }
  co_return Reply{out.first, kXml, std::move(out.second)};
}

}  // namespace kimgate::konnektor::sim
