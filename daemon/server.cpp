#include "daemon/server.h"

#include <unistd.h>

#include <array>
#include <csignal>

#include "conf/load.h"
#include "crypto/ossl.h"
#include "crypto/sealed_spool.h"
#include "daemon/account_store.h"
#include "daemon/account_upkeep.h"
#include "daemon/admin_card.h"
#include "daemon/admin_ops.h"
#include "daemon/control.h"
#include "daemon/control_requests.h"
#include "daemon/konnektor_routes.h"
#include "daemon/logging.h"
#include "daemon/metered_konnektor.h"
#include "daemon/notify.h"
#include "daemon/provider_check.h"
#include "daemon/receive_kas.h"
#include "daemon/receive_path.h"
#include "daemon/route_send.h"
#include "daemon/smtp_hooks.h"
#include "daemon/track_hooks.h"
#include "daemon/track_store.h"
#include "kimgate_version.h"
#include "konnektor/make_konnektor.h"
#include "ldap/configure.h"
#include "ldap/directory.h"
#include "net/connection.h"
#include "net/connection_limits.h"
#include "net/login_guard.h"
#include "net/tls.h"
#include "pop3/replies.h"
#include "pop3/server_session.h"
#include "rest/account_limit.h"
#include "rest/dnssd.h"
#include "smtp/server_session.h"
#include "web/app.h"
#include "web/http_server.h"

namespace kimgate::daemon {

namespace asio = net::asio;
using net::awaitable;

struct Server::Runtime {
  std::shared_ptr<asio::ssl::context> tls;
  std::string fingerprint;
  smtp::ServerSettings smtp;
  pop3::ServerSettings pop3;
  // Without fachdienst.client_p12: the provider checked, no client certificate (the admin module's
  // registerAccount and createCert, A_19457-02); null otherwise.
  std::shared_ptr<asio::ssl::context> server_only;
};

net::LoginGuard::Settings login_settings(const conf::LimitsSection& l) {
  return net::LoginGuard::Settings{static_cast<int>(l.login_failures), l.login_lock, l.login_failure_delay};
}

namespace {

std::string peer_address_of(const net::tcp::socket& socket) {
  boost::system::error_code ec;
  const auto ep = socket.remote_endpoint(ec);
  return ec ? std::string("?") : ep.address().to_string();
}

std::string host_name(const conf::Config& c) {
  if (!c.daemon.hostname.empty()) {
    return c.daemon.hostname;
  }
  std::array<char, 256> buf{};
  if (::gethostname(buf.data(), buf.size() - 1) == 0 && buf[0] != '\0') {
    return buf.data();
  }
  return "kimgate";
}

std::string listener_text(const conf::Listener& l) {
  return std::string(conf::to_string(l.protocol)) + " " + l.address + ":" + std::to_string(l.port) +
         " tls=" + std::string(conf::to_string(l.tls)) + (l.proxy_protocol ? " proxy_protocol=v2" : "");
}

// Logs an exception that escaped a session coroutine; only that session ends.
void log_session_end(std::exception_ptr e) {
  if (!e) {
    return;
  }
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    spdlog::error("event=session_aborted reason=\"{}\"", ex.what());
  }
}

}  // namespace

std::filesystem::path spool_dir(const conf::Config& c) {
  return c.daemon.spool_dir.empty() ? c.daemon.state_dir / "spool" : c.daemon.spool_dir;
}

Server::Server(asio::io_context& io, conf::Config config)
    : io_(io),
      config_(std::move(config)),
      pool_(config_.daemon.worker_threads),
      routes_(std::make_unique<KonnektorRoutes>(konnektors_, config_)),
      providers_(std::make_unique<ProviderCertificates>(config_.fachdienst.verify_with_konnektor)),
      receive_(std::make_unique<ReceivePath>(*routes_, pool_, *providers_)),
      connection_limits_(
          std::make_unique<net::ConnectionLimits>(config_.limits.connections, config_.limits.connections_per_client)),
      signals_(io, SIGTERM, SIGINT, SIGHUP),
      shutdown_timer_(io),
      watchdog_timer_(io),
      heap_trimmer_(io, pool_, std::chrono::seconds(30)) {}

