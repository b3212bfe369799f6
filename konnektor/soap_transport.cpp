// clang-format off
#include <utility>
#include "konnektor/soap_transport.h"
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
// clang-format on

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>

#include "conf/load.h"
#include "crypto/ossl.h"
#include "net/connection.h"
#include "net/tls.h"

namespace kimgate::konnektor {

namespace asio = net::asio;
namespace beast = net::beast;
namespace http = beast::http;
using net::awaitable;
using Clock = std::chrono::steady_clock;

struct SoapTransport::Connection {
  Connection(const asio::any_io_executor& ex, asio::ssl::context& ctx) : stream(ex, ctx) {}
  beast::ssl_stream<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  std::string refused;  // why the Konnektor's certificate was not accepted
};

namespace {

std::optional<Url> parse_url(std::string_view url, std::string_view scheme, std::string_view default_port) {
  const std::string prefix = std::string(scheme) + "://";
  if (url.substr(0, prefix.size()) != prefix) {
    return std::nullopt;
  }
  url.remove_prefix(prefix.size());
  const std::size_t slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  Url u;
  u.target = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  std::size_t colon = authority.rfind(':');
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return std::nullopt;
    }
    u.host = std::string(authority.substr(1, close - 1));
    colon = authority.size() > close + 1 && authority[close + 1] == ':' ? close + 1 : std::string_view::npos;
  } else {
    u.host = std::string(authority.substr(0, colon));
  }
  u.port = colon == std::string_view::npos ? std::string(default_port) : std::string(authority.substr(colon + 1));
  if (u.host.empty() || u.port.empty() || u.port.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  return u;
}

std::string hex(const Bytes& b) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const std::uint8_t c : b) {
    out += kHex[c >> 4];
    out += kHex[c & 0xF];
  }
  return out;
}

std::string_view auth_name(conf::KonnektorTlsAuth a) {
  switch (a) {
    case conf::KonnektorTlsAuth::certificate:
      return "certificate";
    case conf::KonnektorTlsAuth::basic:
      return "basic";
    case conf::KonnektorTlsAuth::server_only:
      break;
  }
  return "server_only";
}

// TLS alerts by which a server says it does not accept (or misses) our client certificate.
bool client_certificate_alert(int reason) {
  static constexpr std::array kReasons = {
      SSL_R_SSLV3_ALERT_BAD_CERTIFICATE,     SSL_R_TLSV1_ALERT_UNKNOWN_CA,
      SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN, SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED,
      SSL_R_TLSV1_ALERT_ACCESS_DENIED,       SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE,
      SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE};
  return std::find(kReasons.begin(), kReasons.end(), reason) != kReasons.end();
}

}  // namespace

std::optional<Url> parse_https_url(std::string_view url) {
  return parse_url(url, "https", "443");
}

SoapTransport::SoapTransport(asio::any_io_executor ex, const conf::Konnektor& config)
    : ex_(std::move(ex)), id_(config.id), auth_(config.tls_auth), basic_user_(config.basic_user) {}

SoapTransport::~SoapTransport() = default;

std::unique_ptr<SoapTransport> SoapTransport::create(asio::any_io_executor ex, const conf::Konnektor& config,
                                                     std::string& error) {
  std::unique_ptr<SoapTransport> t(new SoapTransport(std::move(ex), config));
  std::optional<crypto::Pkcs12Contents> p12;
  net::ClientIdentity identity;
  if (config.tls_auth == conf::KonnektorTlsAuth::certificate) {
    const auto password = conf::read_secret(config.client_p12_password);
    if (!password) {
      error = "Konnektor " + config.id + ": cannot read client_p12_password";
      return nullptr;
    }
    auto read = crypto::read_pkcs12_file(config.client_p12, *password);
    if (!read.ok()) {
      error = "Konnektor " + config.id + ": cannot use the Konnektor's client certificate " + read.error;
      return nullptr;
    }
    p12 = std::move(*read.value);
    identity = net::ClientIdentity{p12->key.get(), p12->cert.x509.get(), {}};
    for (const auto& ca : p12->chain) {
      identity.chain.push_back(ca.x509.get());
    }
  }
  net::ClientTls tls = net::make_client_tls_base(identity);
  if (!tls.context) {
    error = "Konnektor " + config.id + ": " + tls.error;
    return nullptr;
  }
  if (!config.server_ca.empty()) {
    if (SSL_CTX_load_verify_locations(tls.context->native_handle(), config.server_ca.c_str(), nullptr) != 1) {
      error = "Konnektor " + config.id + ": cannot load server_ca \"" + config.server_ca.string() + "\"";
      return nullptr;
    }
    t->have_ca_ = true;
  }
  t->pin_ = config.server_pin_sha256;
  std::transform(t->pin_.begin(), t->pin_.end(), t->pin_.begin(), [](unsigned char c) { return std::tolower(c); });
  if (config.tls_auth == conf::KonnektorTlsAuth::basic) {
    const auto password = conf::read_secret(config.basic_password);
    if (!password) {
      error = "Konnektor " + config.id + ": cannot read basic_password";
      return nullptr;
    }
    const std::string pair = config.basic_user + ":" + *password;
    t->basic_header_ = "Basic " + crypto::base64_encode(crypto::der::view(Bytes(pair.begin(), pair.end())));
  }
  if (!config.proxy.empty()) {
    t->proxy_ = parse_url(config.proxy, "http", "80");
    if (!t->proxy_) {
      error = "Konnektor " + config.id + ": proxy \"" + config.proxy + "\" is not an http://host:port URL";
      return nullptr;
    }
  }
  t->tls_ = std::move(tls.context);
  return t;
}

