#include "daemon/doctor_checks.h"

#include "daemon/admin_internal.h"
#include "kim/user_name.h"
#include "ldap/directory.h"
#include "pop3/client.h"
#include "rest/dnssd.h"
#include "rest/http_client.h"
#include "rest/kas_client.h"
#include "rest/service_information.h"
#include "smtp/client.h"

namespace kimgate::daemon {

using net::awaitable;
using std::chrono::milliseconds;

namespace {

konnektor::CallContext context_of(const AccountRecord& r) {
  return konnektor::CallContext{r.mandant_id, r.client_system_id, r.workplace_id, r.user_id};
}

std::string with_code(const konnektor::Error& e) {
  return e.code != 0 ? e.text + " (" + std::to_string(e.code) + ")" : e.text;
}

std::string_view pin_status_name(konnektor::PinStatus s) {
  switch (s) {
    case konnektor::PinStatus::verified:
      return "VERIFIED";
    case konnektor::PinStatus::transport_pin:
      return "TRANSPORT_PIN";
    case konnektor::PinStatus::empty_pin:
      return "EMPTY_PIN";
    case konnektor::PinStatus::blocked:
      return "BLOCKED";
    case konnektor::PinStatus::verifiable:
      return "VERIFIABLE";
  }
  return "?";
}

constexpr std::chrono::seconds kConnect{10};
constexpr std::chrono::seconds kAnswer{20};

// SMTP and POP3 name their login results alike.
template <class R>
Finding login_finding(R r) {
  switch (r) {
    case R::ok:
      return Finding::login_ok;
    case R::refused:
      return Finding::login_refused;
    case R::rejected_temporarily:
      return Finding::login_temporary;
    case R::tls_failed:
      return Finding::login_tls_failed;
    case R::unreachable:
    case R::lost:
      break;
  }
  return Finding::login_unreachable;
}

}  // namespace

konnektor::Konnektor* DoctorService::Checks::konnektor_of(const AccountRecord& record, std::string& id) const {
  // The Konnektor the account was registered with, while it is configured; else the default one,
  // as the send path would take it (the PVS user name names no other).
  id = record.konnektor;
  if (!id.empty() && deps_.konnektors->contains(id)) {
    return deps_.konnektors->at(id).get();
  }
  id.clear();
  for (const auto& k : deps_.config->konnektors) {
    if (k.is_default || id.empty()) {
      id = k.id;
    }
  }
  const auto it = deps_.konnektors->find(id);
  return it == deps_.konnektors->end() ? nullptr : it->second.get();
}

std::pair<std::string, std::uint16_t> DoctorService::Checks::mail_server(const AccountRecord& record, bool smtp) const {
  const std::optional<kim::ServerAddress> at =
      kim::parse_server(admin::provider_mail_server(*deps_.config, record.provider, smtp));
  if (!at) {
    return {record.provider, static_cast<std::uint16_t>(smtp ? 465 : 995)};
  }
  return {at->host, at->port};
}

awaitable<DoctorLine> DoctorService::Checks::konnektor(std::string id) {
  konnektor::Konnektor& k = *deps_.konnektors->at(id);
  const std::optional<konnektor::Error> e = co_await k.refresh_information();
  if (e) {
    co_return doctor_line("konnektor", id, Finding::konnektor_unreachable, with_code(*e));
  }
  const konnektor::ProductInformation& p = k.product_information();
  std::string min_sig = "7.4.1";
  std::string min_enc = "6.1.1";
  for (const auto& c : deps_.config->konnektors) {
    if (c.id == id) {
      min_sig = c.ecc_min_signature_service;
      min_enc = c.ecc_min_encryption_service;
    }
  }
  const bool ecc = konnektor::ecc_capable(p, min_sig, min_enc);
  const std::string detail = p.product_name + " " + p.product_type_version + ", firmware " + p.fw_version +
                             ", SignatureService " + p.signature_service_version + ", EncryptionService " +
                             p.encryption_service_version + (ecc ? ", ECC-capable" : "");
  co_return doctor_line("konnektor", id, ecc ? Finding::konnektor_ok : Finding::konnektor_rsa_only, detail);
}

awaitable<DoctorLine> DoctorService::Checks::clock(std::string id) {
  konnektor::Konnektor& k = *deps_.konnektors->at(id);
  const konnektor::Outcome<konnektor::TimeSample> t = co_await k.sync_time();
  if (!t.ok()) {
    const bool local = t.error.kind == konnektor::Error::Kind::other && t.error.code == 0;
    co_return local ? doctor_line("clock", id, Finding::clock_local)
                    : doctor_line("clock", id, Finding::clock_unreachable, t.error.text);
  }
  const milliseconds offset = t.value->offset;
  std::string detail = describe_span(offset);
  if (offset >= std::chrono::seconds(1)) {
    detail = "+" + detail + ", the Konnektor is ahead";
  } else if (offset <= -std::chrono::seconds(1)) {
    detail += ", the Konnektor is behind";
  }
  co_return doctor_line("clock", id, clock_finding(offset), detail);
}

awaitable<DoctorLine> DoctorService::Checks::card(AccountRecord record) {
  std::string id;
  konnektor::Konnektor* k = konnektor_of(record, id);
  if (k == nullptr) {
    co_return doctor_line("card", record.card, Finding::card_konnektor_unknown, id);
  }
  const konnektor::CallContext ctx = context_of(record);
  const konnektor::Outcome<std::vector<konnektor::Card>> cards = co_await k->get_cards(ctx);
  if (!cards.ok()) {
    co_return doctor_line("card", record.card, Finding::card_refused, with_code(cards.error));
  }
  const konnektor::Card* found = nullptr;
  for (const konnektor::Card& c : *cards.value) {
    found = c.iccsn == record.card ? &c : found;
  }
  if (found == nullptr) {
    co_return doctor_line("card", record.card, Finding::card_missing, id);
  }
  const konnektor::CardType type = found->type;
  const std::string handle = found->handle;
  const konnektor::PinType pin = type == konnektor::CardType::hba ? konnektor::PinType::ch : konnektor::PinType::smc;
  const konnektor::Outcome<konnektor::PinState> state = co_await k->get_pin_status(ctx, handle, pin);
  if (!state.ok()) {
    co_return doctor_line("card", record.card, Finding::card_refused, with_code(state.error));
  }
  std::string detail = std::string(konnektor::card_type_name(type)) + ", " +
                       (pin == konnektor::PinType::ch ? "PIN.CH " : "PIN.SMC ") +
                       std::string(pin_status_name(state.value->status));
  if (state.value->left_tries) {
    detail += ", " + std::to_string(*state.value->left_tries) + " tries left";
  }
  co_return doctor_line("card", record.card, pin_finding(state.value->status), detail);
}

awaitable<DoctorLine> DoctorService::Checks::vzd(std::string address) {
  if (deps_.directory == nullptr) {
    co_return doctor_line("vzd", address, Finding::vzd_not_configured);
  }
  const ldap::AddressLookup found = co_await deps_.directory->refresh_address(address, false);
  if (!found.ok()) {
    const std::string detail =
        std::string(ldap::to_string(found.error)) + (found.detail.empty() ? "" : ": " + found.detail);
    co_return doctor_line(
        "vzd", address,
        found.error == ldap::DirectoryErrc::search_failed ? Finding::vzd_not_found : Finding::vzd_unreachable, detail);
  }
  if (found.entries.empty()) {
    co_return doctor_line("vzd", address, Finding::vzd_not_found, "no entry carries this address");
  }
  if (!found.selection.ok()) {
    co_return doctor_line("vzd", address, Finding::vzd_not_found, "no usable encryption certificate in the entry");
  }
  const ldap::KimVersion& v = found.version.version;
  co_return doctor_line("vzd", address, Finding::vzd_found, v.version + (v.large_mail ? "+" : ""));
}

awaitable<DoctorLine> DoctorService::Checks::smtp_login(AccountRecord record, std::string password) {
  std::shared_ptr<net::asio::ssl::context> tls;
  if (auto early = login_precheck("smtp", record, password, tls)) {
    co_return *early;
  }
  smtp::ClientSettings settings;
  settings.tls = tls;
  settings.connect_timeout = kConnect;
  settings.tls_handshake = kConnect;
  settings.server_timeout = kAnswer;
  smtp::Client client(settings);
  const auto [host, port] = mail_server(record, true);
  std::string detail;
  const net::PeerCheck check = deps_.provider_check ? deps_.provider_check(record) : net::PeerCheck{};
  using R = smtp::Client::LoginResult;
  const R r = co_await client.login(host, port, deps_.helo, record.address, password, detail, check);
  const std::string where = "SMTP " + host + ":" + std::to_string(port);
  if (r == R::ok) {
    co_await client.quit();  // no MAIL FROM: nothing is sent
  }
  co_return doctor_line("smtp", record.address, login_finding(r),
                        r == R::ok ? where + ", EHLO and AUTH accepted" : where + ": " + detail);
}

awaitable<DoctorLine> DoctorService::Checks::pop3_login(AccountRecord record, std::string password) {
  std::shared_ptr<net::asio::ssl::context> tls;
  if (auto early = login_precheck("pop3", record, password, tls)) {
    co_return *early;
  }
  pop3::ClientSettings settings;
  settings.tls = tls;
  settings.connect_timeout = kConnect;
  settings.tls_handshake = kConnect;
  settings.server_timeout = kAnswer;
  pop3::Client client(settings);
  const auto [host, port] = mail_server(record, false);
  std::string detail;
  const net::PeerCheck check = deps_.provider_check ? deps_.provider_check(record) : net::PeerCheck{};
  using R = pop3::Client::LoginResult;
  const R r = co_await client.login(host, port, record.address, password, detail, check);
  const std::string where = "POP3 " + host + ":" + std::to_string(port);
  if (r == R::ok) {
    [[maybe_unused]] const pop3::UpstreamReply bye = co_await client.quit();  // no DELE: nothing changes
  }
  co_return doctor_line("pop3", record.address, login_finding(r),
                        r == R::ok ? where + ", USER and PASS accepted" : where + ": " + detail);
}

std::optional<DoctorLine> DoctorService::Checks::login_precheck(const char* hop, const AccountRecord& record,
                                                                const std::string& password,
                                                                std::shared_ptr<net::asio::ssl::context>& tls) const {
  if (password.empty()) {
    return doctor_line(hop, record.address, Finding::login_not_checked);
  }
  tls = deps_.tls_for(record.address);
  if (!tls) {
    return doctor_line(hop, record.address, Finding::login_no_certificate);
  }
  return std::nullopt;
}

awaitable<DoctorLine> DoctorService::Checks::kas(std::string provider, std::string address) {
  const rest::ServiceLocator::Located where = co_await deps_.locator->locate(rest::Service::kas, provider);
  if (!where.found) {
    co_return doctor_line("kas", provider, Finding::kas_not_found, where.error);
  }
  rest::ClientSettings settings;
  settings.tls = deps_.tls_for(address);
  settings.connect_timeout = kConnect;
  settings.inactivity = kConnect;
  settings.max_body = 64 << 10;
  if (!settings.tls) {
    co_return doctor_line("kas", provider, Finding::kas_unreachable, "kimgate has no TLS client certificate for it");
  }
  // An unauthenticated GET of the service's base path: any HTTP answer (401, 404, 405) shows that
  // TLS with our client certificate works and the service answers; no attachment is touched.
  rest::Request request;
  request.method = "GET";
  request.target = rest::base_path(*where.found, "path", rest::kDefaultKasPath);
  const rest::Endpoint at = where.found->endpoint;
  const rest::Response r = co_await rest::exchange(ex_, at, settings, std::move(request));
  const std::string host = at.host + ":" + std::to_string(at.port);
  if (!r.ok()) {
    co_return doctor_line("kas", provider, Finding::kas_unreachable, r.error);
  }
  const std::string detail = host + " answered HTTP " + std::to_string(r.status) + " without credentials";
  co_return doctor_line("kas", provider, r.status >= 500 ? Finding::kas_server_error : Finding::kas_ok, detail);
}

awaitable<DoctorLine> DoctorService::Checks::account_manager(std::string provider, std::string address) {
  const rest::ServiceLocator::Located where = co_await deps_.locator->locate(rest::Service::account_manager, provider);
  if (!where.found) {
    co_return doctor_line("account_manager", provider, Finding::accmgr_not_found, where.error);
  }
  rest::ClientSettings settings;
  settings.tls = deps_.tls_for(address);
  settings.connect_timeout = kConnect;
  settings.inactivity = kConnect;
  if (!settings.tls) {
    co_return doctor_line("account_manager", provider, Finding::accmgr_unreachable,
                          "kimgate has no TLS client certificate for it");
  }
  const rest::ServiceInformationResult r = co_await rest::get_service_information(ex_, settings, *where.found);
  if (r.information) {
    co_return doctor_line("account_manager", provider, Finding::accmgr_ok, r.information->kim_service_version);
  }
  if (r.status == 0) {
    co_return doctor_line("account_manager", provider, Finding::accmgr_unreachable, r.detail);
  }
  co_return doctor_line(
      "account_manager", provider, Finding::accmgr_error,
      "getServiceInformation HTTP " + std::to_string(r.status) + (r.detail.empty() ? "" : ", " + r.detail));
}

DoctorLine DoctorService::Checks::certificate(const AccountRecord& record) const {
  if (record.certificate_not_after.empty() || !deps_.accounts->tls_for(record.address)) {
    return doctor_line("certificate", record.address, Finding::certificate_configured);
  }
  const auto not_after = parse_iso_utc(record.certificate_not_after);
  if (!not_after) {
    return doctor_line("certificate", record.address, Finding::certificate_expired,
                       "unreadable notAfter \"" + record.certificate_not_after + "\"");
  }
  const auto now = std::chrono::system_clock::now();
  const Finding f = certificate_finding(*not_after, now);
  const auto left = std::chrono::duration_cast<milliseconds>(*not_after - now);
  std::string detail = record.certificate_not_after;
  if (f == Finding::certificate_expiring) {
    detail = "notAfter " + record.certificate_not_after + ", in " + describe_span(left);
  } else if (f == Finding::certificate_expired) {
    detail = "notAfter " + record.certificate_not_after + ", " + describe_span(-left) + " ago";
  }
  return doctor_line("certificate", record.address, f, detail);
}

}  // namespace kimgate::daemon
