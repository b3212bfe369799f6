// net::LoginGuard: failures per mailbox and client address, the race-free reservation, the
// growing delay, and the lock that leaves other clients of the mailbox alone.
#include "net/login_guard.h"

#include <gtest/gtest.h>

#include <vector>

namespace kimgate::net {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

struct GuardTest : ::testing::Test {
  LoginGuard::Clock::time_point now{};
  LoginGuard guard{LoginGuard::Settings{5, seconds(60), seconds(2)}, [this] { return now; }};

  // Begins `n` attempts at once with `password`; returns those the guard let through.
  std::vector<LoginGuard::Attempt> begin_many(int n, const std::string& mailbox, const std::string& password) {
    std::vector<LoginGuard::Attempt> allowed;
    for (int i = 0; i < n; ++i) {
      LoginGuard::Attempt a = guard.begin(mailbox, "192.0.2.1", password);
      if (a.allowed()) {
        allowed.push_back(std::move(a));
      }
    }
    return allowed;
  }

  milliseconds fail(const std::string& mailbox, const std::string& client) {
    LoginGuard::Attempt a = guard.begin(mailbox, client);
    EXPECT_TRUE(a.allowed());
    return a.failed();
  }
};

TEST_F(GuardTest, FiveFailuresLockThatAddressOutOfThatMailboxOnly) {
  for (int i = 0; i < 4; ++i) {
    fail("Praxis.A@fd-a.test", "192.0.2.1");
  }
  EXPECT_TRUE(guard.begin("praxis.a@fd-a.test", "192.0.2.1").allowed());
  fail("praxis.a@FD-A.test", "192.0.2.1");
  const LoginGuard::Attempt locked = guard.begin("praxis.a@fd-a.test", "192.0.2.1");
  EXPECT_FALSE(locked.allowed());
  EXPECT_EQ(locked.locked_for(), seconds(16 + 60)) << "counted from the delayed answer to the fifth failure";
  EXPECT_TRUE(guard.begin("praxis.a@fd-a.test", "192.0.2.2").allowed()) << "another client of the mailbox works";
  EXPECT_TRUE(guard.begin("praxis.b@fd-b.test", "192.0.2.1").allowed()) << "another mailbox works";
  now += seconds(77);
  EXPECT_TRUE(guard.begin("praxis.a@fd-a.test", "192.0.2.1").allowed()) << "the lock runs out";
}

TEST_F(GuardTest, SuccessResetsTheCountAndAbandonedAttemptsDoNotCount) {
  for (int i = 0; i < 4; ++i) {
    fail("a@x", "192.0.2.1");
  }
  guard.begin("a@x", "192.0.2.1").succeeded();
  for (int i = 0; i < 4; ++i) {
    fail("a@x", "192.0.2.1");
  }
  for (int i = 0; i < 10; ++i) {
    LoginGuard::Attempt a = guard.begin("a@x", "192.0.2.1");
    ASSERT_TRUE(a.allowed());
    a.abandoned();  // e.g. provider unreachable
  }
  { LoginGuard::Attempt dropped = guard.begin("a@x", "192.0.2.1"); }  // session ended mid-login
  EXPECT_TRUE(guard.begin("a@x", "192.0.2.1").allowed());
}

TEST_F(GuardTest, AttemptsInFlightCountSoConcurrentSessionsCannotOvershoot) {
  std::vector<LoginGuard::Attempt> in_flight;
  for (int i = 0; i < 20; ++i) {
    LoginGuard::Attempt a = guard.begin("a@x", "192.0.2.1");
    if (a.allowed()) {
      in_flight.push_back(std::move(a));
    }
  }
  EXPECT_EQ(in_flight.size(), 5u) << "no more than max_failures guesses reach the provider at once";
  const LoginGuard::Attempt busy = guard.begin("a@x", "192.0.2.1");
  EXPECT_FALSE(busy.allowed());
  EXPECT_EQ(busy.locked_for(), milliseconds(0)) << "no lock is set while the tries are only in flight";
  EXPECT_EQ(busy.refusal("a@x", "192.0.2.1"),
            "Too many logins for a@x from 192.0.2.1 are being checked at this moment; try again in a few seconds");
  for (auto& a : in_flight) {
    a.failed();
  }
  const LoginGuard::Attempt locked = guard.begin("a@x", "192.0.2.1");
  EXPECT_FALSE(locked.allowed());
  EXPECT_EQ(locked.refusal("a@x", "192.0.2.1")
                .rfind("Too many failed logins for a@x from 192.0.2.1; this address is "
                       "locked out of the mailbox for ",
                       0),
            0u);
}

TEST_F(GuardTest, ARecentlyAcceptedPasswordIsNotAGuessAndDoesNotCountInFlight) {
  guard.begin("a@x", "192.0.2.1", "Right-Password.1").succeeded();
  std::vector<LoginGuard::Attempt> in_flight;
  for (int i = 0; i < 20; ++i) {
    LoginGuard::Attempt a = guard.begin("A@X", "192.0.2.1", "Right-Password.1");
    ASSERT_TRUE(a.allowed()) << "session " << i << ": the PVS opens many sessions at once with the right password";
    in_flight.push_back(std::move(a));
  }
  std::vector<LoginGuard::Attempt> guesses = begin_many(20, "a@x", "a-guess");
  EXPECT_EQ(guesses.size(), 5u) << "other passwords are still limited while the right one is in flight";
  EXPECT_TRUE(guard.begin("a@x", "192.0.2.2", "Right-Password.1").allowed()) << "per client address";
  for (auto& a : in_flight) {
    a.succeeded();
  }
  for (auto& a : guesses) {
    a.failed();
  }
  EXPECT_FALSE(guard.begin("a@x", "192.0.2.1", "Right-Password.1").allowed()) << "a lock refuses every password";
}

TEST_F(GuardTest, AKnownGoodPasswordIsForgottenWhenRefusedOrAfterItsTime) {
  guard.begin("a@x", "192.0.2.1", "Old-Password.1").succeeded();
  LoginGuard::Attempt changed = guard.begin("a@x", "192.0.2.1", "Old-Password.1");
  ASSERT_TRUE(changed.allowed());
  changed.failed();  // the password was changed at the provider meanwhile
  EXPECT_EQ(begin_many(10, "a@x", "Old-Password.1").size(), 4u) << "counted like any guess (one failure already)";

  guard.begin("b@x", "192.0.2.1", "Pw-B.12345678").succeeded();
  now += std::chrono::hours(2);
  EXPECT_EQ(begin_many(10, "b@x", "Pw-B.12345678").size(), 5u) << "known good for one hour only";
}

TEST_F(GuardTest, TheDelayDoublesPerFailureUpToEightTimes) {
  std::vector<milliseconds> delays;
  for (int i = 0; i < 5; ++i) {
    delays.push_back(fail("a@x", "192.0.2.1"));
  }
  EXPECT_EQ(delays, (std::vector<milliseconds>{seconds(2), seconds(4), seconds(8), seconds(16), seconds(16)}));
}

}  // namespace
}  // namespace kimgate::net