Error SoapTransport::failure(const Connection* c, const boost::system::error_code& ec, std::string_view step) const {
  const std::string who = "Konnektor " + id_;
  if (ec == beast::error::timeout) {
    return Error{Error::Kind::timeout, 1, who + " did not answer within KONNEKTOR_TIMEOUT (" + std::string(step) + ")"};
  }
  if (c != nullptr && !c->refused.empty()) {
    return Error{Error::Kind::unavailable, 2, who + ": " + c->refused};
  }
  if (ec.category() == asio::error::get_ssl_category() && client_certificate_alert(ERR_GET_REASON(ec.value()))) {
    if (auth_ == conf::KonnektorTlsAuth::certificate) {
      return Error{
          Error::Kind::unavailable, 2,
          who + " refused our TLS client certificate (client_p12) during " + std::string(step) + ": " + ec.message()};
    }
    return Error{Error::Kind::unavailable, 2,
                 who + " demands a TLS client certificate, but tls_auth is \"" + std::string(auth_name(auth_)) +
                     "\" (" + ec.message() + ")"};
  }
  return Error{Error::Kind::unavailable, 2, "cannot reach " + who + " (" + std::string(step) + "): " + ec.message()};
}

awaitable<Outcome<std::unique_ptr<SoapTransport::Connection>>> SoapTransport::connect(const Url& url,
                                                                                      Clock::time_point deadline) {
  using R = Outcome<std::unique_ptr<Connection>>;
  auto c = std::make_unique<Connection>(ex_, *tls_);
  beast::tcp_stream& tcp = beast::get_lowest_layer(c->stream);
  tcp.expires_at(deadline);
  const Url& first = proxy_ ? *proxy_ : url;
  net::tcp::resolver resolver(ex_);
  boost::system::error_code ec;
  const auto endpoints =
      co_await resolver.async_resolve(first.host, first.port, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    co_return R::failure(failure(nullptr, ec, "resolving " + first.host));
  }
  [[maybe_unused]] const auto connected =
      co_await tcp.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    co_return R::failure(failure(nullptr, ec, "connecting to " + first.authority()));
  }
  net::set_no_delay(tcp.socket());
  if (proxy_) {
    http::request<http::empty_body> req{http::verb::connect, url.authority(), 11};
    req.set(http::field::host, url.authority());
    [[maybe_unused]] const std::size_t sent =
        co_await http::async_write(tcp, req, asio::redirect_error(asio::use_awaitable, ec));
    http::response_parser<http::empty_body> parser;
    parser.skip(true);
    if (!ec) {
      [[maybe_unused]] const std::size_t received =
          co_await http::async_read(tcp, c->buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    }
    if (ec) {
      co_return R::failure(failure(nullptr, ec, "CONNECT through the proxy " + proxy_->authority()));
    }
    if (parser.get().result() != http::status::ok) {
      co_return R::failure(Error{Error::Kind::unavailable, 2,
                                 "the proxy " + proxy_->authority() + " refused CONNECT to " + url.authority() +
                                     " (HTTP " + std::to_string(parser.get().result_int()) + ")"});
    }
  }
  boost::system::error_code parse_ec;
  asio::ip::make_address(url.host, parse_ec);
  if (parse_ec) {
    SSL_set_tlsext_host_name(c->stream.native_handle(), url.host.c_str());
  }
  c->stream.set_verify_mode(asio::ssl::verify_peer);
  Connection* self = c.get();
  const auto verify = [this, self](bool preverified, asio::ssl::verify_context& vc) {
    X509_STORE_CTX* store = vc.native_handle();
    if (X509_STORE_CTX_get_error_depth(store) > 0) {
      return !pin_.empty() || preverified;  // a pin decides on the leaf alone
    }
    X509* cert = X509_STORE_CTX_get_current_cert(store);
    unsigned char* der = nullptr;
    const int len = i2d_X509(cert, &der);
    const Bytes raw(der, der + std::max(len, 0));
    OPENSSL_free(der);
    const std::string fingerprint = hex(crypto::sha256(crypto::der::view(raw)));
    if ((!pin_.empty() && fingerprint == pin_) || (have_ca_ && preverified)) {
      return true;
    }
    std::array<char, 256> subject{};
    X509_NAME_oneline(X509_get_subject_name(cert), subject.data(), static_cast<int>(subject.size()));
    self->refused = "its TLS certificate \"" + std::string(subject.data()) + "\" (SHA-256 " + fingerprint +
                    ") is not trusted: " +
                    (pin_.empty() ? "no server_pin_sha256 is configured" : "it does not match server_pin_sha256") +
                    (have_ca_ ? " and it does not chain to server_ca" : " and no server_ca is configured");
    return false;
  };
  c->stream.set_verify_callback(verify);
  co_await c->stream.async_handshake(asio::ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    co_return R::failure(failure(c.get(), ec, "the TLS handshake"));
  }
  co_return R::success(std::move(c));
}