Server::~Server() {
  pool_.join();
}

void Server::open_konnektors() {
  for (const auto& k : config_.konnektors) {
    auto made = konnektor::make_konnektor(io_.get_executor(), pool_, k, config_.timeouts, config_.limits);
    for (const auto& problem : made.problems) {
      spdlog::warn("event=konnektor_card_missing konnektor={} problem=\"{}\"", k.id, problem);
    }
    if (!made.konnektor) {
      spdlog::error("event=konnektor_unavailable konnektor={} reason=\"{}\"", k.id, made.error);
      continue;
    }
    konnektors_[k.id] = metered(std::move(made.konnektor));  // kimgate_konnektor_* on /metrics
    spdlog::info("event=konnektor konnektor={} kind={} default={}", k.id,
                 k.kind == conf::KonnektorKind::local ? "local" : "soap", k.is_default);
  }
  open_send_path();
}

void Server::open_send_path() {
  if (!config_.directory.url.empty()) {
    const ldap::Configured configured = ldap::configure(config_);
    if (configured.ok()) {
      ldap_client_ = ldap::Client::create(io_.get_executor(), pool_, configured.client);
      directory_ = std::make_unique<ldap::Directory>(ldap_client_, configured.directory);
      spdlog::info("event=directory url={}", config_.directory.url);
    } else {
      spdlog::error("event=directory_unusable reason=\"{}\"", configured.error);
    }
  } else {
    spdlog::warn("event=no_directory reason=\"directory.url is not set: KIM messages cannot be sent\"");
  }
  SendSettings send;
  send.outer.cm_version = std::string(KIMGATE_VENDOR_ID) + "_" + KIMGATE_VERSION;
  send.max_client_mail = config_.limits.konnektor_document;
  send.certificate_ttl = config_.cache.enc_cert;
  send.max_message_size = config_.limits.max_message_size;
  send.spool_dir = spool_dir(config_);
  send.spool_memory = config_.limits.spool_memory;
  rest::ServiceLocator::Settings where;
  where.dns_server = config_.services.dns_server;
  where.dnssd_domain = config_.services.dnssd_domain;
  for (const conf::ProviderServices& p : config_.services.providers) {
    if (!p.kas_url.empty()) {
      where.overrides.push_back({rest::Service::kas, p.domain, p.kas_url});
    }
    if (!p.account_manager_url.empty()) {
      where.overrides.push_back({rest::Service::account_manager, p.domain, p.account_manager_url});
    }
  }
  locator_ = std::make_unique<rest::ServiceLocator>(pool_, where);
  LargeMailServices large;
  large.pool = &pool_;
  large.locator = locator_.get();
  large.timeout = config_.services.timeout;
  large.tls = [this](const std::string& address) { return provider_tls(address); };
  rest::ClientSettings http;  // each call presents the account's own certificate or the configured one
  http.tls = runtime_ ? runtime_->smtp.upstream.tls : nullptr;
  http.inactivity = config_.services.timeout;
  limits_ = std::make_unique<rest::AccountLimitClient>(io_.get_executor(), http, config_.cache.account_limits);
  large.limits = limits_.get();
  kas_access_ = std::make_unique<KasAccess>();
  kas_access_->locator = locator_.get();
  kas_access_->tls = large.tls;
  kas_access_->timeout = config_.services.timeout;
  kas_access_->spool_dir = send.spool_dir;
  kas_access_->spool_memory = send.spool_memory;
  kas_access_->large_threshold = config_.limits.konnektor_document;
  kas_access_->directory = directory_.get();
  receive_->set_kas(kas_access_.get());
  smtp_hooks_ =
      std::make_unique<KimSmtpHooks>(*routes_, directory_.get(), send, counters_, *providers_, std::move(large));
  login_guard_ = std::make_unique<net::LoginGuard>(login_settings(config_.limits));
  const auto own_tls = [this](const std::string& address) { return accounts_->tls_for(address); };
  smtp_hooks_->set_account_tls(own_tls);
  smtp_hooks_->set_routing(load_routing(config_));
  receive_->set_account_tls(own_tls);
  receive_->set_receive_filters(config_.receive_filters);
  open_admin();
}

