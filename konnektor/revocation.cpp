#include "konnektor/revocation.h"

#include <openssl/ocsp.h>
#include <openssl/x509v3.h>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <utility>

#include "crypto/certificate.h"
#include "crypto/ocsp.h"
#include "net/asio.h"
#include "net/connection.h"

namespace kimgate::konnektor {

namespace asio = net::asio;
namespace beast = net::beast;
namespace http = beast::http;

namespace {

struct HttpUrl {
  std::string host;
  std::string port = "80";
  std::string target = "/";
};

std::optional<HttpUrl> parse_http_url(const std::string& url) {
  constexpr std::string_view scheme = "http://";
  if (url.rfind(scheme, 0) != 0) {
    return std::nullopt;
  }
  const std::string rest = url.substr(scheme.size());
  const std::size_t slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  HttpUrl u;
  if (slash != std::string::npos) {
    u.target = rest.substr(slash);
  }
  const std::size_t colon = authority.rfind(':');
  if (colon != std::string::npos && authority.find(']') == std::string::npos) {
    u.host = authority.substr(0, colon);
    u.port = authority.substr(colon + 1);
  } else {
    u.host = authority;
  }
  if (u.host.empty()) {
    return std::nullopt;
  }
  return u;
}

std::vector<std::string> ocsp_urls(const crypto::Certificate& cert) {
  std::vector<std::string> out;
  STACK_OF(OPENSSL_STRING)* urls = X509_get1_ocsp(cert.x509.get());
  for (int i = 0; urls != nullptr && i < sk_OPENSSL_STRING_num(urls); ++i) {
    out.emplace_back(sk_OPENSSL_STRING_value(urls, i));
  }
  X509_email_free(urls);
  return out;
}

std::vector<std::string> crl_urls(const crypto::Certificate& cert) {
  std::vector<std::string> out;
  auto* points = static_cast<STACK_OF(DIST_POINT)*>(
      X509_get_ext_d2i(cert.x509.get(), NID_crl_distribution_points, nullptr, nullptr));
  for (int i = 0; points != nullptr && i < sk_DIST_POINT_num(points); ++i) {
    const DIST_POINT* dp = sk_DIST_POINT_value(points, i);
    if (dp->distpoint == nullptr || dp->distpoint->type != 0) {
      continue;
    }
    const GENERAL_NAMES* names = dp->distpoint->name.fullname;
    for (int j = 0; j < sk_GENERAL_NAME_num(names); ++j) {
      const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, j);
      if (n->type == GEN_URI) {
        const ASN1_IA5STRING* uri = n->d.uniformResourceIdentifier;
        out.emplace_back(reinterpret_cast<const char*>(uri->data), static_cast<std::size_t>(uri->length));
      }
    }
  }
  sk_DIST_POINT_pop_free(points, DIST_POINT_free);
  return out;
}

std::string fingerprint(const crypto::Certificate& cert) {
  const crypto::Bytes digest = crypto::sha256(crypto::der::View(cert.der.data(), cert.der.size()));
  return std::string(digest.begin(), digest.end());
}

}  // namespace

crypto::Result<crypto::Bytes> http_fetch(const std::string& url, const crypto::Bytes& body,
                                         const std::string& content_type, std::chrono::milliseconds timeout) {
  using R = crypto::Result<crypto::Bytes>;
  const std::optional<HttpUrl> u = parse_http_url(url);
  if (!u) {
    return R::failure("not an http:// URL: " + url);
  }
  asio::io_context io(1);
  R result = R::failure("no answer from " + url);
  const auto exchange = [&]() -> net::awaitable<void> {
    beast::tcp_stream stream(io);
    boost::system::error_code ec;
    asio::ip::tcp::resolver resolver(io);
    stream.expires_after(timeout);
    const auto endpoints =
        co_await resolver.async_resolve(u->host, u->port, asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) {
      co_await stream.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
    }
    if (!ec) {
      net::set_no_delay(stream.socket());
    }
    if (ec) {
      result = R::failure("cannot reach " + url + ": " + ec.message());
      co_return;
    }
    http::request<http::vector_body<std::uint8_t>> req{body.empty() ? http::verb::get : http::verb::post, u->target,
                                                       11};
    req.set(http::field::host, u->host);
    req.set(http::field::connection, "close");
    if (!body.empty()) {
      req.set(http::field::content_type, content_type);
      req.body() = body;
    }
    req.prepare_payload();
    co_await http::async_write(stream, req, asio::redirect_error(asio::use_awaitable, ec));
    beast::flat_buffer buffer;
    http::response_parser<http::vector_body<std::uint8_t>> parser;
    parser.body_limit(32u << 20);
    if (!ec) {
      co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    }
    if (ec) {
      result = R::failure(url + ": " + ec.message());
      co_return;
    }
    const auto& res = parser.get();
    if (res.result() != http::status::ok) {
      result = R::failure(url + " answered HTTP " + std::to_string(res.result_int()));
      co_return;
    }
    result = R::success(crypto::Bytes(res.body().begin(), res.body().end()));
  };
  asio::co_spawn(io, exchange, asio::detached);
  io.run();
  return result;
}

