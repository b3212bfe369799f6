#pragma once
// AccountUpkeep: what the administration module does on its own for an account whenever the PVS
// logs in with it (SMTP or POP3) — the only moment kimgated holds the account's password, which
// it never stores:
// - Certificate renewal (A_21381): when the account's own client certificate (AccountStore)
//   expires within a month, createCert + install through the admin flows (account.cert). On
//   failure the user gets the 4016 notice with the Account Manager's error text; the renewal is
//   tried again at a later login (at most every `retry_after`), the notice at most once a day.
// - Own KIM version (A_21387-01): the version the VZD lists for the address against this client
//   module's. Newer here: setAccount kimVersion (account.kim_version) for an account whose card
//   kimgated knows (AccountStore); older here: the 4017 notice, at most once a day.
// The work runs detached on the I/O executor after the login, at most one run per address at a
// time (daemon/login_observer.h); passwords live only in that run's frame.
#include <chrono>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "daemon/account_store.h"
#include "daemon/login_observer.h"
#include "kim/notice_mail.h"
#include "net/asio.h"

namespace kimgate::ldap {
class Directory;
}

namespace kimgate::daemon {

struct UpkeepDeps {
  AccountStore* accounts = nullptr;
  ldap::Directory* directory = nullptr;  // null: no version check
  // An admin op (AdminService::handle without progress).
  std::function<net::awaitable<nlohmann::json>(nlohmann::json request)> admin;
  // Delivers a notice; "" on success, else a sentence.
  std::function<net::awaitable<std::string>(OwnMail mail)> send;
  // "host:port" of the SMTP server of a provider's domain (for notices after a POP3 login).
  SmtpServerOf smtp_server_of;
  std::string kim_version = "1.5";
  std::string product;  // "kimgate <version>"
  std::function<std::chrono::system_clock::time_point()> now = [] { return std::chrono::system_clock::now(); };
  std::chrono::hours renew_before{24 * 30};  // A_21381: one month
  std::chrono::hours retry_after{6};
  std::chrono::hours notice_interval{24};
  std::chrono::minutes version_interval{60};
};

class AccountUpkeep {
 public:
  AccountUpkeep(net::asio::any_io_executor ex, UpkeepDeps deps);
  AccountUpkeep(const AccountUpkeep&) = delete;  // the observer's functions hold `this`
  AccountUpkeep& operator=(const AccountUpkeep&) = delete;

  // From the I/O thread after a successful upstream login; starts a run when something is due.
  void logged_in(LoginSeen seen) { observer_.logged_in(std::move(seen)); }
  // The same run, awaited (tests, kimctl-triggered checks).
  net::awaitable<void> run(const LoginSeen& seen) { return observer_.run(seen); }

 private:
  struct State {
    std::chrono::system_clock::time_point renewal_tried{};
    std::chrono::system_clock::time_point version_checked{};
    std::map<kim::NoticeKind, std::chrono::system_clock::time_point> notices;  // last sent
  };
  net::awaitable<void> upkeep(const LoginSeen& seen);
  bool version_due(const std::string& key, std::chrono::system_clock::time_point now) const;
  bool renewal_due(const std::string& key, std::chrono::system_clock::time_point now) const;
  net::awaitable<void> renew(const LoginSeen& seen, const AccountRecord& record);
  net::awaitable<void> check_version(const LoginSeen& seen, bool known_card);
  // The notice to the account's own mailbox, at most one of a kind per notice_interval.
  net::awaitable<void> notify(const LoginSeen& seen, kim::NoticeRequest notice);

  UpkeepDeps deps_;
  std::map<std::string, State> state_;  // by account_key()
  LoginObserver observer_;
};

}  // namespace kimgate::daemon