std::shared_ptr<asio::ssl::context> Server::provider_tls(const std::string& address) const {
  std::shared_ptr<asio::ssl::context> own = accounts_->tls_for(address);
  if (own) {
    return own;
  }
  return runtime_ ? runtime_->smtp.upstream.tls : nullptr;
}

PvsSide Server::pvs_side() const {
  return PvsSide{host_name(config_), config_.pvs.listeners, runtime_ ? runtime_->fingerprint : std::string()};
}

smtp::ClientSettings Server::upstream_settings() const {
  return runtime_ ? runtime_->smtp.upstream : smtp::ClientSettings{};
}

std::shared_ptr<asio::ssl::context> Server::admin_tls() const {
  if (!runtime_) {
    return nullptr;
  }
  return runtime_->smtp.upstream.tls ? runtime_->smtp.upstream.tls : runtime_->server_only;
}

std::optional<std::string> Server::build_runtime(const conf::Config& c, std::shared_ptr<const Runtime>& out) {
  auto rt = std::make_shared<Runtime>();
  const std::string host = host_name(c);
  net::ServerTlsOptions tls_options;
  tls_options.client_ca = c.pvs.client_ca;
  tls_options.require_client_certificate = c.pvs.require_client_certificate;
  std::string source = "configured";
  if (c.pvs.certificate.empty()) {
    const net::SelfSigned self = net::ensure_self_signed(c.daemon.state_dir, host);
    if (!self.error.empty()) {
      return self.error;
    }
    tls_options.certificate = self.certificate;
    tls_options.key = self.key;
    source = self.created ? "self-signed-created" : "self-signed";
  } else {
    tls_options.certificate = c.pvs.certificate;
    tls_options.key = c.pvs.key;
    const auto password = conf::read_secret(c.pvs.key_password);
    if (!password) {
      return "cannot read pvs.key_password_file \"" + c.pvs.key_password.file.string() + "\"";
    }
    tls_options.key_password = *password;
  }
  net::ServerTls tls = net::make_server_tls(tls_options);
  if (!tls.context) {
    return tls.error;
  }
  spdlog::info("event=tls_identity source={} certificate=\"{}\" fingerprint_sha256={}", source,
               tls_options.certificate.string(), tls.fingerprint_sha256);
  rt->tls = std::move(tls.context);
  rt->fingerprint = tls.fingerprint_sha256;

  rt->smtp.hostname = host;
  rt->smtp.max_message_size = c.limits.max_message_size;
  rt->smtp.client_timeout = c.timeouts.smtp_client;
  rt->smtp.tls_handshake = c.timeouts.tls_handshake;
  rt->smtp.command_line = c.limits.command_line;
  rt->smtp.auth_line = c.limits.auth_line;
  rt->smtp.error_cap = c.limits.error_count;
  rt->smtp.max_recipients = c.limits.max_recipients;
  rt->smtp.max_text_line = c.limits.text_line;
  rt->smtp.upstream.connect_timeout = c.fachdienst.connect_timeout;
  rt->smtp.upstream.tls_handshake = c.timeouts.tls_handshake;
  rt->smtp.upstream.server_timeout = c.timeouts.smtp_server;

  if (!c.fachdienst.client_p12.empty() && !c.fachdienst.ca_file.empty()) {
    const auto password = conf::read_secret(c.fachdienst.client_p12_password);
    if (!password) {
      return "cannot read fachdienst.client_p12_password_file \"" + c.fachdienst.client_p12_password.file.string() +
             "\"";
    }
    const auto p12 = crypto::read_pkcs12_file(c.fachdienst.client_p12, *password);
    if (!p12.ok()) {
      return "cannot use the client certificate (C.CM.TLS-CS) " + p12.error;
    }
    net::ClientTlsOptions options{{p12.value->key.get(), p12.value->cert.x509.get(), {}}, c.fachdienst.ca_file};
    for (const auto& ca : p12.value->chain) {
      options.identity.chain.push_back(ca.x509.get());
    }
    net::ClientTls upstream = net::make_client_tls(options);
    if (!upstream.context) {
      return upstream.error;
    }
    rt->smtp.upstream.tls = upstream.context;
  } else if (!c.fachdienst.ca_file.empty()) {
    net::ClientTls server_only = net::make_client_tls(net::ClientTlsOptions{{}, c.fachdienst.ca_file});
    if (!server_only.context) {
      return server_only.error;
    }
    rt->server_only = server_only.context;
    spdlog::info(
        "event=no_configured_client_certificate reason=\"fachdienst.client_p12 is not set: only accounts with "
        "their own certificate (kimctl account) reach the KIM provider\"");
  } else {
    spdlog::warn(
        "event=no_upstream reason=\"fachdienst.ca_file is not set: PVS logins cannot reach the KIM provider\"");
  }
  rt->pop3 = receive_->settings(c, host, rt->smtp.upstream.tls);
  out = std::move(rt);
  return std::nullopt;
}

