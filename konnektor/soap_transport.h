#pragma once
// HTTPS to a Konnektor (spec digest konnektor.md §2): the TLS modes client certificate
// (PKCS#12), HTTP Basic and server-only; the Konnektor's certificate accepted when its
// SHA-256 matches server_pin_sha256 or it chains to server_ca (its CN is an ICCSN, so no
// host-name check); an HTTP CONNECT proxy when configured; kept-alive connections reused per
// host; every exchange bounded by one deadline. Failures come back as Errors whose sentence
// says which side refused what (client certificate, Basic credentials, server certificate).
//
// Runs on one executor; not thread-safe. Owns its idle connections.
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "conf/config.h"
#include "konnektor/types.h"
#include "net/asio.h"

namespace kimgate::konnektor {

struct Url {
  std::string host;
  std::string port;    // "443" when absent
  std::string target;  // "/" when absent
  std::string authority() const { return host + ":" + port; }
};
// https://host[:port][/path]; IPv6 in brackets. nullopt for anything else.
std::optional<Url> parse_https_url(std::string_view url);

struct HttpReply {
  unsigned status = 0;
  std::string body;
};

class SoapTransport {
 public:
  // The TLS context from the [[konnektor]] section; `error` is set (and null returned) when the
  // client certificate or the CA file cannot be used or a secret cannot be read.
  static std::unique_ptr<SoapTransport> create(net::asio::any_io_executor ex, const conf::Konnektor& config,
                                               std::string& error);
  ~SoapTransport();

  // GET (empty soap_action) or POST of a SOAP body. A reply of any HTTP status is a value
  // (the caller reads faults from 500s); a 401 is an Error naming the Basic credentials.
  net::awaitable<Outcome<HttpReply>> exchange(const Url& url, std::string soap_action, std::string body,
                                              std::chrono::milliseconds timeout);

  struct Connection;

 private:
  SoapTransport(net::asio::any_io_executor ex, const conf::Konnektor& config);
  net::awaitable<Outcome<std::unique_ptr<Connection>>> connect(const Url& url,
                                                               std::chrono::steady_clock::time_point deadline);
  Error failure(const Connection* c, const boost::system::error_code& ec, std::string_view step) const;

  net::asio::any_io_executor ex_;
  std::string id_;
  conf::KonnektorTlsAuth auth_;
  std::string basic_header_;  // "Basic base64(user:password)"
  std::string basic_user_;
  std::string pin_;  // lower-case hex, empty when not pinned
  bool have_ca_ = false;
  std::optional<Url> proxy_;
  std::shared_ptr<net::asio::ssl::context> tls_;
  std::map<std::string, std::vector<std::unique_ptr<Connection>>> idle_;
};

}  // namespace kimgate::konnektor
