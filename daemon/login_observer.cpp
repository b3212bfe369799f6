#include "daemon/login_observer.h"

#include <openssl/crypto.h>

#include "daemon/admin_internal.h"

namespace kimgate::daemon {

using net::awaitable;

namespace {

void wipe(LoginSeen& seen) {
  OPENSSL_cleanse(seen.password.data(), seen.password.size());
}

// Wipes a login's password when the frame that holds the login ends, however it ends.
class Wiped {
 public:
  explicit Wiped(LoginSeen& seen) : seen_(seen) {}
  ~Wiped() { wipe(seen_); }
  Wiped(const Wiped&) = delete;
  Wiped& operator=(const Wiped&) = delete;

 private:
  LoginSeen& seen_;
};

}  // namespace

OwnMail own_mail(const LoginSeen& seen, const SmtpServerOf& smtp_server_of, std::string mail) {
  OwnMail own;
  own.address = seen.address;
  own.password = seen.password;
  own.smtp_server =
      seen.smtp_server.empty() && smtp_server_of ? smtp_server_of(admin::domain_of(seen.address)) : seen.smtp_server;
  own.check_provider = seen.check_provider;
  own.mail = std::move(mail);
  return own;
}

std::string account_key(std::string_view address) {
  return admin::lower(std::string(address));
}

bool LoginObserver::in_flight(std::string_view address) const {
  return in_flight_.find(account_key(address)) != in_flight_.end();
}

void LoginObserver::logged_in(LoginSeen seen) {
  const std::string key = account_key(seen.address);
  if (in_flight_.find(key) != in_flight_.end() || (due_ && !due_(key))) {
    wipe(seen);
    return;
  }
  net::asio::co_spawn(ex_, run_and_forget(std::move(seen)), net::asio::detached);
}

awaitable<void> LoginObserver::run_and_forget(LoginSeen seen) {
  const Wiped wiped(seen);
  co_await run(seen);
}

awaitable<void> LoginObserver::run(const LoginSeen& seen) {
  const std::string key = account_key(seen.address);
  if (!in_flight_.insert(key).second) {
    co_return;
  }
  // Not a guard object in the frame: a frame destroyed unfinished (the io_context torn down at
  // exit) must not touch this observer, which may be gone by then.
  try {
    co_await work_(seen);
  } catch (...) {
    in_flight_.erase(key);
    throw;
  }
  in_flight_.erase(key);
}

}  // namespace kimgate::daemon