std::optional<std::string> Server::open() {
  std::error_code fs_ec;
  std::filesystem::create_directories(config_.daemon.state_dir, fs_ec);
  if (fs_ec) {
    return "cannot create daemon.state_dir \"" + config_.daemon.state_dir.string() + "\": " + fs_ec.message();
  }
  // Sealed spool files of mails in flight: only this user may list them; a crash can leave
  // nothing readable behind (the key died with the process), and named leftovers are removed.
  const std::filesystem::path spool = spool_dir(config_);
  std::filesystem::create_directories(spool, fs_ec);
  if (fs_ec) {
    return "cannot create the spool directory \"" + spool.string() + "\": " + fs_ec.message();
  }
  std::filesystem::permissions(spool, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace, fs_ec);
  const std::size_t stale = crypto::remove_stale_spool_files(spool);
  if (stale > 0) {
    spdlog::warn("event=spool_cleanup removed={} dir=\"{}\"", stale, spool.string());
  }
  accounts_ = std::make_unique<AccountStore>(config_.daemon.state_dir, config_.fachdienst.ca_file);
  for (const std::string& problem : accounts_->load()) {
    spdlog::warn("event=account_registry_problem reason=\"{}\"", problem);
  }
  if (auto err = build_runtime(config_, runtime_)) {
    return err;
  }
  for (const auto& l : config_.pvs.listeners) {
    Listening listening{l, std::make_unique<net::tcp::acceptor>(io_)};
    boost::system::error_code ec;
    const net::tcp::endpoint ep(asio::ip::make_address(l.address, ec), l.port);
    if (!ec) {
      listening.acceptor->open(ep.protocol(), ec);
    }
    if (!ec) {
      listening.acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    }
    if (!ec) {
      listening.acceptor->bind(ep, ec);
    }
    if (!ec) {
      listening.acceptor->listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
      return "cannot listen on " + l.address + ":" + std::to_string(l.port) + " for " +
             std::string(conf::to_string(l.protocol)) + ": " + ec.message();
    }
    listeners_.push_back(std::move(listening));
  }
  std::filesystem::create_directories(config_.daemon.control_socket.parent_path(), fs_ec);
  const auto status = [this] {
    return DaemonStatus{sessions_.size(), stopping_, describe_listeners(), counters_.snapshot()};
  };
  control_requests_ = std::make_unique<ControlRequests>(konnektors_, config_.konnektors, status);
  const auto handler = [this](const nlohmann::json& request, ControlServer::Progress progress) {
    return control_requests_->handle(request, std::move(progress));
  };
  control_ = std::make_unique<ControlServer>(io_, config_.daemon.control_socket.string(), handler);
  if (auto err = control_->open()) {
    return err;
  }
  if (auto err = open_web(handler)) {
    return err;
  }
  if (auto err = open_track_store()) {
    return err;
  }
  if (auto err = open_metrics()) {
    return err;
  }
  open_konnektors();
  return std::nullopt;
}

