#pragma once
// AdminService::Flows: the Account Manager flows of the administration module — the card's JWT
// (admin_jwt.cpp), registration and the client certificate (admin_register.cpp), and the care
// of an existing account (admin_account.cpp). Each flow: check the request, open the card
// (AdminCards), sign the JWT through the Konnektor, call the Account Manager
// (rest::AccountManagerClient), and turn an rest::AmError into the contract's failure answer.
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <variant>

#include "daemon/admin_internal.h"
#include "daemon/admin_ops.h"
#include "rest/account_manager.h"

namespace kimgate::daemon {

struct AdminService::Flows {
  Flows(net::asio::any_io_executor executor, const AdminDeps& dependencies)
      : ex(std::move(executor)), deps(dependencies) {}

  // The ops of admin_account.cpp.
  static const std::set<std::string, std::less<>>& account_ops();

  net::awaitable<nlohmann::json> proposals(const nlohmann::json& request, AdminProgress progress);
  net::awaitable<nlohmann::json> register_account(const nlohmann::json& request, AdminProgress progress);
  net::awaitable<nlohmann::json> certificate(const nlohmann::json& request, AdminProgress progress);
  net::awaitable<nlohmann::json> account_op(const std::string& op, const nlohmann::json& request,
                                            AdminProgress progress);

  // The card of an account: the one the registry names for `address`, else the request's "card".
  net::awaitable<std::variant<AdminCard, nlohmann::json>> card_of(const std::string& address,
                                                                  const nlohmann::json& request,
                                                                  AdminProgress& progress);
  // The card opened by ICCSN, or the failure answer.
  net::awaitable<std::variant<AdminCard, nlohmann::json>> open_card(const std::string& iccsn,
                                                                    const konnektor::CallContext& context,
                                                                    AdminProgress& progress);
  // A JWT signed by `card` through ExternalAuthenticate (admin_jwt.cpp), or the failure answer.
  // `lifetime`: ServiceInformation.jwtExpiration (the token lives min(lifetime, 300) s).
  net::awaitable<std::variant<std::string, nlohmann::json>> jwt(const AdminCard& card, std::uint64_t lifetime,
                                                                AdminProgress& progress);
  // createCert with a random certPassword, the PKCS#12 unpacked and installed (AccountStore).
  net::awaitable<nlohmann::json> create_and_install(const admin::ProviderAccess& access, const std::string& jwt,
                                                    const rest::Credentials& who, const std::string& common_name,
                                                    AdminProgress& progress);

  // What every op on an existing account starts with: its address and password from the request,
  // the provider's Account Manager, the account's card and a JWT signed by it.
  struct AccountCall {
    std::string address;
    std::string provider;
    rest::Credentials who;
    admin::ProviderAccess access;
    AdminCard card;
    std::string bearer;
  };
  net::awaitable<std::variant<AccountCall, nlohmann::json>> open_account(const nlohmann::json& request,
                                                                         AdminProgress& progress);

  net::asio::any_io_executor ex;
  const AdminDeps& deps;
};

// The card, Konnektor and call context of `card` in the account registry's record.
void assign_card(AccountRecord& record, const AdminCard& card);

// The contract's failure answer for an Account Manager error.
nlohmann::json am_failure(const rest::AmError& e);

}  // namespace kimgate::daemon
