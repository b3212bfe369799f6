// Server::open_admin(): the administration module — the card access, the admin flows behind
// the control socket and the web page, and the upkeep that runs at PVS logins
// (daemon/account_upkeep.h: certificate renewal, own KIM version).
#include "daemon/account_upkeep.h"
#include "daemon/admin_card.h"
#include "daemon/admin_internal.h"
#include "daemon/admin_ops.h"
#include "daemon/control_requests.h"
#include "daemon/own_mailbox.h"
#include "daemon/receive_path.h"
#include "daemon/server.h"
#include "daemon/smtp_hooks.h"
#include "daemon/track_hooks.h"
#include "daemon/track_store.h"
#include "kimgate_version.h"
#include "ldap/directory.h"
#include "rest/dnssd.h"
#include "smtp/client.h"

namespace kimgate::daemon {

using net::awaitable;
using nlohmann::json;

void Server::open_admin() {
  admin_cards_ = std::make_unique<AdminCards>(konnektors_, *routes_, config_);
  AdminDeps deps;
  deps.config = &config_;
  deps.cards = admin_cards_.get();
  deps.accounts = accounts_.get();
  deps.locator = locator_.get();
  deps.directory = directory_.get();
  deps.configured_tls = [this] { return admin_tls(); };
  deps.pvs = [this] { return pvs_side(); };
  const std::string kim_version = deps.kim_version;
  admin_ = std::make_unique<AdminService>(io_.get_executor(), std::move(deps));
  control_requests_->set_admin(admin_.get());

  UpkeepDeps upkeep;
  upkeep.accounts = accounts_.get();
  upkeep.directory = directory_.get();
  upkeep.admin = [this](json request) -> awaitable<json> {
    json answer = co_await admin_->handle(request, {});
    co_return answer;
  };
  upkeep.send = [this](OwnMail mail) { return send_own_mail(std::move(mail)); };
  upkeep.smtp_server_of = [this](const std::string& domain) {
    return admin::provider_mail_server(config_, domain, true);
  };
  upkeep.kim_version = kim_version;
  upkeep.product = std::string("kimgate ") + KIMGATE_VERSION;
  upkeep_ = std::make_unique<AccountUpkeep>(io_.get_executor(), std::move(upkeep));

  DoctorDeps doctor;
  doctor.config = &config_;
  doctor.konnektors = &konnektors_;
  doctor.accounts = accounts_.get();
  doctor.locator = locator_.get();
  doctor.directory = directory_.get();
  doctor.tls_for = [this](const std::string& address) { return provider_tls(address); };
  doctor.provider_check = [this](const AccountRecord& r) {
    const auto k = konnektors_.find(r.konnektor);
    return providers_->check_for(k == konnektors_.end() ? nullptr : k->second.get(),
                                 konnektor::CallContext{r.mandant_id, r.client_system_id, r.workplace_id, r.user_id});
  };
  doctor.helo = pvs_side().host;
  doctor_ = std::make_unique<DoctorService>(io_.get_executor(), std::move(doctor));
  control_requests_->set_doctor(doctor_.get());
  wire_tracking();
  const auto observe = [this](LoginSeen seen) {
    if (track_notices_) {
      track_notices_->logged_in(seen);  // a copy: each wipes its password when done
    }
    upkeep_->logged_in(std::move(seen));
  };
  smtp_hooks_->set_login_observer(observe);
  receive_->set_login_observer(observe);
}

}  // namespace kimgate::daemon