RevocationChecker::RevocationChecker(std::vector<crypto::Certificate> roots,
                                     std::vector<crypto::Certificate> intermediates, std::chrono::milliseconds timeout,
                                     std::chrono::seconds cache_time)
    : roots_(std::move(roots)), intermediates_(std::move(intermediates)), timeout_(timeout), cache_time_(cache_time) {}

const crypto::Certificate* RevocationChecker::issuer_of(const crypto::Certificate& cert) const {
  for (const auto* list : {&intermediates_, &roots_}) {
    for (const crypto::Certificate& c : *list) {
      if (X509_check_issued(c.x509.get(), cert.x509.get()) == X509_V_OK) {
        return &c;
      }
    }
  }
  return nullptr;
}

RevocationResult RevocationChecker::check(const crypto::Certificate& cert) {
  const std::string key = fingerprint(cert);
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mutex_);
    const auto it = cache_.find(key);
    if (it != cache_.end() && it->second.second > now) {
      return it->second.first;
    }
  }
  RevocationResult r = check_uncached(cert);
  if (r.status != Revocation::unknown) {
    std::lock_guard lock(mutex_);
    if (cache_.size() > 10000) {
      cache_.clear();
    }
    cache_[key] = {r, now + cache_time_};
  }
  return r;
}

RevocationResult RevocationChecker::check_uncached(const crypto::Certificate& cert) {
  const crypto::Certificate* issuer = issuer_of(cert);
  if (issuer == nullptr) {
    return {Revocation::unknown, "the issuer is not among the trust anchors"};
  }
  std::vector<crypto::Certificate> trusted = roots_;
  trusted.insert(trusted.end(), intermediates_.begin(), intermediates_.end());
  std::string why;
  for (const std::string& url : ocsp_urls(cert)) {
    const auto request = crypto::ocsp_request(cert, *issuer);
    if (!request.ok()) {
      why = "OCSP request: " + request.error;
      break;
    }
    const auto response = http_fetch(url, *request.value, "application/ocsp-request", timeout_);
    if (!response.ok()) {
      why = "OCSP: " + response.error;
      continue;
    }
    const crypto::CertCheck status = crypto::ocsp_status(*response.value, cert, *issuer, trusted);
    if (status.status == crypto::CertStatus::ok) {
      return {Revocation::good, "OCSP " + url + ": good"};
    }
    if (status.status == crypto::CertStatus::revoked) {
      return {Revocation::revoked, "OCSP " + url + ": revoked " + status.detail};
    }
    why = "OCSP " + url + ": " + status.detail;
  }
  for (const std::string& url : crl_urls(cert)) {
    const auto crl = http_fetch(url, {}, "", timeout_);
    if (!crl.ok()) {
      why += (why.empty() ? "" : "; ") + std::string("CRL: ") + crl.error;
      continue;
    }
    crypto::CertCheckOptions options;
    options.roots = roots_;
    options.intermediates = intermediates_;
    options.crls_pem = {*crl.value};
    const crypto::CertCheck status = crypto::check_certificate(cert, options);
    if (status.status == crypto::CertStatus::revoked) {
      return {Revocation::revoked, "CRL " + url + ": revoked " + status.detail};
    }
    if (status.status == crypto::CertStatus::ok) {
      return {Revocation::good, "CRL " + url + ": not listed"};
    }
    why += (why.empty() ? "" : "; ") + std::string("CRL ") + url + ": " + status.detail;
  }
  return {Revocation::unknown, why.empty() ? "the certificate names no OCSP responder and no CRL" : why};
}

}  // namespace kimgate::konnektor
