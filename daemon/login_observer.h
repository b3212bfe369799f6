#pragma once
// LoginObserver: what AccountUpkeep (daemon/account_upkeep.h) and TrackNotices
// (daemon/track_hooks.h) share for acting on a PVS login, the only moment kimgated holds an
// account's password, which it never stores:
// - logged_in(seen) starts the owner's `work` detached on the I/O executor (the PVS's session
//   never waits for it) when the owner's `due` says so and no run for the same account is in
//   flight; accounts are told apart by their lower-cased address;
// - run(seen) is that run, awaited (tests, kimctl-triggered checks); it returns at once while
//   another run for the account is in flight;
// - the password of the login's copy lives only in the detached run's frame and is wiped
//   (OPENSSL_cleanse) when the run ends, or at once when no run is started.
// I/O thread only: logged_in(), run() and the set of accounts in flight are used nowhere else.
// An account is in flight until its work ends, also when the work throws.
#include <functional>
#include <set>
#include <string>
#include <string_view>

#include "konnektor/types.h"
#include "net/asio.h"
#include "net/connection.h"

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

// A notice for the account's own mailbox (daemon/own_mailbox.h sends it).
struct OwnMail {
  std::string address;
  std::string password;
  std::string smtp_server;  // "host:port"
  net::PeerCheck check_provider;
  std::string mail;
};

// "host:port" of the SMTP server of a provider's domain (for notices after a POP3 login).
using SmtpServerOf = std::function<std::string(const std::string& domain)>;

// `mail` from the login's account to itself: the login's SMTP server, or after a POP3 login that
// of its provider's domain by `smtp_server_of` (when given).
OwnMail own_mail(const LoginSeen& seen, const SmtpServerOf& smtp_server_of, std::string mail);

// The key of per-account state: the address, lower-cased.
std::string account_key(std::string_view address);

class LoginObserver {
 public:
  using Due = std::function<bool(const std::string& key)>;  // key: account_key(address)
  using Work = std::function<net::awaitable<void>(const LoginSeen& seen)>;

  LoginObserver(net::asio::any_io_executor ex, Due due, Work work)
      : ex_(std::move(ex)), due_(std::move(due)), work_(std::move(work)) {}

  void logged_in(LoginSeen seen);
  net::awaitable<void> run(const LoginSeen& seen);
  bool in_flight(std::string_view address) const;

 private:
  net::awaitable<void> run_and_forget(LoginSeen seen);

  net::asio::any_io_executor ex_;
  Due due_;
  Work work_;
  std::set<std::string> in_flight_;  // account keys
};

}  // namespace kimgate::daemon
