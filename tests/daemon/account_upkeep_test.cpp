// AccountUpkeep at PVS logins: the certificate renewal is asked of the admin flows only within a
// month of notAfter, at most once per retry interval; its failure gives the 4016 notice with the
// Account Manager's own text (at most one a day), to the account's own mailbox on the SMTP
// server the login named or the provider's; nothing is started for an account kimgated does not
// know, and the password goes to the admin op and the notice only.
#include "daemon/account_upkeep.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace kimgate::daemon {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::system_clock;
using nlohmann::json;

class AccountUpkeepTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("kimgate-upkeep-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    store_ = std::make_unique<AccountStore>(dir_, dir_ / "ca.pem");
    now_ = *parse_iso_utc("2027-11-20T12:00:00Z");
  }
  void TearDown() override { fs::remove_all(dir_); }

  void add_account(const std::string& not_after) {
    AccountRecord r;
    r.address = "b-467654300.kvh@fd-a.kim.test";
    r.provider = "fd-a.kim.test";
    r.card = "80276883110000100006";
    r.certificate_not_after = not_after;
    ASSERT_FALSE(store_->save(r).has_value());
  }

  UpkeepDeps deps() {
    UpkeepDeps d;
    d.accounts = store_.get();
    d.admin = [this](json request) -> net::awaitable<json> {
      requests_.push_back(request);
      co_return answer_;
    };
    d.send = [this](OwnMail mail) -> net::awaitable<std::string> {
      mails_.push_back(mail);
      co_return std::string();
    };
    d.smtp_server_of = [](const std::string& domain) { return domain + ":465"; };
    d.now = [this] { return now_; };
    return d;
  }

  fs::path dir_;
  std::unique_ptr<AccountStore> store_;
  Clock::time_point now_;
  json answer_{{"ok", true}, {"certificate", {{"not_after", "2028-12-01T00:00:00Z"}}}};
  std::vector<json> requests_;
  std::vector<OwnMail> mails_;
};

TEST(ParseIsoUtc, ReadsRfc3339DateTimes) {
  const auto t = parse_iso_utc("2027-12-04T18:00:00Z");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(Clock::to_time_t(*t), 1827943200);
  EXPECT_EQ(parse_iso_utc("2027-12-04T19:00:00+01:00"), t);
  EXPECT_EQ(parse_iso_utc("2027-12-04T18:00:00.250Z"), t);
  EXPECT_FALSE(parse_iso_utc("2027-12-04 18:00:00").has_value());
  EXPECT_FALSE(parse_iso_utc("2027-12-04T18:00:00").has_value());
  EXPECT_FALSE(parse_iso_utc("2027-13-04T18:00:00Z").has_value());
  EXPECT_FALSE(parse_iso_utc("").has_value());
}

TEST_F(AccountUpkeepTest, RenewsWithinAMonthOfExpiry) {
  add_account("2027-12-10T00:00:00Z");  // 20 days after now_
  net::asio::io_context io;
  AccountUpkeep upkeep(io.get_executor(), deps());
  upkeep.logged_in(LoginSeen{"B-467654300.KVH@fd-a.kim.test", "Geheim.2027!", "", {}, "", {}});
  io.run();
  ASSERT_EQ(requests_.size(), 1u);
  EXPECT_EQ(requests_[0]["op"], "account.cert");
  EXPECT_EQ(requests_[0]["address"], "B-467654300.KVH@fd-a.kim.test");
  EXPECT_EQ(requests_[0]["password"], "Geheim.2027!");
  EXPECT_TRUE(mails_.empty());
}

TEST_F(AccountUpkeepTest, LeavesACertificateWithMoreThanAMonthAlone) {
  add_account("2028-01-10T00:00:00Z");
  net::asio::io_context io;
  AccountUpkeep upkeep(io.get_executor(), deps());
  upkeep.logged_in(LoginSeen{"B-467654300.KVH@fd-a.kim.test", "pw", "", {}, "", {}});
  io.run();
  EXPECT_TRUE(requests_.empty());
}

