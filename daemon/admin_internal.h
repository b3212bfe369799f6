#pragma once
// Shared by the administration module's files (admin_ops.cpp, admin_register.cpp,
// admin_account.cpp): reading request fields and reaching a provider's Account Manager.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "daemon/admin_ops.h"
#include "rest/dnssd.h"
#include "rest/http_client.h"

namespace kimgate::daemon::admin {

// A string field of the request ("" when absent or not a string).
std::string text(const nlohmann::json& request, const char* key);
std::string lower(std::string s);
// The domain part of a KIM address, lower-cased ("" without '@').
std::string domain_of(const std::string& address);
// The provider's SMTP (or POP3) server of a mailbox domain as "host:port": [[services.provider]]
// smtp_server / pop3_server, else "<domain>:465" / "<domain>:995" as in the spec's example user name.
std::string provider_mail_server(const conf::Config& config, const std::string& domain, bool smtp);
// The call context a request names ("mandant", "client_system", "workplace", "user_id"); empty parts otherwise.
konnektor::CallContext requested_context(const nlohmann::json& request);

// A provider's Account Manager (with ServiceInformation and AccountLimit) and the TLS settings
// towards it: the account's own certificate when it has one, else the configured one.
struct ProviderAccess {
  std::optional<rest::ServiceEndpoint> endpoint;
  rest::ClientSettings settings;
  nlohmann::json failure;  // the contract's failure answer when endpoint is empty
};
net::awaitable<ProviderAccess> provider_access(const AdminDeps& deps, const std::string& provider,
                                               const std::string& address);

// The BSNR in a KV practice's Telematik-ID (admin_proposals.cpp; docs/decisions.md).
std::optional<std::string> bsnr_of(const std::string& telematik_id);

// A missing field as the contract's failure answer.
nlohmann::json missing(const std::string& field, const std::string& what_en, const std::string& what_de);

}  // namespace kimgate::daemon::admin
