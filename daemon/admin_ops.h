#pragma once
// AdminService: the ONE implementation of the administration module's flows (issue 17), reached
// as JSON ops — over the control socket by kimctl, in-process by the web page. Request and answer
// are the shared contract's JSON (docs/decisions.md, "Administration module"):
//   account.context, account.service_info, account.proposals, account.register, account.list,
//   account.show, account.password, account.absence, account.large_mail, account.deregister,
//   account.revoke, account.port, account.cert, account.limits, pvs.settings.
// Success: {"ok":true,...}. Failure: {"ok":false,"error","error_de","advice","advice_de"
// [,"http_status"]}. Ops that wait on a card or a provider report steps through `progress`
// (English sentences) before they answer. Passwords come in requests only: never in an answer,
// never logged. Used from the io_context's thread only.
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "conf/config.h"
#include "daemon/account_store.h"
#include "daemon/admin_card.h"
#include "net/asio.h"

namespace kimgate::ldap {
class Directory;
}
namespace kimgate::rest {
class ServiceLocator;
struct ServiceEndpoint;
struct ClientSettings;
}  // namespace kimgate::rest

namespace kimgate::daemon {

using AdminProgress = std::function<net::awaitable<void>(std::string sentence)>;

// What pvs.settings reports about kimgated's own PVS side.
struct PvsSide {
  std::string host;
  std::vector<conf::Listener> listeners;
  std::string certificate_sha256;  // "AB:CD:..." of the PVS-facing TLS certificate
};

struct AdminDeps {
  const conf::Config* config = nullptr;
  AdminCards* cards = nullptr;
  AccountStore* accounts = nullptr;
  rest::ServiceLocator* locator = nullptr;
  ldap::Directory* directory = nullptr;  // may be null; refreshed after registration
  // The configured C.CM.TLS-CS (fachdienst.client_p12) towards providers; null when none.
  std::function<std::shared_ptr<net::asio::ssl::context>()> configured_tls;
  std::function<PvsSide()> pvs;
  std::string kim_version = "1.5";  // the version this kimgate implements (setAccount, registration)
};

class AdminService {
 public:
  AdminService(net::asio::any_io_executor ex, AdminDeps deps);
  ~AdminService();

  // Does `op` belong to the administration module?
  static bool handles(std::string_view op);
  net::awaitable<nlohmann::json> handle(const nlohmann::json& request, AdminProgress progress);

 private:
  nlohmann::json context() const;
  nlohmann::json list() const;
  nlohmann::json pvs_settings(const nlohmann::json& request) const;
  net::awaitable<nlohmann::json> service_info(const nlohmann::json& request);
  net::awaitable<nlohmann::json> limits(const nlohmann::json& request, AdminProgress progress);

  net::asio::any_io_executor ex_;
  AdminDeps deps_;
  struct Flows;  // the Account Manager flows (admin_register.cpp, admin_account.cpp)
  std::unique_ptr<Flows> flows_;
};

// The failure answer of the contract.
nlohmann::json admin_failure(std::string error, std::string error_de, std::string advice, std::string advice_de,
                             int http_status = 0);

}  // namespace kimgate::daemon