awaitable<Outcome<HttpReply>> SoapTransport::exchange(const Url& url, std::string soap_action, std::string body,
                                                      std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  const bool post = !soap_action.empty();
  http::request<http::string_body> req{post ? http::verb::post : http::verb::get, url.target, 11};
  req.set(http::field::host, url.authority());
  req.set(http::field::user_agent, "kimgate");
  if (post) {
    req.set(http::field::content_type, "text/xml; charset=utf-8");
    req.set("SOAPAction", "\"" + soap_action + "\"");
  }
  if (!basic_header_.empty()) {
    req.set(http::field::authorization, basic_header_);
  }
  req.keep_alive(true);
  req.body() = std::move(body);
  req.prepare_payload();
  const std::string key = url.authority();
  for (int attempt = 0;; ++attempt) {
    std::unique_ptr<Connection> c;
    const bool reused = !idle_[key].empty();
    if (reused) {
      c = std::move(idle_[key].back());
      idle_[key].pop_back();
    } else {
      auto opened = co_await connect(url, deadline);
      if (!opened.ok()) {
        co_return Outcome<HttpReply>::failure(opened.error);
      }
      c = std::move(*opened.value);
    }
    beast::get_lowest_layer(c->stream).expires_at(deadline);
    boost::system::error_code ec;
    [[maybe_unused]] const std::size_t sent =
        co_await http::async_write(c->stream, req, asio::redirect_error(asio::use_awaitable, ec));
    http::response_parser<http::string_body> parser;
    parser.body_limit(std::uint64_t{64} << 20);
    if (!ec) {
      [[maybe_unused]] const std::size_t received =
          co_await http::async_read(c->stream, c->buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    }
    if (ec && reused && attempt == 0 && ec != beast::error::timeout) {
      continue;  // the Konnektor closed the kept-alive connection meanwhile: once more on a new one
    }
    if (ec) {
      co_return Outcome<HttpReply>::failure(failure(c.get(), ec, post ? "a SOAP call" : "reading connector.sds"));
    }
    HttpReply reply{parser.get().result_int(), std::move(parser.get().body())};
    if (parser.get().keep_alive()) {
      idle_[key].push_back(std::move(c));
    }
    if (reply.status == 401) {
      const std::string who = "Konnektor " + id_;
      co_return Outcome<HttpReply>::failure(
          Error{Error::Kind::unavailable, 2,
                auth_ == conf::KonnektorTlsAuth::basic
                    ? who + " refused the HTTP Basic credentials of user \"" + basic_user_ + "\" (HTTP 401)"
                    : who + " demands HTTP Basic authentication (HTTP 401), but tls_auth is \"" +
                          std::string(auth_name(auth_)) + "\""});
    }
    co_return Outcome<HttpReply>::success(std::move(reply));
  }
}

}  // namespace kimgate::konnektor
