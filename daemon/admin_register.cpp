// The registration of a KIM address and the client certificate (issue 17; spec digest §4, §6):
// ServiceInformation (password policy checked here first) -> the card's JWT -> registerAccount ->
// createCert with a random certPassword -> the PKCS#12 unpacked and installed for kimgated ->
// the account registry -> the VZD cache refreshed for the new address.
#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <regex>

#include "crypto/ossl.h"
#include "daemon/admin_flows.h"
#include "ldap/directory.h"
#include "rest/service_information.h"

namespace kimgate::daemon {

using net::awaitable;
using nlohmann::json;

json am_failure(const rest::AmError& e) {
  json out = admin_failure(e.sentence_en, e.sentence_de, e.advice_en, e.advice_de, e.http_status);
  if (!e.provider_message.empty()) {
    out["provider_message"] = e.provider_message;  // the Account Manager's own text (the 4016 notice quotes it)
  }
  return out;
}

namespace {

// Does `password` satisfy the provider's policy (a Java regex; ECMAScript handles its lookaheads)?
// nullopt when the pattern is not usable here (then the provider alone decides).
std::optional<bool> fits_policy(const std::string& pattern, const std::string& password) {
  if (pattern.empty()) {
    return std::nullopt;
  }
  try {
    const std::regex re(pattern, std::regex::ECMAScript);
    return std::regex_search(password, re);
  } catch (const std::regex_error&) {
    return std::nullopt;
  }
}

}  // namespace

awaitable<std::variant<AdminCard, json>> AdminService::Flows::open_card(const std::string& iccsn,
                                                                        const konnektor::CallContext& context,
                                                                        AdminProgress& progress) {
  const std::string step1 = "Opening card " + iccsn + " (GetCards, PIN status, AUT certificate)";
  co_await progress(step1);
  AdminCardResult opened = co_await deps.cards->open(iccsn, context);
  if (!opened.card) {
    co_return admin_failure("The card cannot be used: " + opened.error + ".",
                            "Die Karte ist nicht nutzbar: " + opened.error + ".",
                            "Check that the card is inserted and unlocked (kimctl card list, kimctl card unlock).",
                            "Prüfen Sie, ob die Karte steckt und freigeschaltet ist (kimctl card list, kimctl card "
                            "unlock).");
  }
  co_return std::move(*opened.card);
}

awaitable<std::variant<AdminCard, json>> AdminService::Flows::card_of(const std::string& address, const json& request,
                                                                      AdminProgress& progress) {
  std::string iccsn = admin::text(request, "card");
  konnektor::CallContext context = admin::requested_context(request);
  const std::optional<AccountRecord> known = deps.accounts->find(address);
  if (iccsn.empty() && known) {
    iccsn = known->card;
    if (context.mandant_id.empty()) {
      context = konnektor::CallContext{known->mandant_id, known->client_system_id, known->workplace_id, known->user_id};
    }
  }
  if (iccsn.empty()) {
    co_return admin_failure("kimgate does not know which card " + address + " belongs to.",
                            "kimgate weiß nicht, zu welcher Karte " + address + " gehört.",
                            "Name the card of the account (its ICCSN, kimctl card list) with --card.",
                            "Geben Sie die Karte des Kontos an (ihre ICCSN, kimctl card list), mit --card.");
  }
  auto opened = co_await open_card(iccsn, context, progress);
  co_return opened;
}

awaitable<json> AdminService::Flows::create_and_install(const admin::ProviderAccess& access, const std::string& jwt,
                                                        const rest::Credentials& who, const std::string& common_name,
                                                        AdminProgress& progress) {
  // A_21382: a random password protects the PKCS#12 on its way; it lives only in this call.
  std::string cert_password = crypto::base64_encode(crypto::random_bytes(24));
  const std::string step2 = "Requesting the client certificate for " + who.user + " (createCert)";
  co_await progress(step2);
  rest::AccountManagerClient client(ex, access.settings);
  rest::CertificateParameters parameters{common_name, cert_password};
  rest::AmResult<rest::CertificateFile> file = co_await client.create_cert(*access.endpoint, jwt, who, parameters);
  OPENSSL_cleanse(parameters.cert_password->data(), parameters.cert_password->size());
  if (!file.ok()) {
    OPENSSL_cleanse(cert_password.data(), cert_password.size());
    co_return am_failure(file.error);
  }
  const std::string step3 = "Installing the client certificate of " + who.user;
  co_await progress(step3);
  const crypto::Bytes p12(file.value->pkcs12.begin(), file.value->pkcs12.end());
  OPENSSL_cleanse(file.value->pkcs12.data(), file.value->pkcs12.size());
  auto contents = crypto::read_pkcs12(p12, cert_password);
  OPENSSL_cleanse(cert_password.data(), cert_password.size());
  if (!contents.ok()) {
    co_return admin_failure(
        "The provider's certificate file (PKCS#12) cannot be opened: " + contents.error + ".",
        "Die Zertifikatsdatei (PKCS#12) des Anbieters lässt sich nicht öffnen: " + contents.error + ".",
        "Request the certificate again (kimctl account cert); if it persists, ask the provider.",
        "Fordern Sie das Zertifikat erneut an (kimctl account cert); bleibt der Fehler, fragen "
        "Sie den Anbieter.");
  }
  auto installed = deps.accounts->install(who.user, *contents.value);
  if (const auto* error = std::get_if<std::string>(&installed)) {
    co_return admin_failure("The client certificate could not be installed: " + *error + ".",
                            "Das Client-Zertifikat konnte nicht installiert werden: " + *error + ".",
                            "Check the permissions of daemon.state_dir and the free disk space, then run kimctl "
                            "account cert.",
                            "Prüfen Sie die Rechte von daemon.state_dir und den freien Speicherplatz, dann kimctl "
                            "account cert.");
  }
  const InstalledCertificate& c = std::get<InstalledCertificate>(installed);
  co_return json{
      {"ok", true}, {"address", who.user}, {"certificate", {{"not_after", c.not_after}, {"sha256", c.sha256}}}};
}

awaitable<json> AdminService::Flows::register_account(const json& request, AdminProgress progress) {
  const std::string iccsn = admin::text(request, "card");
  const std::string address = admin::text(request, "address");
  std::string provider = admin::text(request, "provider");
  if (provider.empty()) {
    provider = admin::domain_of(address);
  }
  const std::string password = admin::text(request, "password");
  const std::string reference_id = admin::text(request, "reference_id");
  const std::string initial_password = admin::text(request, "initial_password");
  std::string kim_version = admin::text(request, "kim_version");
  if (kim_version.empty()) {
    kim_version = deps.kim_version;
  }
  if (iccsn.empty()) {
    co_return admin::missing("card", "the ICCSN of the card the address belongs to", "die ICCSN der Karte");
  }
  if (address.empty()) {
    co_return admin::missing("address", "the KIM address to register", "die zu registrierende KIM-Adresse");
  }
  if (password.empty()) {
    co_return admin::missing("password", "the new mailbox password", "das neue Postfach-Passwort");
  }
  if (admin::domain_of(address) != admin::lower(provider)) {
    co_return admin_failure("The address " + address + " does not belong to the provider " + provider + ".",
                            "Die Adresse " + address + " gehört nicht zum Anbieter " + provider + ".",
                            "Use an address that ends with @" + provider + ".",
                            "Verwenden Sie eine Adresse, die auf @" + provider + " endet.");
  }
  if (!request.value("bcc_acknowledged", false)) {
    co_return admin_failure(
        "Registration needs the acknowledgement that Bcc must not be used with KIM: a recipient may learn the "
        "Bcc list.",
        "Die Registrierung braucht die Bestätigung, dass Bcc bei KIM nicht verwendet werden soll: ein Empfänger kann "
        "die Bcc-Liste erfahren.",
        "Confirm it (kimctl: --bcc-acknowledged; JSON: \"bcc_acknowledged\": true).",
        "Bestätigen Sie es (kimctl: --bcc-acknowledged; JSON: \"bcc_acknowledged\": true).");
  }
  const std::string nobody;
  const admin::ProviderAccess access = co_await admin::provider_access(deps, provider, nobody);
  if (!access.endpoint) {
    co_return access.failure;
  }
  const std::string step4 = "Reading the provider's ServiceInformation (password policy, registration parameters)";
  co_await progress(step4);
  const rest::ServiceInformationResult info =
      co_await rest::get_service_information(ex, access.settings, *access.endpoint);
  if (!info.information) {
    co_return am_failure(rest::am_error_of(info));
  }
  const rest::ServiceInformation& si = *info.information;
  if (fits_policy(si.password_policy_regex, password) == false) {
    co_return admin_failure(
        "The password does not follow the provider's password policy: " + si.password_policy_display + ".",
        "Das Passwort entspricht nicht der Passwort-Richtlinie des Anbieters: " + si.password_policy_display + ".",
        "Choose a password that follows the policy and enter it twice.",
        "Wählen Sie ein Passwort nach der Richtlinie und geben Sie es zweimal ein.");
  }
  if (si.reference_id_required.value_or(true) && reference_id.empty()) {
    co_return admin::missing("reference_id", "the referenceID from the provider's registration letter",
                             "die referenceID aus dem Registrierungsschreiben des Anbieters");
  }
  if (si.initial_password_required.value_or(true) && initial_password.empty()) {
    co_return admin::missing("initial_password", "the initial password from the provider's registration letter",
                             "das Initialpasswort aus dem Registrierungsschreiben des Anbieters");
  }
  const konnektor::CallContext context = admin::requested_context(request);
  auto opened = co_await open_card(iccsn, context, progress);
  if (auto* failure = std::get_if<json>(&opened)) {
    co_return *failure;
  }
  const AdminCard card = std::get<AdminCard>(std::move(opened));
  const std::uint64_t lifetime = si.jwt_expiration.value_or(300);
  auto token = co_await jwt(card, lifetime, progress);
  if (auto* failure = std::get_if<json>(&token)) {
    co_return *failure;
  }
  const std::string bearer = std::get<std::string>(token);
  const std::string step5 = "Registering " + address + " at " + provider + " (registerAccount)";
  co_await progress(step5);
  rest::AccountManagerClient client(ex, access.settings);
  client.set_password_policy(si.password_policy_display);
  rest::Account account;
  if (!reference_id.empty()) {
    account.reference_id = reference_id;
  }
  account.username = address;
  account.password = password;
  account.kim_version = kim_version;
  const rest::AmResult<rest::AmDone> registered =
      co_await client.register_account(*access.endpoint, bearer, initial_password, std::move(account));
  if (!registered.ok()) {
    co_return am_failure(registered.error);
  }
  spdlog::info("event=account_registered address={} provider={} telematik_id={} card={}", address, provider,
               card.telematik_id, card.card.iccsn);
  AccountRecord record;
  record.address = address;
  record.provider = admin::lower(provider);
  assign_card(record, card);
  record.kim_version = kim_version;
  if (auto e = deps.accounts->save(record)) {
    spdlog::error("event=account_registry_failed address={} reason=\"{}\"", address, *e);
  }
  std::string common_name = admin::text(request, "common_name");
  if (common_name.empty()) {
    common_name = card.holder.empty() ? address : card.holder;
  }
  const rest::Credentials who{address, password};
  json installed = co_await create_and_install(access, bearer, who, common_name, progress);
  if (!installed.value("ok", false)) {
    installed["registered"] = true;  // the address is registered; only the certificate is missing
    installed["advice"] = installed.value("advice", "") + " The address itself is registered: kimctl account cert " +
                          address + " fetches the certificate.";
    installed["advice_de"] = installed.value("advice_de", "") +
                             " Die Adresse selbst ist registriert: kimctl account cert " + address +
                             " holt das Zertifikat.";
    co_return installed;
  }
  if (deps.directory != nullptr) {
    // The VZD cache must not hide the new address (a negative entry from before the registration).
    const std::string step6 = "Looking up " + address + " in the directory (VZD)";
    co_await progress(step6);
    const ldap::AddressLookup fresh = co_await deps.directory->refresh_address(address, card.finder->ecc_capable());
    installed["directory_entry_found"] = fresh.ok();
  }
  installed["telematik_id"] = card.telematik_id;
  installed["kim_version"] = kim_version;
  co_return installed;
}

awaitable<json> AdminService::Flows::certificate(const json& request, AdminProgress progress) {
  auto opened = co_await open_account(request, progress);
  if (auto* failure = std::get_if<json>(&opened)) {
    co_return *failure;
  }
  const AccountCall call = std::get<AccountCall>(std::move(opened));
  const std::string& address = call.address;
  const AdminCard& card = call.card;
  std::string common_name = admin::text(request, "common_name");
  if (common_name.empty()) {
    common_name = card.holder.empty() ? address : card.holder;
  }
  json installed = co_await create_and_install(call.access, call.bearer, call.who, common_name, progress);
  if (installed.value("ok", false) && !deps.accounts->find(address)) {
    // An account registered elsewhere is adopted: listed, and its user names in pvs.settings.
    AccountRecord adopted;
    adopted.address = address;
    adopted.provider = call.provider;
    assign_card(adopted, card);
    adopted.kim_version.clear();  // unknown until `account show`
    adopted.certificate_not_after = installed["certificate"].value("not_after", "");
    adopted.certificate_sha256 = installed["certificate"].value("sha256", "");
    if (auto e = deps.accounts->save(adopted)) {
      spdlog::error("event=account_registry_failed address={} reason=\"{}\"", address, *e);
    }
  }
  co_return installed;
}

void assign_card(AccountRecord& record, const AdminCard& card) {
  record.telematik_id = card.telematik_id;
  record.card = card.card.iccsn;
  record.konnektor = card.konnektor_id;
  record.mandant_id = card.context.mandant_id;
  record.client_system_id = card.context.client_system_id;
  record.workplace_id = card.context.workplace_id;
  record.user_id = card.card.type == konnektor::CardType::hba ? card.context.user_id : "";
}

}  // namespace kimgate::daemon