// The admin page ([web] enabled): every page action is an op of `handler`, the control socket's
// (without progress lines: the page answers when the op is done).
std::optional<std::string> Server::open_web(ControlServer::Handler control_handler) {
  if (!config_.web.enabled) {
    return std::nullopt;
  }
  auto handler = [control_handler = std::move(control_handler)](const nlohmann::json& request) {
    return control_handler(request, ControlServer::Progress{});
  };
  web::WebOptions options;
  options.password_file = config_.web_password_file();
  options.session_idle = config_.web.session_idle;
  options.login_failure_delay = config_.limits.login_failure_delay;
  web_app_ = std::make_unique<web::WebApp>(options, std::move(handler), pool_);
  web::HttpLimits limits;
  limits.body_bytes = config_.web.max_request_body;
  limits.timeout = config_.web.request_timeout;
  const auto responder = [this](const web::Request& request, const std::string& client) {
    return web_app_->respond(request, client);
  };
  web_ = std::make_unique<web::HttpServer>(io_, config_.web.address, config_.web.port, limits, responder);
  return web_->open();
}

std::vector<std::string> Server::describe_listeners() const {
  std::vector<std::string> out;
  for (const auto& l : listeners_) {
    out.push_back(listener_text(l.config));
  }
  return out;
}

void Server::start() {
  std::string status = "listening:";
  for (auto& l : listeners_) {
    spdlog::info("event=listening {}", listener_text(l.config));
    status += " " + std::string(conf::to_string(l.config.protocol)) + "=" + l.config.address + ":" +
              std::to_string(l.config.port);
    auto loop = accept_loop(l);
    asio::co_spawn(io_, std::move(loop), asio::detached);
  }
  control_->start();
  heap_trimmer_.start();
  if (web_) {
    web_->start();
    spdlog::info("event=listening web {}:{}", config_.web.address, web_->port());
  }
  if (metrics_http_) {
    metrics_http_->start();
    spdlog::info("event=listening metrics {}:{}", config_.metrics.address, metrics_http_->port());
  }
  wait_for_signal();
  arm_watchdog();
  notify_ready(status);
  spdlog::info("event=ready pid={}", ::getpid());
}

awaitable<void> Server::accept_loop(Listening& l) {
  for (;;) {
    boost::system::error_code ec;
    net::tcp::socket socket = co_await l.acceptor->async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || stopping_) {
      co_return;
    }
    if (ec) {
      // EMFILE and friends: log, back off briefly, keep the listener alive.
      spdlog::warn("event=accept_failed {} reason=\"{}\"", listener_text(l.config), ec.message());
      asio::steady_timer backoff(io_, std::chrono::milliseconds(100));
      co_await backoff.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    const auto on_done = [](std::exception_ptr e) { log_session_end(e); };
    if (l.config.proxy_protocol) {
      // The client's address comes in the PROXY header, and the connection limits count it.
      auto proxied = run_proxied(std::move(socket), l.config, runtime_);
      asio::co_spawn(io_, std::move(proxied), on_done);
      continue;
    }
    net::ConnectionLimits::Admission admission = connection_limits_->admit(peer_address_of(socket));
    auto session = run_session(std::move(socket), l.config, runtime_, std::move(admission));
    asio::co_spawn(io_, std::move(session), on_done);
  }
}

