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
  for (auto& a : in_flight) {
    a.failed();
  }
  EXPECT_FALSE(guard.begin("a@x", "192.0.2.1").allowed());
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
