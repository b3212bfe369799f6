// The care of a registered KIM account (spec digest §4): getAccount, password change and the
// large-message opt-in (setAccount), out-of-office (getOutOfOffice/updateOutOfOffice with the
// FAQ's semantics of `active`), deregistration and its revocation, and porting the address to a
// new card (getOTP with the old card, setTID with the new one). Each op authenticates with the
// card's JWT and the mailbox password.
#include <spdlog/spdlog.h>

#include <tuple>

#include "daemon/account_upkeep.h"
#include "daemon/admin_flows.h"
#include "ldap/directory.h"

namespace kimgate::daemon {

using net::awaitable;
using nlohmann::json;

const std::set<std::string, std::less<>>& AdminService::Flows::account_ops() {
  static const std::set<std::string, std::less<>> ops{"account.show",       "account.password",   "account.absence",
                                                      "account.large_mail", "account.deregister", "account.revoke",
                                                      "account.port",       "account.kim_version"};
  return ops;
}

namespace {

json account_json(const rest::Account& a) {
  json out{{"ok", true}};
  if (a.username) {
    out["address"] = *a.username;
  }
  if (a.kim_version) {
    out["kim_version"] = *a.kim_version;
  }
  if (a.reg_stat) {
    out["reg_stat"] = std::string(rest::to_string(*a.reg_stat));
  }
  if (a.dereg_date) {
    out["dereg_date"] = *a.dereg_date;
  }
  if (a.data_time_to_live) {
    out["data_time_to_live"] = *a.data_time_to_live;
  }
  if (a.max_mail_size) {
    out["max_mail_size"] = *a.max_mail_size;
  }
  if (a.no_vzd_mail_entry) {
    out["no_vzd_mail_entry"] = *a.no_vzd_mail_entry;
  }
  return out;
}

json absence_json(const rest::OutOfOffice& o) {
  json out{{"ok", true}, {"active", o.active}};
  if (o.start_date) {
    out["start"] = *o.start_date;
  }
  if (o.end_date) {
    out["end"] = *o.end_date;
  }
  if (o.message) {
    out["message"] = *o.message;
  }
  return out;
}

// The note's dates checked before they reach the provider (its 400 would say less): ISO 8601 UTC
// date-times, both needed when the note is active, the end after the start.
std::optional<json> absence_refusal(const rest::OutOfOffice& note) {
  for (const auto& [value, en, de] :
       {std::tuple{&note.start_date, "start", "Beginn"}, std::tuple{&note.end_date, "end", "Ende"}}) {
    if (*value && !parse_iso_utc(**value)) {
      return admin_failure(
          std::string("The ") + en + " of the out-of-office note is not a date-time like 2026-12-24T00:00:00Z.",
          std::string(de) + " der Abwesenheitsnotiz ist keine Zeitangabe wie 2026-12-24T00:00:00Z.",
          "Give it as YYYY-MM-DDThh:mm:ssZ (UTC).", "Geben Sie sie als JJJJ-MM-TTThh:mm:ssZ (UTC) an.");
    }
  }
  if (note.active && (!note.start_date || !note.end_date)) {
    return admin_failure("An active out-of-office note needs a start and an end.",
                         "Eine aktive Abwesenheitsnotiz braucht Beginn und Ende.", "Give both (--start, --end).",
                         "Geben Sie beides an (--start, --end).");
  }
  if (note.start_date && note.end_date && *parse_iso_utc(*note.end_date) <= *parse_iso_utc(*note.start_date)) {
    return admin_failure("The out-of-office note ends before it starts.",
                         "Die Abwesenheitsnotiz endet vor ihrem Beginn.", "Give an end after the start.",
                         "Geben Sie ein Ende nach dem Beginn an.");
  }
  return std::nullopt;
}

constexpr const char* kLargeMailRisks =
    "Large messages (up to 700 MiB) reach this mailbox through the KIM Attachment Service: they take longer to "
    "fetch, fill the mailbox quota faster, and a PVS that cannot handle such sizes may fail on them. Switch back "
    "with kimctl account large-mail --disable.";
constexpr const char* kLargeMailRisksDe =
    "Große Nachrichten (bis 700 MiB) erreichen dieses Postfach über den KIM-Attachment-Service: sie brauchen "
    "länger beim Abholen, füllen das Postfach-Kontingent schneller, und ein PVS, das solche Größen nicht "
    "verarbeitet, kann an ihnen scheitern. Zurück mit kimctl account large-mail --disable.";
constexpr const char* kDeregistration =
    "The address is deregistered. For 30 days this is temporary: mail can still be fetched and the deregistration "
    "can be revoked (kimctl account revoke). After that the mailbox is gone for good and cannot be restored.";
constexpr const char* kDeregistrationDe =
    "Die Adresse ist abgemeldet. 30 Tage lang ist das vorläufig: Nachrichten können noch abgeholt und die "
    "Abmeldung widerrufen werden (kimctl account revoke). Danach ist das Postfach endgültig gelöscht und nicht "
    "wiederherstellbar.";

}  // namespace

awaitable<std::variant<AdminService::Flows::AccountCall, json>> AdminService::Flows::open_account(
    const json& request, AdminProgress& progress) {
  AccountCall call;
  call.address = admin::text(request, "address");
  const std::string password = admin::text(request, "password");
  if (call.address.empty()) {
    co_return admin::missing("address", "the KIM address", "die KIM-Adresse");
  }
  if (password.empty()) {
    co_return admin::missing("password", "the mailbox password", "das Postfach-Passwort");
  }
  call.who = rest::Credentials{call.address, password};
  call.provider = admin::domain_of(call.address);
  call.access = co_await admin::provider_access(deps, call.provider, call.address);
  if (!call.access.endpoint) {
    co_return call.access.failure;
  }
  auto opened = co_await card_of(call.address, request, progress);
  if (auto* failure = std::get_if<json>(&opened)) {
    co_return *failure;
  }
  call.card = std::get<AdminCard>(std::move(opened));
  auto token = co_await jwt(call.card, 300, progress);
  if (auto* failure = std::get_if<json>(&token)) {
    co_return *failure;
  }
  call.bearer = std::get<std::string>(std::move(token));
  co_return call;
}

awaitable<json> AdminService::Flows::account_op(const std::string& op, const json& request, AdminProgress progress) {
  auto opened = co_await open_account(request, progress);
  if (auto* failure = std::get_if<json>(&opened)) {
    co_return *failure;
  }
  const AccountCall call = std::get<AccountCall>(std::move(opened));
  const std::string& address = call.address;
  const rest::Credentials& who = call.who;
  const AdminCard& card = call.card;
  const std::string& bearer = call.bearer;
  rest::AccountManagerClient client(ex, call.access.settings);
  const rest::ServiceEndpoint& at = *call.access.endpoint;

  if (op == "account.show") {
    const std::string step1 = "Reading the account " + address + " (getAccount)";
    co_await progress(step1);
    const rest::AmResult<rest::Account> got = co_await client.get_account(at, bearer, who);
    co_return got.ok() ? account_json(*got.value) : am_failure(got.error);
  }
  if (op == "account.password") {
    const std::string next = admin::text(request, "new_password");
    if (next.empty()) {
      co_return admin::missing("new_password", "the new mailbox password", "das neue Postfach-Passwort");
    }
    const std::string step2 = "Changing the password of " + address + " (setAccount)";
    co_await progress(step2);
    rest::Account change;
    change.password = next;
    const rest::AmResult<rest::AmDone> done = co_await client.set_account(at, bearer, who, std::move(change));
    if (!done.ok()) {
      co_return am_failure(done.error);
    }
    co_return json{
        {"ok", true},
        {"address", address},
        {"message", "The password is changed. Enter the new password in the PVS for this address."},
        {"message_de", "Das Passwort ist geändert. Tragen Sie das neue Passwort im PVS für diese Adresse ein."}};
  }
  if (op == "account.absence") {
    if (!request.contains("set")) {
      const std::string step3 = "Reading the out-of-office note of " + address + " (getOutOfOffice)";
      co_await progress(step3);
      const rest::AmResult<rest::OutOfOffice> got = co_await client.get_out_of_office(at, bearer, who);
      co_return got.ok() ? absence_json(*got.value) : am_failure(got.error);
    }
    const json& set = request["set"];
    rest::OutOfOffice note;
    note.active = set.is_object() && set.value("active", false);  // FAQ: a missing `active` means false
    if (set.is_object()) {
      for (const auto& [key, member] : {std::pair{"start", &note.start_date}, std::pair{"end", &note.end_date},
                                        std::pair{"message", &note.message}}) {
        if (set.contains(key) && set[key].is_string()) {
          *member = set[key].get<std::string>();
        }
      }
    }
    if (const std::optional<json> refusal = absence_refusal(note)) {
      co_return *refusal;
    }
    const std::string step4 = "Updating the out-of-office note of " + address + " (updateOutOfOffice)";
    co_await progress(step4);
    const rest::AmResult<rest::AmDone> done = co_await client.update_out_of_office(at, bearer, who, note);
    if (!done.ok()) {
      co_return am_failure(done.error);
    }
    json out = absence_json(note);
    out["address"] = address;
    co_return out;
  }
  if (op == "account.large_mail" || op == "account.kim_version") {
    // account.kim_version: A_21387-01, the VZD entry brought up to this client module's version
    // (daemon/account_upkeep.h); account.large_mail: A_23505, the opt-in ('+') on or off.
    const bool large_mail = op == "account.large_mail";
    const bool enable = request.value("enable", false);
    rest::Account change;
    change.kim_version = large_mail ? deps.kim_version + (enable ? "+" : "") : admin::text(request, "kim_version");
    if (change.kim_version->empty()) {
      co_return admin::missing("kim_version", "the KIM version to register", "die einzutragende KIM-Version");
    }
    const std::string step5 =
        large_mail ? std::string(enable ? "Opting in to" : "Opting out of") + " large messages for " + address +
                         " (setAccount kimVersion " + *change.kim_version + ")"
                   : "Registering KIM version " + *change.kim_version + " for " + address + " (setAccount)";
    co_await progress(step5);
    const std::string version = *change.kim_version;
    const rest::AmResult<rest::AmDone> done = co_await client.set_account(at, bearer, who, std::move(change));
    if (!done.ok()) {
      co_return am_failure(done.error);
    }
    if (auto known = deps.accounts->find(address)) {
      known->kim_version = version;
      deps.accounts->save(*known);
    }
    if (deps.directory != nullptr) {
      co_await deps.directory->refresh_address(address, card.finder->ecc_capable());  // A_23505: refresh caches
    }
    if (!large_mail) {
      co_return json{{"ok", true}, {"address", address}, {"kim_version", version}};
    }
    co_return json{
        {"ok", true},
        {"address", address},
        {"kim_version", version},
        {"risks", enable ? kLargeMailRisks : "Large messages are no longer accepted for this address."},
        {"risks_de", enable ? kLargeMailRisksDe : "Große Nachrichten werden für diese Adresse nicht mehr angenommen."}};
  }
  if (op == "account.deregister") {
    const std::string step6 = "Deregistering " + address + " (deregisterAccount)";
    co_await progress(step6);
    const rest::AmResult<rest::AmDone> done = co_await client.deregister_account(at, bearer, who);
    if (!done.ok()) {
      co_return am_failure(done.error);
    }
    spdlog::info("event=account_deregistered address={}", address);
    co_return json{{"ok", true}, {"address", address}, {"message", kDeregistration}, {"message_de", kDeregistrationDe}};
  }
  if (op == "account.revoke") {
    const std::string step7 = "Revoking the deregistration of " + address + " (revokeDeregistration)";
    co_await progress(step7);
    const rest::AmResult<rest::AmDone> done = co_await client.revoke_deregistration(at, bearer, who);
    if (!done.ok()) {
      co_return am_failure(done.error);
    }
    co_return json{{"ok", true},
                   {"address", address},
                   {"message", "The deregistration is revoked; the address stays registered."},
                   {"message_de", "Die Abmeldung ist widerrufen; die Adresse bleibt registriert."}};
  }
  // account.port: getOTP with the old card (the account's), setTID with the new one.
  const std::string new_card = admin::text(request, "new_card");
  if (new_card.empty()) {
    co_return admin::missing("new_card", "the ICCSN of the new card", "die ICCSN der neuen Karte");
  }
  const std::string step8 = "Requesting a one-time password with the old card (getOTP)";
  co_await progress(step8);
  rest::AmResult<rest::Otp> otp = co_await client.get_otp(at, bearer, who);
  if (!otp.ok()) {
    co_return am_failure(otp.error);
  }
  const konnektor::CallContext derived{};
  auto reopened = co_await open_card(new_card, derived, progress);
  if (auto* failure = std::get_if<json>(&reopened)) {
    co_return *failure;
  }
  const AdminCard target = std::get<AdminCard>(std::move(reopened));
  auto new_token = co_await jwt(target, 300, progress);
  if (auto* failure = std::get_if<json>(&new_token)) {
    co_return *failure;
  }
  const std::string step9 = "Moving " + address + " to the card " + new_card + " (setTID)";
  co_await progress(step9);
  const std::string new_bearer = std::get<std::string>(new_token);
  std::string one_time = std::move(otp.value->otp);
  const rest::AmResult<rest::AmDone> moved = co_await client.set_tid(at, new_bearer, who, std::move(one_time));
  if (!moved.ok()) {
    co_return am_failure(moved.error);
  }
  AccountRecord record = deps.accounts->find(address).value_or(AccountRecord{});
  record.address = address;
  record.provider = call.provider;
  assign_card(record, target);
  deps.accounts->save(record);
  co_return json{{"ok", true},
                 {"address", address},
                 {"card", new_card},
                 {"telematik_id", target.telematik_id},
                 {"message", "The address now belongs to the new card's Telematik-ID."},
                 {"message_de", "Die Adresse gehört jetzt zur Telematik-ID der neuen Karte."}};
}

}  // namespace kimgate::daemon