awaitable<void> Server::run_session(net::tcp::socket socket, conf::Listener listener,
                                    std::shared_ptr<const Runtime> runtime, net::ConnectionLimits::Admission admission,
                                    net::ProxyHeader proxied) {
  net::Connection conn(std::move(socket), runtime->tls, runtime->smtp.auth_line);
  if (proxied.has_address()) {
    conn.set_peer(proxied.source_address, proxied.source_port);
  }
  const bool smtp = listener.protocol == conf::ListenerProtocol::smtp;
  if (!admission.refused.empty()) {
    // Over a connection limit: the client hears why (after the TLS handshake on an implicit-TLS
    // listener, or it could not read it), and the connection closes.
    spdlog::warn("event=connection_refused {} peer={} reason=\"{}\"", listener_text(listener), conn.peer(),
                 admission.refused);
    const std::string text = smtp ? smtp::format_reply(421, "4.7.0", admission.refused)
                                  : pop3::format_reply(pop3::replies::over_connection_limit, admission.refused);
    net::LineSessionSettings settings = runtime->smtp;
    settings.implicit_tls = listener.tls == conf::ListenerTls::implicit;
    co_await net::refuse_connection(conn, settings, text);
    co_return;
  }
  if (smtp) {
    smtp::ServerSettings settings = runtime->smtp;
    settings.implicit_tls = listener.tls == conf::ListenerTls::implicit;
    settings.starttls_offered = listener.tls == conf::ListenerTls::starttls;
    settings.hooks = smtp_hooks_.get();
    settings.login_guard = login_guard_.get();
    smtp::ServerSession session(conn, settings, sessions_);
    co_await session.run();
  } else {
    pop3::ServerSettings settings = runtime->pop3;
    settings.login_guard = login_guard_.get();
    co_await receive_->serve(conn, settings, listener, sessions_);
  }
}

void Server::wait_for_signal() {
  const auto on_signal = [this](const boost::system::error_code& ec, int signal_number) {
    if (ec) {
      return;
    }
    if (signal_number == SIGHUP) {
      reload();
      wait_for_signal();
    } else {
      begin_shutdown(signal_number);
    }
  };
  signals_.async_wait(on_signal);
}

void Server::arm_watchdog() {
  const auto interval = watchdog_interval();
  if (!interval || stopping_) {
    return;
  }
  watchdog_timer_.expires_after(*interval);
  const auto on_tick = [this](const boost::system::error_code& ec) {
    if (!ec) {
      notify_watchdog();
      arm_watchdog();
    }
  };
  watchdog_timer_.async_wait(on_tick);
}

void Server::begin_shutdown(int signal_number) {
  if (stopping_) {
    return;
  }
  stopping_ = true;
  const std::string status = "stopping: waiting for " + std::to_string(sessions_.size()) + " session(s)";
  spdlog::info("event=shutdown signal={} sessions={}", signal_number, sessions_.size());
  notify_stopping(status);
  for (auto& l : listeners_) {
    boost::system::error_code ec;
    l.acceptor->close(ec);
  }
  watchdog_timer_.cancel();
  heap_trimmer_.stop();
  control_->close();
  if (web_) {
    web_->close();
  }
  if (metrics_http_) {
    metrics_http_->close();
  }
  sessions_.request_stop_all();
  shutdown_timer_.expires_after(config_.timeouts.shutdown);
  const auto on_deadline = [this](const boost::system::error_code& ec) {
    if (!ec) {
      spdlog::warn("event=shutdown_deadline sessions={}", sessions_.size());
      sessions_.force_close_all();
    }
  };
  shutdown_timer_.async_wait(on_deadline);
  const auto on_empty = [this] {
    spdlog::info("event=stopped");
    shutdown_timer_.cancel();
    boost::system::error_code ec;
    signals_.cancel(ec);
    // Every session has ended (its mail finished or the deadline cut it): nothing else may keep
    // the process alive — not the VZD connection's reader, not a Konnektor's kept-alive socket.
    if (ldap_client_) {
      ldap_client_->close();
    }
    io_.stop();
  };
  sessions_.when_empty(on_empty);
}

}  // namespace kimgate::daemon
