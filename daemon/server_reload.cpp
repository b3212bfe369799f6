// Server::reload(): SIGHUP — read the configuration again, apply what can be applied to new
// sessions (logging, timeouts, limits, host name, the PVS-facing TLS identity, receive filters),
// log what needs a restart, and keep the previous configuration when the new one has errors.
#include <spdlog/spdlog.h>

#include "conf/load.h"
#include "daemon/logging.h"
#include "daemon/notify.h"
#include "daemon/receive_path.h"
#include "daemon/server.h"
#include "net/login_guard.h"

namespace kimgate::daemon {

using net::awaitable;
namespace asio = net::asio;

void Server::reload() {
  notify_reloading();
  spdlog::info("event=reload_begin config=\"{}\"", config_.source.string());
  conf::LoadResult loaded = conf::load_file(config_.source);
  if (!loaded.ok()) {
    for (const auto& d : loaded.errors) {
      spdlog::error("event=reload_rejected diagnostic=\"{}\"", d.str());
    }
    spdlog::warn("event=reload_end result=kept_previous_configuration");
    notify_ready("reload rejected: configuration has errors, previous configuration kept");
    return;
  }
  conf::Config next = std::move(*loaded.config);
  const auto report = [](std::string_view section, bool changed, bool applied) {
    if (changed) {
      spdlog::info("event=reload section={} result={}", section, applied ? "applied" : "needs_restart");
    }
  };
  // Applied now (new sessions see it): logging, timeouts, limits, host name, the PVS-facing TLS identity.
  std::shared_ptr<const Runtime> fresh;
  if (auto err = build_runtime(next, fresh)) {
    spdlog::error("event=reload_rejected reason=\"{}\"", *err);
    notify_ready("reload rejected: " + *err);
    return;
  }
  report("log", next.log != config_.log, true);
  report("timeouts", next.timeouts != config_.timeouts, true);
  report("limits", next.limits != config_.limits, true);
  report("daemon.hostname", next.daemon.hostname != config_.daemon.hostname, true);
  const bool tls_changed = next.pvs.certificate != config_.pvs.certificate || next.pvs.key != config_.pvs.key ||
                           next.pvs.key_password != config_.pvs.key_password ||
                           next.pvs.client_ca != config_.pvs.client_ca ||
                           next.pvs.require_client_certificate != config_.pvs.require_client_certificate;
  report("pvs.tls", tls_changed, true);
  report("receive_filter", next.receive_filters != config_.receive_filters, true);
  receive_->set_receive_filters(next.receive_filters);
  config_.receive_filters = next.receive_filters;
  if (const std::string error = setup_logging(next.log, config_.daemon.state_dir); !error.empty()) {
    spdlog::error("event=reload_log_kept reason=\"{}\"", error);  // the old logger stays
    next.log = config_.log;
  }
  runtime_ = std::move(fresh);
  // Kept until restart: what is bound or connected at start-up.
  report("pvs.listener",
         next.pvs.listeners != config_.pvs.listeners ||
             next.pvs.plaintext_on_loopback != config_.pvs.plaintext_on_loopback,
         false);
  report("konnektor", next.konnektors != config_.konnektors, false);
  report("directory", next.directory != config_.directory, false);
  report("fachdienst", next.fachdienst != config_.fachdienst, false);
  report("cache", next.cache != config_.cache, false);
  report("daemon.state_dir", next.daemon.state_dir != config_.daemon.state_dir, false);
  report("daemon.worker_threads", next.daemon.worker_threads != config_.daemon.worker_threads, false);
  report("metrics", next.metrics != config_.metrics, false);
  config_.log = next.log;
  config_.timeouts = next.timeouts;
  config_.limits = next.limits;
  // The Konnektors' self-descriptions (ECC capability after a firmware update): read again.
  for (const auto& [id, k] : konnektors_) {
    konnektor::Konnektor* konnektor = k.get();
    const std::string name = id;
    const auto refresh = [konnektor, name]() -> awaitable<void> {
      const std::optional<konnektor::Error> e = co_await konnektor->refresh_information();
      if (e) {
        spdlog::warn("event=konnektor_refresh_failed konnektor={} code={} reason=\"{}\"", name, e->code, e->text);
      } else {
        spdlog::info("event=konnektor_refreshed konnektor={}", name);
      }
    };
    asio::co_spawn(io_, refresh, asio::detached);
  }
  login_guard_->set_settings(login_settings(config_.limits));
  connection_limits_->set_limits(config_.limits.connections, config_.limits.connections_per_client);
  config_.daemon.hostname = next.daemon.hostname;
  config_.pvs.certificate = next.pvs.certificate;
  config_.pvs.key = next.pvs.key;
  config_.pvs.key_password = next.pvs.key_password;
  config_.pvs.client_ca = next.pvs.client_ca;
  config_.pvs.require_client_certificate = next.pvs.require_client_certificate;
  spdlog::info("event=reload_end result=ok");
  notify_ready("reloaded");
}

}  // namespace kimgate::daemon