TEST_F(AccountUpkeepTest, UnknownAccountsAndAccountsWithoutOwnCertificateAreLeftAlone) {
  add_account("");
  net::asio::io_context io;
  AccountUpkeep upkeep(io.get_executor(), deps());
  upkeep.logged_in(LoginSeen{"B-467654300.KVH@fd-a.kim.test", "pw", "", {}, "", {}});
  upkeep.logged_in(LoginSeen{"someone.else@fd-a.kim.test", "pw", "", {}, "", {}});
  io.run();
  EXPECT_TRUE(requests_.empty());
  EXPECT_TRUE(mails_.empty());
}

TEST_F(AccountUpkeepTest, FailureSendsThe4016NoticeWithTheProviderTextOnceADay) {
  add_account("2027-12-01T00:00:00Z");
  answer_ = json{{"ok", false},
                 {"error", "Creating the certificate failed (500). Provider: internal error (traceId t-1)"},
                 {"provider_message", "internal error"}};
  net::asio::io_context io;
  AccountUpkeep upkeep(io.get_executor(), deps());
  upkeep.logged_in(LoginSeen{"B-467654300.KVH@fd-a.kim.test", "Geheim.2027!", "smtp.fd-a.kim.test:4465", {}, "", {}});
  io.run();
  ASSERT_EQ(mails_.size(), 1u);
  EXPECT_EQ(mails_[0].address, "B-467654300.KVH@fd-a.kim.test");
  EXPECT_EQ(mails_[0].smtp_server, "smtp.fd-a.kim.test:4465");
  EXPECT_EQ(mails_[0].password, "Geheim.2027!");
  EXPECT_NE(mails_[0].mail.find("X-KIM-Fehlermeldung: 4016\r\n"), std::string::npos);
  EXPECT_NE(mails_[0].mail.find("Fehlertext: internal error\r\n"), std::string::npos);
  EXPECT_EQ(mails_[0].mail.find("Geheim"), std::string::npos);

  // Within the retry interval nothing is tried again.
  now_ += std::chrono::hours(1);
  upkeep.logged_in(LoginSeen{"B-467654300.KVH@fd-a.kim.test", "Geheim.2027!", "", {}, "", {}});
  io.restart();
  io.run();
  EXPECT_EQ(requests_.size(), 1u);

  // After it the renewal is tried again, but the notice waits for the next day.
  now_ += std::chrono::hours(6);
  upkeep.logged_in(LoginSeen{"B-467654300.KVH@fd-a.kim.test", "Geheim.2027!", "", {}, "", {}});
  io.restart();
  io.run();
  EXPECT_EQ(requests_.size(), 2u);
  EXPECT_EQ(mails_.size(), 1u);

  // A POP3 login (no SMTP server) the next day: the provider's SMTP server.
  now_ += std::chrono::hours(24);
  upkeep.logged_in(LoginSeen{"B-467654300.KVH@fd-a.kim.test", "Geheim.2027!", "", {}, "", {}});
  io.restart();
  io.run();
  ASSERT_EQ(mails_.size(), 2u);
  EXPECT_EQ(mails_[1].smtp_server, "fd-a.kim.test:465");
}

TEST_F(AccountUpkeepTest, WithoutAProviderTextTheNoticeSaysWhyThereWasNoAnswer) {
  add_account("2027-12-01T00:00:00Z");
  answer_ = json{{"ok", false}, {"error", "The Account Manager of fd-a.kim.test could not be reached"}};
  net::asio::io_context io;
  AccountUpkeep upkeep(io.get_executor(), deps());
  upkeep.logged_in(LoginSeen{"B-467654300.KVH@fd-a.kim.test", "pw", "", {}, "", {}});
  io.run();
  ASSERT_EQ(mails_.size(), 1u);
  EXPECT_NE(mails_[0].mail.find("Fehlertext: The Account Manager of fd-a.kim.test could not be reached\r\n"),
            std::string::npos);
}

}  // namespace
}  // namespace kimgate::daemon
