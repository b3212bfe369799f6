#pragma once
// The test Konnektor's HTTPS server: connector.sds and the SOAP operations of codec.h answered
// from a LocalKonnektor, in one of the Konnektor's TLS modes (client certificate checked
// against a CA, HTTP Basic, server only; TLS 1.2 like the Konnektors in the field). Besides the
// local Konnektor's own latency and error injection (simulate_*), a control path for tests:
//   POST /sim/stop-answering   SOAP requests are read but never answered (timeout tests)
//   POST /sim/answer           answer again
//   POST /sim/fault            body "CODE TEXT": the next SOAP request gets that fault
//   POST /sim/reinsert         every card pulled and inserted again (new handles, PINs locked,
//                              the controls below undone)
//   POST /sim/remove           body "ICCSN": that card pulled (not in GetCards; its handle 4008)
//   POST /sim/pin-state        body "ICCSN PinStatus" (VERIFIED, TRANSPORT_PIN, EMPTY_PIN, BLOCKED,
//                              VERIFIABLE): what GetPinStatus answers for that card
//   POST /sim/time-offset      body "SECONDS" (may be negative): the time service's offset
// The time service (sync_Time, NTP) listens on UDP at the HTTPS port's number (time_service.h).
// The control path needs the same TLS/Basic authentication as the SOAP endpoints.
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "conf/config.h"
#include "konnektor/local_konnektor.h"
#include "net/asio.h"
#include "tests/konnektor_sim/time_service.h"

namespace kimgate::konnektor::sim {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::filesystem::path certificate;
  std::filesystem::path key;
  conf::KonnektorTlsAuth auth = conf::KonnektorTlsAuth::certificate;
  std::filesystem::path client_ca;  // certificate mode: issuer of acceptable client certificates
  std::string basic_user;
  std::string basic_password;
};

class Server {
 public:
  // Throws std::runtime_error with a sentence when the TLS identity cannot be used.
  Server(net::asio::io_context& io, LocalKonnektor& konnektor, ServerOptions options);
  std::uint16_t port() const;
  void start();

 private:
  struct Reply {
    unsigned status = 200;
    std::string content_type = "text/xml; charset=utf-8";
    std::string body;
  };
  net::awaitable<void> accept_loop();
  net::awaitable<void> serve(net::tcp::socket socket);
  net::awaitable<Reply> handle(std::string method, std::string target, std::string authorization,
                               std::string soap_action, std::string body);
  net::awaitable<Reply> soap(std::string target, std::string soap_action, std::string body);
  Reply control(const std::string& target, const std::string& body);

  net::asio::io_context& io_;
  LocalKonnektor& konnektor_;
  ServerOptions options_;
  std::string basic_expected_;
  std::shared_ptr<net::asio::ssl::context> tls_;
  net::tcp::acceptor acceptor_;
  bool answering_ = true;
  std::optional<Error> next_fault_;
  std::unique_ptr<TimeService> time_;
  std::set<std::string> job_numbers_;
  unsigned next_job_ = 1;
};

}  // namespace kimgate::konnektor::sim
