// TrackNotices at PVS logins (issue 18): an overdue Vorgang becomes one notice, sealed with the
// login's KonnektorId and call context, from and to the account, and sent through its provider;
// a notice that cannot be sealed is not sent in plain and stays due for the next login; after a
// sent one the Vorgang is not announced again.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "daemon/track_hooks.h"
#include "daemon/track_sqlite.h"

namespace kimgate::daemon {
namespace {

namespace fs = std::filesystem;

class TrackNoticesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("kimgate-notices-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::string error;
    store_ = SqliteTrackStore::open(dir_ / "track.sqlite", error);
    ASSERT_NE(store_, nullptr) << error;
    Submission s;
    s.message_id = "<silent@pvs.test>";
    s.account = kAddress;
    s.service = "1click";
    s.dienstkennung = "1ClickAbrechnung;Lieferung;V2.0";
    s.recipient = "annahme@kv-hessen.kim.test";
    s.sent_at = 1000;
    s.deadline = 2000;
    ASSERT_FALSE(store_->record_submission(s).has_value());
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }

  TrackNoticeDeps deps() {
    TrackNoticeDeps d;
    d.store = store_.get();
    d.seal = [this](std::string konnektor_id, konnektor::CallContext context, smtp::Envelope envelope,
                    std::string mail) -> net::awaitable<SealedMail> {
      seals_.push_back(Seal{konnektor_id, context, envelope, mail});
      SealedMail out;
      if (seal_fails_) {
        out.refusal = smtp::Answer{451, "4.7.0", "No SMC-B is available to sign for this call context"};
      } else {
        out.outgoing.kim_message.message = "X-KOM-LE-Version: 1.0\r\n\r\nsealed";
      }
      co_return out;
    };
    d.send = [this](OwnMail mail) -> net::awaitable<std::string> {
      mails_.push_back(mail);
      co_return std::string();
    };
    d.smtp_server_of = [](const std::string& domain) { return domain + ":465"; };
    d.now = [] { return std::int64_t{5000}; };
    return d;
  }

  void login(TrackNotices& notices) {
    net::asio::io_context io;
    LoginSeen seen{kAddress, "Geheim.2027!", "", {}, "konn2", konnektor::CallContext{"m1", "cs1", "wp1", "u1"}};
    net::asio::co_spawn(io, notices.run(seen), net::asio::detached);
    io.run();
  }

  struct Seal {
    std::string konnektor_id;
    konnektor::CallContext context;
    smtp::Envelope envelope;
    std::string mail;
  };
  static constexpr const char* kAddress = "praxis.a@fd-a.kim.test";
  fs::path dir_;
  std::unique_ptr<SqliteTrackStore> store_;
  bool seal_fails_ = false;
  std::vector<Seal> seals_;
  std::vector<OwnMail> mails_;
};

TEST_F(TrackNoticesTest, OverdueVorgangIsSealedWithTheLoginsContextAndSentOnce) {
  net::asio::io_context io;
  TrackNotices notices(io.get_executor(), deps());
  login(notices);
  ASSERT_EQ(seals_.size(), 1U);
  EXPECT_EQ(seals_[0].konnektor_id, "konn2");
  EXPECT_EQ(seals_[0].context.mandant_id, "m1");
  EXPECT_EQ(seals_[0].context.client_system_id, "cs1");
  EXPECT_EQ(seals_[0].context.workplace_id, "wp1");
  EXPECT_EQ(seals_[0].envelope.mail_from, kAddress);
  ASSERT_EQ(seals_[0].envelope.recipients.size(), 1U);
  EXPECT_EQ(seals_[0].envelope.recipients[0].address, kAddress);
  EXPECT_NE(seals_[0].mail.find("<silent@pvs.test>"), std::string::npos);
  ASSERT_EQ(mails_.size(), 1U);
  EXPECT_EQ(mails_[0].mail, "X-KOM-LE-Version: 1.0\r\n\r\nsealed");  // the KIM message, not the notice text
  EXPECT_EQ(mails_[0].smtp_server, "fd-a.kim.test:465");
  EXPECT_EQ(mails_[0].password, "Geheim.2027!");
  login(notices);
  EXPECT_EQ(seals_.size(), 1U) << "announced once";
  EXPECT_EQ(mails_.size(), 1U);
}

TEST_F(TrackNoticesTest, ANoticeThatCannotBeSealedIsNotSentAndStaysDue) {
  net::asio::io_context io;
  TrackNotices notices(io.get_executor(), deps());
  seal_fails_ = true;
  login(notices);
  EXPECT_EQ(seals_.size(), 1U);
  EXPECT_TRUE(mails_.empty()) << "never in plain";
  ASSERT_EQ(store_->find("<silent@pvs.test>").size(), 1U);
  EXPECT_EQ(store_->find("<silent@pvs.test>")[0].overdue_noticed_at, 0) << "the claim was given back: due again";
  seal_fails_ = false;
  login(notices);  // a later login, e.g. with a context whose SMC-B can sign
  EXPECT_EQ(seals_.size(), 2U);
  EXPECT_EQ(mails_.size(), 1U);
  EXPECT_EQ(store_->find("<silent@pvs.test>")[0].overdue_noticed_at, 5000) << "announced";
}

}  // namespace
}  // namespace kimgate::daemon
