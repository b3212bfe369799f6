// Server::open_track_store() and wire_tracking(): tracking of routed submissions (issue 18) —
// the SQLite Vorgang store under the state directory, the send path's recorder, the receive
// path's matcher, the track.* control ops and the overdue/ERROR notices at PVS logins.
#include <spdlog/spdlog.h>

#include <chrono>

#include "conf/load.h"
#include "daemon/admin_internal.h"
#include "daemon/control_requests.h"
#include "daemon/own_mailbox.h"
#include "daemon/receive_path.h"
#include "daemon/server.h"
#include "daemon/smtp_hooks.h"
#include "daemon/track_control.h"
#include "daemon/track_hooks.h"
#include "daemon/track_postgres.h"
#include "daemon/track_sqlite.h"
#include "net/run_blocking.h"

namespace kimgate::daemon {

using net::awaitable;
using nlohmann::json;

awaitable<std::string> Server::send_own_mail(OwnMail mail) {
  std::shared_ptr<net::asio::ssl::context> tls = provider_tls(mail.address);
  std::string failed = co_await send_to_own_mailbox(upstream_settings(), std::move(tls), std::move(mail));
  co_return failed;
}

std::optional<std::string> Server::open_track_store() {
  if (!config_.tracking.enabled) {
    spdlog::info("event=tracking_off");
    return std::nullopt;
  }
  std::string error;
  if (config_.tracking.backend == conf::TrackBackend::postgresql) {
    const std::optional<std::string> password = conf::read_secret(config_.tracking.postgresql_password);
    if (!password) {
      return std::string("cannot read tracking.postgresql_password_file");
    }
    std::unique_ptr<PostgresTrackStore> store = PostgresTrackStore::open(config_.tracking.postgresql, *password, error);
    if (!store) {
      return error;
    }
    spdlog::info("event=tracking_opened backend=postgresql database=\"{}\" deadline_scale={}",
                 config_.tracking.postgresql, config_.tracking.deadline_scale);
    track_store_ = std::move(store);
    return std::nullopt;
  }
  const std::filesystem::path file = config_.tracking_database();
  std::unique_ptr<SqliteTrackStore> store = SqliteTrackStore::open(file, error);
  if (!store) {
    return error;
  }
  spdlog::info("event=tracking_opened backend=sqlite database=\"{}\" deadline_scale={}", file.string(),
               config_.tracking.deadline_scale);
  track_store_ = std::move(store);
  return std::nullopt;
}

void Server::wire_tracking() {
  if (!track_store_) {
    return;
  }
  const TrackRecorder recorder(track_store_.get(), &pool_, config_.tracking.deadline_scale);
  smtp_hooks_->set_tracking(recorder);
  receive_->set_tracking(recorder);
  TrackStore* store = track_store_.get();
  control_requests_->set_tracking([this, store](json request) -> awaitable<json> {
    const auto answer = [store, request = std::move(request)] { return track_request(*store, request, unix_now()); };
    json result = co_await net::run_blocking(pool_, answer);
    co_return result;
  });
  if (!config_.tracking.notices) {
    return;
  }
  TrackNoticeDeps deps;
  deps.store = store;
  deps.pool = &pool_;
  deps.seal = [this](std::string konnektor_id, konnektor::CallContext context, smtp::Envelope envelope,
                     std::string mail) {
    return smtp_hooks_->seal(std::move(konnektor_id), std::move(context), std::move(envelope), std::move(mail));
  };
  deps.send = [this](OwnMail mail) { return send_own_mail(std::move(mail)); };
  deps.smtp_server_of = [this](const std::string& domain) {
    return admin::provider_mail_server(config_, domain, true);
  };
  deps.now = unix_now;
  track_notices_ = std::make_unique<TrackNotices>(io_.get_executor(), std::move(deps));
}

}  // namespace kimgate::daemon
