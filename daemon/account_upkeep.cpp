#include "daemon/account_upkeep.h"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <ctime>

#include "daemon/admin_internal.h"
#include "kim/notice_mail.h"
#include "kim/own_version.h"
#include "kim/send_mail.h"
#include "ldap/directory.h"

namespace kimgate::daemon {

using net::awaitable;
using nlohmann::json;
using Clock = std::chrono::system_clock;

namespace {

using admin::domain_of;

// The answer's English sentence, else a generic one.
std::string failure_text(const json& answer) {
  if (answer.is_object() && answer.contains("error") && answer["error"].is_string()) {
    return answer["error"].get<std::string>();
  }
  return "the administration module gave no answer";
}

}  // namespace

bool AccountUpkeep::renewal_due(const std::string& key, Clock::time_point now) const {
  const std::optional<AccountRecord> record = deps_.accounts->find(key);
  if (!record || record->certificate_not_after.empty()) {
    return false;
  }
  const std::optional<Clock::time_point> not_after = parse_iso_utc(record->certificate_not_after);
  if (!not_after || now + deps_.renew_before < *not_after) {
    return false;
  }
  const auto it = state_.find(key);
  return it == state_.end() || it->second.renewal_tried + deps_.retry_after <= now;
}

bool AccountUpkeep::version_due(const std::string& key, Clock::time_point now) const {
  const auto it = state_.find(key);
  return deps_.directory != nullptr &&
         (it == state_.end() || it->second.version_checked + deps_.version_interval <= now);
}

AccountUpkeep::AccountUpkeep(net::asio::any_io_executor ex, UpkeepDeps deps)
    : deps_(std::move(deps)),
      observer_(
          std::move(ex),
          [this](const std::string& key) {
            const Clock::time_point now = deps_.now();
            return version_due(key, now) || renewal_due(key, now);
          },
          [this](const LoginSeen& seen) { return upkeep(seen); }) {}

awaitable<void> AccountUpkeep::upkeep(const LoginSeen& seen) {
  const std::string key = account_key(seen.address);
  const std::optional<AccountRecord> record = deps_.accounts->find(key);
  if (record && renewal_due(key, deps_.now())) {
    state_[key].renewal_tried = deps_.now();
    co_await renew(seen, *record);
  }
  if (version_due(key, deps_.now())) {
    state_[key].version_checked = deps_.now();
    co_await check_version(seen, record.has_value() && !record->card.empty());
  }
}

awaitable<void> AccountUpkeep::renew(const LoginSeen& seen, const AccountRecord& record) {
  spdlog::info("event=certificate_renewal address={} not_after={}", seen.address, record.certificate_not_after);
  json request{{"op", "account.cert"}, {"address", seen.address}, {"password", seen.password}};
  const json answer = co_await deps_.admin(std::move(request));
  if (answer.value("ok", false)) {
    const std::string not_after =
        answer.contains("certificate") ? answer["certificate"].value("not_after", std::string()) : std::string();
    spdlog::info("event=certificate_renewed address={} not_after={}", seen.address, not_after);
    co_return;
  }
  const std::string sentence = failure_text(answer);
  spdlog::error("event=certificate_renewal_failed address={} reason=\"{}\"", seen.address, sentence);
  kim::NoticeRequest notice;
  notice.kind = kim::NoticeKind::certificate_renewal_failed;
  // A_21381: the Account Manager's own error text; without one (no answer) the sentence saying why.
  notice.fehlertext = answer.value("provider_message", std::string());
  if (notice.fehlertext.empty()) {
    notice.fehlertext = sentence;
  }
  notice.not_after = record.certificate_not_after;
  co_await notify(seen, std::move(notice));
}

awaitable<void> AccountUpkeep::check_version(const LoginSeen& seen, bool known_card) {
  const ldap::VersionLookup found = co_await deps_.directory->kim_version(seen.address);
  if (!found.ok()) {
    spdlog::warn("event=own_version_unknown address={} reason=\"{}\"", seen.address, found.detail);
    co_return;
  }
  std::string registered = found.version.version.version;
  if (found.version.version.large_mail) {
    registered += "+";
  }
  const kim::OwnVersionVerdict verdict = kim::own_version_step(registered, deps_.kim_version);
  switch (verdict.step) {
    case kim::OwnVersionStep::none:
      co_return;
    case kim::OwnVersionStep::unknown:
      spdlog::warn("event=own_version_unknown address={} registered=\"{}\" ours={}", seen.address, registered,
                   deps_.kim_version);
      co_return;
    case kim::OwnVersionStep::update: {
      if (!known_card) {
        // The JWT needs the account's card; kimgated knows it only for accounts it registered or
        // adopted (kimctl account cert).
        spdlog::warn(
            "event=own_version_update_skipped address={} registered={} ours={} reason=\"kimgated does not know the "
            "account's card; adopt the account with kimctl account cert\"",
            seen.address, registered, deps_.kim_version);
        co_return;
      }
      json request{{"op", "account.kim_version"},
                   {"address", seen.address},
                   {"password", seen.password},
                   {"kim_version", verdict.set_to}};
      const json answer = co_await deps_.admin(std::move(request));
      if (answer.value("ok", false)) {
        spdlog::info("event=own_version_updated address={} from={} to={}", seen.address, registered, verdict.set_to);
      } else {
        spdlog::error("event=own_version_update_failed address={} from={} to={} reason=\"{}\"", seen.address,
                      registered, verdict.set_to, failure_text(answer));
        state_[account_key(seen.address)].version_checked = Clock::time_point{};  // asked again at the next login
      }
      co_return;
    }
    case kim::OwnVersionStep::outdated: {
      spdlog::warn("event=own_version_outdated address={} registered={} ours={}", seen.address, registered,
                   deps_.kim_version);
      kim::NoticeRequest notice;
      notice.kind = kim::NoticeKind::client_module_outdated;
      notice.registered = registered;
      notice.ours = deps_.kim_version;
      notice.product = deps_.product;
      co_await notify(seen, std::move(notice));
      co_return;
    }
  }
}

awaitable<void> AccountUpkeep::notify(const LoginSeen& seen, kim::NoticeRequest notice) {
  Clock::time_point& last = state_[account_key(seen.address)].notices[notice.kind];
  if (last != Clock::time_point{} && last + deps_.notice_interval > deps_.now()) {
    co_return;  // at most one notice of a kind a day
  }
  last = deps_.now();
  notice.address = seen.address;
  notice.generated = kim::generate_identity(domain_of(seen.address));
  const std::string code = kim::notice_code(notice.kind);
  OwnMail own = own_mail(seen, deps_.smtp_server_of, kim::notice_mail(notice));
  const std::string failed = co_await deps_.send(std::move(own));
  if (failed.empty()) {
    spdlog::info("event=notice_sent address={} code={}", seen.address, code);
  } else {
    spdlog::error("event=notice_failed address={} code={} reason=\"{}\"", seen.address, code, failed);
  }
}

}  // namespace kimgate::daemon
