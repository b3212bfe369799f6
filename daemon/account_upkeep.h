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
// The work runs detached on the I/O executor after the login; the PVS's session never waits for
// it, and one address has at most one run in flight. Passwords live only in that run's frame.
#include <chrono>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "daemon/account_store.h"
#include "kim/notice_mail.h"
#include "konnektor/types.h"
#include "net/asio.h"
#include "net/connection.h"

namespace kimgate::ldap {
class Directory;
}

namespace kimgate::daemon {

// A login the provider accepted.
struct LoginSeen {
  std::string address;
  std::string password;
  std::string smtp_server;        // "host:port" of an SMTP login; empty for POP3
  net::PeerCheck check_provider;  // the login's check of the provider's certificate (may be empty)
  // The Konnektor call context of the login's user name (KonnektorId, Mandant, ClientSystem,
  // Workplace, UserId), for what kimgated seals on the account's behalf (tracking notices).
  std::string konnektor_id;
  konnektor::CallContext context;
};

// A notice for the account's own mailbox.
struct OwnMail {
  std::string address;
  std::string password;
  std::string smtp_server;  // "host:port"
  net::PeerCheck check_provider;
  std::string mail;
};

struct UpkeepDeps {
  AccountStore* accounts = nullptr;
  ldap::Directory* directory = nullptr;  // null: no version check
  // An admin op (AdminService::handle without progress).
  std::function<net::awaitable<nlohmann::json>(nlohmann::json request)> admin;
  // Delivers a notice; "" on success, else a sentence.
  std::function<net::awaitable<std::string>(OwnMail mail)> send;
  // "host:port" of the SMTP server of a provider's domain (for notices after a POP3 login).
  std::function<std::string(const std::string& domain)> smtp_server_of;
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
  AccountUpkeep(net::asio::any_io_executor ex, UpkeepDeps deps) : ex_(std::move(ex)), deps_(std::move(deps)) {}

  // From the I/O thread after a successful upstream login; starts a run when something is due.
  void logged_in(LoginSeen seen);
  // The same run, awaited (tests, kimctl-triggered checks).
  net::awaitable<void> run(const LoginSeen& seen);

 private:
  struct State {
    bool in_flight = false;
    std::chrono::system_clock::time_point renewal_tried{};
    std::chrono::system_clock::time_point version_checked{};
    std::map<kim::NoticeKind, std::chrono::system_clock::time_point> notices;  // last sent
  };
  net::awaitable<void> run_and_forget(LoginSeen seen);
  bool version_due(const std::string& key, std::chrono::system_clock::time_point now) const;
  bool renewal_due(const std::string& key, std::chrono::system_clock::time_point now) const;
  net::awaitable<void> renew(const LoginSeen& seen, const AccountRecord& record);
  net::awaitable<void> check_version(const LoginSeen& seen, bool known_card);
  // The notice to the account's own mailbox, at most one of a kind per notice_interval.
  net::awaitable<void> notify(const LoginSeen& seen, kim::NoticeRequest notice);

  net::asio::any_io_executor ex_;
  UpkeepDeps deps_;
  std::map<std::string, State> state_;  // by lower-cased address
};

}  // namespace kimgate::daemon
