#include "daemon/admin_ops.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "daemon/admin_flows.h"
#include "daemon/admin_internal.h"
#include "kim/address_proposal.h"
#include "rest/account_limit.h"
#include "rest/service_information.h"

namespace kimgate::daemon {

using net::awaitable;
using nlohmann::json;

json admin_failure(std::string error, std::string error_de, std::string advice, std::string advice_de,
                   int http_status) {
  json out{{"ok", false},
           {"error", std::move(error)},
           {"error_de", std::move(error_de)},
           {"advice", std::move(advice)},
           {"advice_de", std::move(advice_de)}};
  if (http_status != 0) {
    out["http_status"] = http_status;
  }
  return out;
}

namespace admin {

std::string text(const json& request, const char* key) {
  const auto it = request.find(key);
  return it != request.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string domain_of(const std::string& address) {
  const std::size_t at = address.rfind('@');
  return at == std::string::npos ? std::string() : lower(address.substr(at + 1));
}

std::string provider_mail_server(const conf::Config& config, const std::string& domain, bool smtp) {
  for (const conf::ProviderServices& p : config.services.providers) {
    const std::string& configured = smtp ? p.smtp_server : p.pop3_server;
    if (p.domain == domain && !configured.empty()) {
      return configured;
    }
  }
  return domain + (smtp ? ":465" : ":995");
}

konnektor::CallContext requested_context(const json& request) {
  return konnektor::CallContext{text(request, "mandant"), text(request, "client_system"), text(request, "workplace"),
                                text(request, "user_id")};
}

json missing(const std::string& field, const std::string& what_en, const std::string& what_de) {
  return admin_failure("The request lacks \"" + field + "\" (" + what_en + ").",
                       "In der Anfrage fehlt \"" + field + "\" (" + what_de + ").", "Give " + what_en + ".",
                       "Bitte " + what_de + " angeben.");
}

awaitable<ProviderAccess> provider_access(const AdminDeps& deps, const std::string& provider,
                                          const std::string& address) {
  ProviderAccess out;
  if (provider.empty()) {
    out.failure = missing("provider", "the provider's domain, e.g. kim.example.telematik-test",
                          "die Domain des Anbieters, z. B. kim.example.telematik-test");
    co_return out;
  }
  std::shared_ptr<net::asio::ssl::context> tls = address.empty() ? nullptr : deps.accounts->tls_for(address);
  if (!tls && deps.configured_tls) {
    tls = deps.configured_tls();
  }
  if (!tls) {
    out.failure = admin_failure(
        "kimgate has no TLS client certificate to reach the provider " + provider + " with.",
        "kimgate hat kein TLS-Client-Zertifikat, um den Anbieter " + provider + " zu erreichen.",
        "Configure fachdienst.client_p12 and fachdienst.ca_file (the certificate of the client module), then "
        "reload kimgated.",
        "Tragen Sie fachdienst.client_p12 und fachdienst.ca_file ein (das Zertifikat des Clientmoduls) und laden "
        "Sie kimgated neu.");
    co_return out;
  }
  const rest::ServiceLocator::Located where = co_await deps.locator->locate(rest::Service::account_manager, provider);
  if (!where.found) {
    out.failure = admin_failure(
        "The Account Manager of " + provider + " cannot be found: " + where.error + ".",
        "Der Account Manager von " + provider + " ist nicht auffindbar: " + where.error + ".",
        "Check the provider's domain and the DNS service discovery (services.dns_server), or set "
        "services.provider.account_manager_url.",
        "Prüfen Sie die Domain des Anbieters und die DNS-Service-Discovery (services.dns_server) oder tragen Sie "
        "services.provider.account_manager_url ein.");
    co_return out;
  }
  out.endpoint = where.found;
  out.settings.tls = std::move(tls);
  out.settings.inactivity = deps.config->services.timeout;
  out.settings.connect_timeout = deps.config->services.timeout;
  co_return out;
}

}  // namespace admin

bool AdminService::handles(std::string_view op) {
  return op.rfind("account.", 0) == 0 || op == "pvs.settings";
}

AdminService::AdminService(net::asio::any_io_executor ex, AdminDeps deps)
    : ex_(std::move(ex)), deps_(std::move(deps)), flows_(std::make_unique<Flows>(ex_, deps_)) {}

AdminService::~AdminService() = default;

awaitable<json> AdminService::handle(const json& request, AdminProgress progress) {
  const std::string op = admin::text(request, "op");
  if (!progress) {
    progress = [](std::string) -> awaitable<void> { co_return; };
  }
  if (op == "account.context") {
    json answer = co_await context();
    co_return answer;
  }
  if (op == "account.list") {
    co_return list();
  }
  if (op == "pvs.settings") {
    co_return pvs_settings(request);
  }
  if (op == "account.service_info") {
    json answer = co_await service_info(request);
    co_return answer;
  }
  if (op == "account.limits") {
    json answer = co_await limits(request, progress);
    co_return answer;
  }
  if (op == "account.proposals") {
    json answer = co_await flows_->proposals(request, progress);
    co_return answer;
  }
  if (op == "account.register") {
    json answer = co_await flows_->register_account(request, progress);
    co_return answer;
  }
  if (op == "account.cert") {
    json answer = co_await flows_->certificate(request, progress);
    co_return answer;
  }
  if (Flows::account_ops().contains(op)) {
    json answer = co_await flows_->account_op(op, request, progress);
    co_return answer;
  }
  co_return admin_failure("Unknown administration op \"" + op + "\".",
                          "Unbekannte Verwaltungsoperation \"" + op + "\".",
                          "Use one of the ops kimctl account --help lists.",
                          "Verwenden Sie eine der Operationen aus kimctl account --help.");
}

awaitable<json> AdminService::context() {
  json cards = json::array();
  for (const CardOffer& c : deps_.cards->offers()) {
    const std::string iccsn = c.iccsn;
    const std::string telematik_id = co_await deps_.cards->telematik_id(iccsn);
    json card{{"iccsn", c.iccsn},         {"type", c.type},       {"holder", c.holder},
              {"konnektor", c.konnektor}, {"context", c.context}, {"telematik_id", telematik_id}};
    const std::optional<std::string> bsnr = admin::bsnr_of(telematik_id);
    if (bsnr) {
      card["bsnr"] = *bsnr;
      const std::optional<std::string_view> kv = kim::kv_short_name(bsnr->substr(0, 2));
      card["kv"] = kv ? std::string(*kv) : bsnr->substr(0, 2);
    }
    cards.push_back(std::move(card));
  }
  json providers = json::array();
  for (const auto& p : deps_.config->services.providers) {
    providers.push_back(json{{"domain", p.domain}});
  }
  co_return json{{"ok", true}, {"cards", cards}, {"providers", providers}, {"kim_version", deps_.kim_version}};
}

json AdminService::list() const {
  json accounts = json::array();
  for (const AccountRecord& r : deps_.accounts->list()) {
    accounts.push_back(json{{"address", r.address},
                            {"provider", r.provider},
                            {"telematik_id", r.telematik_id},
                            {"card", r.card},
                            {"kim_version", r.kim_version},
                            {"certificate_not_after", r.certificate_not_after},
                            {"certificate_sha256", r.certificate_sha256},
                            {"own_certificate", deps_.accounts->tls_for(r.address) != nullptr}});
  }
  return json{{"ok", true}, {"accounts", accounts}};
}

json AdminService::pvs_settings(const json& request) const {
  const PvsSide side = deps_.pvs();
  json smtp = nullptr;
  json pop3 = nullptr;
  std::string host = side.host;
  for (const auto& l : side.listeners) {
    json& slot = l.protocol == conf::ListenerProtocol::smtp ? smtp : pop3;
    // Prefer implicit TLS (the spec's SMTPS/POP3S), then STARTTLS; never offer plaintext first.
    const bool better = slot.is_null() || (l.tls == conf::ListenerTls::implicit && slot["tls"] != "implicit");
    if (better) {
      slot = json{{"port", l.port}, {"tls", std::string(conf::to_string(l.tls))}};
      if (l.address != "0.0.0.0" && l.address != "::") {
        host = l.address;
      }
    }
  }
  const std::string only = admin::text(request, "address");
  json names = json::array();
  for (const AccountRecord& r : deps_.accounts->list()) {
    if (!only.empty() && admin::lower(only) != admin::lower(r.address)) {
      continue;
    }
    const std::string smtp_server = admin::provider_mail_server(*deps_.config, r.provider, true);
    const std::string pop3_server = admin::provider_mail_server(*deps_.config, r.provider, false);
    const std::string context = "#" + r.mandant_id + "#" + r.client_system_id + "#" + r.workplace_id;
    // POP3: position 5 is the UserId (an eHBA account), skipped as "*" otherwise (A_21519-02).
    names.push_back(
        json{{"address", r.address},
             {"smtp", r.address + "#" + smtp_server + context},
             {"pop3", r.address + "#" + pop3_server + context + (r.user_id.empty() ? "" : "#" + r.user_id)}});
  }
  return json{{"ok", true},
              {"host", host},
              {"smtp", smtp},
              {"pop3", pop3},
              {"certificate_sha256", side.certificate_sha256},
              {"user_names", names}};
}

awaitable<json> AdminService::service_info(const json& request) {
  const std::string provider = admin::text(request, "provider");
  const std::string nobody;
  const admin::ProviderAccess access = co_await admin::provider_access(deps_, provider, nobody);
  if (!access.endpoint) {
    co_return access.failure;
  }
  const rest::ServiceInformationResult r =
      co_await rest::get_service_information(ex_, access.settings, *access.endpoint);
  if (!r.information) {
    co_return am_failure(rest::am_error_of(r));
  }
  const rest::ServiceInformation& i = *r.information;
  co_return json{{"ok", true},
                 {"password_policy_regex", i.password_policy_regex},
                 {"password_policy_display", i.password_policy_display},
                 {"reference_id_required", i.reference_id_required.value_or(true)},
                 {"initial_password_required", i.initial_password_required.value_or(true)},
                 {"jwt_expiration", i.jwt_expiration.value_or(300)},
                 {"kim_service_version", i.kim_service_version}};
}

awaitable<json> AdminService::limits(const json& request, AdminProgress progress) {
  const std::string address = admin::text(request, "address");
  const std::string password = admin::text(request, "password");
  if (address.empty()) {
    co_return admin::missing("address", "the KIM address", "die KIM-Adresse");
  }
  if (password.empty()) {
    co_return admin::missing("password", "the mailbox password", "das Passwort des Postfachs");
  }
  const std::string provider = admin::domain_of(address);
  const admin::ProviderAccess access = co_await admin::provider_access(deps_, provider, address);
  if (!access.endpoint) {
    co_return access.failure;
  }
  const std::string step1 = "Asking the provider's AccountLimit service for the limits of " + address;
  co_await progress(step1);
  rest::AccountLimitClient client(ex_, access.settings, std::chrono::seconds(0));
  const rest::Credentials who{address, password};
  const rest::LimitsResult r = co_await client.get_limits(*access.endpoint, who);
  if (!r.limits) {
    co_return am_failure(rest::am_error_of(r));  // the one operation x status table
  }
  const rest::AccountLimits& l = *r.limits;
  co_return json{{"ok", true},
                 {"address", address},
                 {"data_time_to_live", l.data_time_to_live_days},
                 {"max_mail_size", l.max_mail_size},
                 {"quota", l.quota},
                 {"remain_quota", l.remain_quota}};
}

}  // namespace kimgate::daemon
