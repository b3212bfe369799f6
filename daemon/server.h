#pragma once
// Server: the kimgated process around the sessions. Binds the PVS-facing
// listeners, spawns one session coroutine per connection, and owns the
// lifecycle: sd_notify READY/STATUS/WATCHDOG/STOPPING, SIGTERM/SIGINT (stop
// accepting, let sessions finish up to timeouts.shutdown, exit 0) and SIGHUP
// (reload what can be reloaded, log what needs a restart). The receive path's
// wiring is ReceivePath (receive_path.h), the control socket's answers are
// ControlRequests (control_requests.h); the send path is wired here.
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "conf/config.h"
#include "daemon/counters.h"
#include "daemon/heap.h"
#include "konnektor/konnektor.h"
#include "net/asio.h"
#include "net/connection_limits.h"
#include "net/login_guard.h"
#include "net/proxy_v2.h"
#include "net/stoppable.h"

namespace kimgate::ldap {
class Client;
class Directory;
}  // namespace kimgate::ldap
namespace kimgate::net {
class LoginGuard;
}

namespace kimgate::web {
class WebApp;
class HttpServer;
}  // namespace kimgate::web

namespace kimgate::rest {
class ServiceLocator;
class AccountLimitClient;
}  // namespace kimgate::rest
namespace kimgate::smtp {
struct ClientSettings;
}

namespace kimgate::daemon {

struct PvsSide;

// daemon.spool_dir, or <state_dir>/spool.
std::filesystem::path spool_dir(const conf::Config& c);
// The login guard's settings from [limits] (at start and on SIGHUP).
net::LoginGuard::Settings login_settings(const conf::LimitsSection& l);

class Server {
 public:
  Server(net::asio::io_context& io, conf::Config config);
  ~Server();

  // Prepares TLS and binds every listener. Returns a sentence on failure.
  std::optional<std::string> open();
  // Starts accepting, handles signals and the watchdog, and tells systemd READY.
  void start();
  // One line per listener, e.g. "smtp 127.0.0.1:10465 tls=implicit".
  std::vector<std::string> describe_listeners() const;

 private:
  struct Runtime;  // per-generation state swapped on reload (TLS context, settings)
  struct Listening {
    conf::Listener config;
    std::unique_ptr<net::tcp::acceptor> acceptor;
  };

  std::optional<std::string> build_runtime(const conf::Config& config, std::shared_ptr<const Runtime>& out);
  net::awaitable<void> accept_loop(Listening& l);
  net::awaitable<void> run_session(net::tcp::socket socket, conf::Listener listener,
                                   std::shared_ptr<const Runtime> runtime, net::ConnectionLimits::Admission admission,
                                   net::ProxyHeader proxied = {});
  // A listener with proxy_protocol: reads the PROXY header, then admits and runs the session
  // as the client it names; without a valid header the connection is closed (server_proxy.cpp).
  net::awaitable<void> run_proxied(net::tcp::socket socket, conf::Listener listener,
                                   std::shared_ptr<const Runtime> runtime);
  void wait_for_signal();
  void reload();
  void begin_shutdown(int signal_number);
  void arm_watchdog();
  void open_konnektors();
  void open_send_path();  // the VZD client and the SMTP hooks, after the Konnektors
  std::optional<std::string> open_web(std::function<net::awaitable<nlohmann::json>(
                                          const nlohmann::json&, std::function<net::awaitable<void>(std::string)>)>
                                          control_handler);
  void open_admin();  // the administration module, after the send path (server_admin.cpp)
  // Tracking of routed submissions (server_track.cpp): the store at open(), the hooks after the
  // send path; a sentence when the database cannot be opened.
  std::optional<std::string> open_track_store();
  // A notice to an account's own mailbox through its provider (account upkeep, tracking).
  net::awaitable<std::string> send_own_mail(struct OwnMail mail);
  void wire_tracking();
  std::optional<std::string> open_metrics();  // [metrics] address, port: GET /metrics (server_metrics.cpp)
  PvsSide pvs_side() const;
  // The settings of kimgated's SMTP client towards the providers (the current generation's).
  smtp::ClientSettings upstream_settings() const;
  // The configured C.CM.TLS-CS towards the providers, else a context without client certificate.
  std::shared_ptr<net::asio::ssl::context> admin_tls() const;
  // The account's own C.CM.TLS-CS, else the configured one (null: none).
  std::shared_ptr<net::asio::ssl::context> provider_tls(const std::string& address) const;

  net::asio::io_context& io_;
  conf::Config config_;
  net::asio::thread_pool pool_;  // the bounded worker pool for blocking work (run_blocking)
  std::map<std::string, std::unique_ptr<konnektor::Konnektor>> konnektors_;  // by KonnektorId
  std::unique_ptr<class ControlServer> control_;
  std::unique_ptr<class ControlRequests> control_requests_;  // what the control socket answers
  std::unique_ptr<web::WebApp> web_app_;                     // the admin page: the same handler, in-process
  std::unique_ptr<web::HttpServer> web_;                     // [web] enabled: its loopback HTTP listener
  std::unique_ptr<web::HttpServer> metrics_http_;            // [metrics] address, port: the Prometheus endpoint
  std::unique_ptr<class KonnektorRoutes> routes_;            // KonnektorId -> Konnektor and its CardFinder
  std::unique_ptr<class ProviderCertificates> providers_;    // VerifyCertificate of provider TLS certificates
  std::unique_ptr<class ReceivePath> receive_;               // POP3 hooks and sessions
  std::shared_ptr<ldap::Client> ldap_client_;
  std::unique_ptr<ldap::Directory> directory_;
  std::unique_ptr<class KimSmtpHooks> smtp_hooks_;
  std::unique_ptr<rest::ServiceLocator> locator_;      // DNS-SD of the providers' KAS and Account Manager
  std::unique_ptr<rest::AccountLimitClient> limits_;   // getLimits, cached per account
  std::unique_ptr<struct KasAccess> kas_access_;       // the receive path's way to the KAS
  std::unique_ptr<net::LoginGuard> login_guard_;       // SMTP and POP3 logins
  std::unique_ptr<class AccountStore> accounts_;       // registered accounts and their own certificates
  std::unique_ptr<class AdminCards> admin_cards_;      // the administration module's way to the cards
  std::unique_ptr<class AdminService> admin_;          // the administration flows (control socket, web page)
  std::unique_ptr<class AccountUpkeep> upkeep_;        // certificate renewal and own KIM version, at login
  std::unique_ptr<class DoctorService> doctor_;        // kimctl doctor and the web page's Diagnose view
  std::unique_ptr<class TrackStore> track_store_;      // Vorgänge of routed submissions (null: tracking off)
  std::unique_ptr<class TrackNotices> track_notices_;  // overdue/ERROR notices at login
  std::unique_ptr<net::ConnectionLimits> connection_limits_;
  std::shared_ptr<const Runtime> runtime_;
  std::vector<Listening> listeners_;
  net::StopRegistry sessions_;
  Counters counters_;
  net::asio::signal_set signals_;
  net::asio::steady_timer shutdown_timer_;
  net::asio::steady_timer watchdog_timer_;
  HeapTrimmer heap_trimmer_;  // free heap pages back to the system every 30 s (daemon/heap.h)
  bool stopping_ = false;
};

}  // namespace kimgate::daemon
