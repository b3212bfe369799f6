// LoginObserver, shared by AccountUpkeep and TrackNotices: one run per account (by lower-cased
// address) at a time, started detached only when the owner says it is due, a second login of
// the same account while its run is in flight starts nothing, an account is free again when its
// run ends (also by an exception), and run() awaited returns at once while a run is in flight.
// Also own_mail(): the notice's SMTP server after an SMTP and after a POP3 login.
#include "daemon/login_observer.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

namespace kimgate::daemon {
namespace {

namespace asio = net::asio;

class LoginObserverTest : public ::testing::Test {
 protected:
  LoginObserver observer() {
    const auto due = [this](const std::string& key) {
      asked_.push_back(key);
      return due_;
    };
    const auto work = [this](const LoginSeen& seen) -> net::awaitable<void> {
      started_.push_back(seen.address + " " + seen.password);
      if (throw_) {
        throw std::runtime_error("broken invariant");
      }
      boost::system::error_code ec;
      co_await gate_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      ++finished_;
    };
    return LoginObserver(io_.get_executor(), due, work);
  }
  // Runs what is ready; restarted first, as a poll that ran out of work leaves the context stopped.
  void poll() {
    io_.restart();
    io_.poll();
  }
  static LoginSeen login(const std::string& address) { return LoginSeen{address, "pw", "", {}, "", {}}; }

  asio::io_context io_;
  asio::steady_timer gate_{io_, asio::steady_timer::time_point::max()};
  bool due_ = true;
  bool throw_ = false;
  std::vector<std::string> asked_;
  std::vector<std::string> started_;
  int finished_ = 0;
};

TEST_F(LoginObserverTest, OneRunPerAccountWhileInFlight) {
  LoginObserver o = observer();
  o.logged_in(login("Praxis.A@fd-a.kim.test"));
  poll();
  ASSERT_EQ(started_, std::vector<std::string>{"Praxis.A@fd-a.kim.test pw"});
  EXPECT_TRUE(o.in_flight("praxis.a@FD-A.kim.test"));
  o.logged_in(login("praxis.a@fd-a.kim.test"));  // the same account, other case
  o.logged_in(login("praxis.b@fd-a.kim.test"));
  poll();
  EXPECT_EQ(started_.size(), 2U);
  EXPECT_EQ(started_[1], "praxis.b@fd-a.kim.test pw");
  EXPECT_EQ(asked_, (std::vector<std::string>{"praxis.a@fd-a.kim.test", "praxis.b@fd-a.kim.test"}))
      << "a login while in flight is not even asked about";

  gate_.cancel();
  poll();
  EXPECT_EQ(finished_, 2);
  EXPECT_FALSE(o.in_flight("praxis.a@fd-a.kim.test"));
  o.logged_in(login("praxis.a@fd-a.kim.test"));
  poll();
  EXPECT_EQ(started_.size(), 3U) << "free again after its run";
}

TEST_F(LoginObserverTest, NothingStartsWhenNothingIsDue) {
  LoginObserver o = observer();
  due_ = false;
  o.logged_in(login("praxis.a@fd-a.kim.test"));
  poll();
  EXPECT_TRUE(started_.empty());
  EXPECT_FALSE(o.in_flight("praxis.a@fd-a.kim.test"));
}

TEST_F(LoginObserverTest, AnAccountIsFreeAgainAfterItsRunThrew) {
  LoginObserver o = observer();
  throw_ = true;
  o.logged_in(login("praxis.a@fd-a.kim.test"));
  poll();
  EXPECT_EQ(started_.size(), 1U);
  EXPECT_FALSE(o.in_flight("praxis.a@fd-a.kim.test"));
  throw_ = false;
  o.logged_in(login("praxis.a@fd-a.kim.test"));
  poll();
  EXPECT_EQ(started_.size(), 2U);
  gate_.cancel();
  poll();
}

TEST_F(LoginObserverTest, AnAwaitedRunReturnsAtOnceWhileOneIsInFlight) {
  LoginObserver o = observer();
  o.logged_in(login("praxis.a@fd-a.kim.test"));
  poll();
  bool returned = false;
  const auto second = [&o, &returned]() -> net::awaitable<void> {
    co_await o.run(login("PRAXIS.A@fd-a.kim.test"));
    returned = true;
  };
  asio::co_spawn(io_, second(), asio::detached);
  poll();
  EXPECT_TRUE(returned);
  EXPECT_EQ(started_.size(), 1U);
  gate_.cancel();
  poll();
}

TEST(OwnMail, TheLoginsSmtpServerElseTheProvidersOfItsDomain) {
  const SmtpServerOf server_of = [](const std::string& domain) { return "smtp." + domain + ":465"; };
  const OwnMail after_smtp = own_mail(LoginSeen{"a@FD-A.kim.test", "pw", "fd-a:4465", {}, "", {}}, server_of, "mail");
  EXPECT_EQ(after_smtp.smtp_server, "fd-a:4465");
  EXPECT_EQ(after_smtp.address, "a@FD-A.kim.test");
  EXPECT_EQ(after_smtp.password, "pw");
  EXPECT_EQ(after_smtp.mail, "mail");
  const OwnMail after_pop3 = own_mail(LoginSeen{"a@FD-A.kim.test", "pw", "", {}, "", {}}, server_of, "mail");
  EXPECT_EQ(after_pop3.smtp_server, "smtp.fd-a.kim.test:465");
  EXPECT_EQ(own_mail(LoginSeen{"a@b", "pw", "", {}, "", {}}, nullptr, "m").smtp_server, "");
}

}  // namespace
}  // namespace kimgate::daemon
