// The TrackStore contract, on SqliteTrackStore with a temporary file and (built as
// track_postgres_test, KIMGATE_TRACK_POSTGRES) on PostgresTrackStore with a private PostgreSQL
// cluster that tests/world/lib/postgres.py starts: a submission recorded and found again by id
// and by Message-ID, the status path sent -> received -> WARNING with Vorgangsnummer and summary,
// matching by GUID and archive name only within the account, duplicates ignored, overdue and
// notice bookkeeping, the SQLite file's mode 0600, and a second open of the same store (restart).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#ifdef KIMGATE_TRACK_POSTGRES
#include <libpq-fe.h>

#include "daemon/track_postgres.h"
#else
#include "daemon/track_sqlite.h"
#endif

namespace kimgate::daemon {
namespace {

class TrackStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("track-test-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
#ifdef KIMGATE_TRACK_POSTGRES
    const char* conninfo = std::getenv("KIMGATE_TEST_POSTGRES");
    ASSERT_NE(conninfo, nullptr) << "run through tests/world/lib/postgres.py run, which starts PostgreSQL";
    PGconn* admin = PQconnectdb((std::string(conninfo) + " password=" + password()).c_str());
    ASSERT_EQ(PQstatus(admin), CONNECTION_OK) << PQerrorMessage(admin);
    PQclear(PQexec(admin, "DROP TABLE IF EXISTS vorgang"));  // each test starts empty
    PQfinish(admin);
#endif
    store_ = open_store();
    ASSERT_NE(store_, nullptr);
  }
#ifdef KIMGATE_TRACK_POSTGRES
  static std::string password() {
    const char* p = std::getenv("KIMGATE_TEST_POSTGRES_PASSWORD");
    return p == nullptr ? "" : p;
  }
  std::unique_ptr<TrackStore> open_store() {
    std::string error;
    auto store = PostgresTrackStore::open(std::getenv("KIMGATE_TEST_POSTGRES"), password(), error);
    EXPECT_NE(store, nullptr) << error;
    return store;
  }
#else
  std::unique_ptr<TrackStore> open_store() {
    std::string error;
    auto store = SqliteTrackStore::open(dir_ / "track.sqlite", error);
    EXPECT_NE(store, nullptr) << error;
    return store;
  }
#endif
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  static Submission submission(std::string id, std::string service = "1click") {
    Submission s;
    s.message_id = std::move(id);
    s.account = "Praxis@fd-a.kim.test";
    s.service = std::move(service);
    s.dienstkennung = "1ClickAbrechnung;Lieferung;V2.0";
    s.recipient = "annahme@kv-no.kim.test";
    s.sent_at = 1000;
    s.deadline = 1000 + 86400;
    return s;
  }
  std::filesystem::path dir_;
  std::unique_ptr<TrackStore> store_;
};

TEST_F(TrackStoreTest, SubmissionIsRecordedOnceAndFoundByIdAndMessageId) {
  ASSERT_FALSE(store_->record_submission(submission("<m1@x>")).has_value());
  ASSERT_FALSE(store_->record_submission(submission("<m1@x>")).has_value());  // a retry: ignored
  const auto all = store_->list(TrackQuery{});
  ASSERT_EQ(all.size(), 1U);
  EXPECT_EQ(all[0].submission.account, "praxis@fd-a.kim.test");
  EXPECT_EQ(all[0].status, TrackStatus::sent);
  EXPECT_EQ(store_->find(std::to_string(all[0].id)).size(), 1U);
  EXPECT_EQ(store_->find("m1@x").size(), 1U);
  EXPECT_EQ(store_->find("<m1@x>").size(), 1U);
  EXPECT_TRUE(store_->find("<nope@x>").empty());
#ifndef KIMGATE_TRACK_POSTGRES
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "track.sqlite").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
#endif
}

TEST_F(TrackStoreTest, MdnThenProtocolMovesTheStatusAndKeepsTheAnswerTimes) {
  ASSERT_FALSE(store_->record_submission(submission("<m2@x>")).has_value());
  kim::AnswerFacts mdn;
  mdn.kind = kim::AnswerKind::mdn;
  mdn.message_ids = {"<m2@x>"};
  auto v = store_->record_answer("praxis@fd-a.kim.test", mdn, 1100);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->status, TrackStatus::received);
  EXPECT_EQ(v->received_at, 1100);
  kim::AnswerFacts protocol;
  protocol.kind = kim::AnswerKind::protocol;
  protocol.message_ids = {"<m2@x>"};
  protocol.result = kim::TrackResult::warning;
  protocol.vorgangsnummer = "2024-000123";
  protocol.summary = "korrigiert";
  v = store_->record_answer("PRAXIS@fd-a.kim.test", protocol, 1200);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->status, TrackStatus::warning);
  EXPECT_EQ(v->vorgangsnummer, "2024-000123");
  EXPECT_EQ(v->summary, "korrigiert");
  EXPECT_EQ(v->received_at, 1100);
  EXPECT_EQ(v->answered_at, 1200);
  // A late MDN does not take a final status back.
  v = store_->record_answer("praxis@fd-a.kim.test", mdn, 1300);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->status, TrackStatus::warning);
}

TEST_F(TrackStoreTest, GuidAndArchiveMatchOnlyWithinTheAccount) {
  Submission a = submission("<m3@x>");
  a.guid = "3F2504E0-4F89-11D3-9A0C-0305E82C3301";
  ASSERT_FALSE(store_->record_submission(a).has_value());
  Submission b = submission("<m4@x>", "edoku-qshlt");
  b.archive = "ABC_2024Q1.zip.xkm";
  ASSERT_FALSE(store_->record_submission(b).has_value());
  kim::AnswerFacts by_guid;
  by_guid.kind = kim::AnswerKind::protocol;
  by_guid.guids = {"3f2504e0-4f89-11d3-9a0c-0305e82c3301"};
  by_guid.result = kim::TrackResult::ok;
  EXPECT_FALSE(store_->record_answer("other@fd-a.kim.test", by_guid, 1100).has_value());
  auto v = store_->record_answer("praxis@fd-a.kim.test", by_guid, 1100);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->submission.message_id, "<m3@x>");
  EXPECT_EQ(v->status, TrackStatus::ok);
  kim::AnswerFacts by_archive;
  by_archive.kind = kim::AnswerKind::protocol;
  by_archive.archives = {"abc_2024q1.ZIP.XKM"};
  by_archive.result = kim::TrackResult::error;
  v = store_->record_answer("praxis@fd-a.kim.test", by_archive, 1200);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->submission.message_id, "<m4@x>");
  EXPECT_EQ(v->status, TrackStatus::error);
  kim::AnswerFacts none;
  EXPECT_FALSE(store_->record_answer("praxis@fd-a.kim.test", none, 1300).has_value());
}

TEST_F(TrackStoreTest, OverdueAndNoticesOncePerVorgang) {
  Submission late = submission("<late@x>");
  late.deadline = 2000;
  ASSERT_FALSE(store_->record_submission(late).has_value());
  Submission eau = submission("<eau@x>", "eau");
  eau.deadline.reset();
  ASSERT_FALSE(store_->record_submission(eau).has_value());
  EXPECT_TRUE(store_->overdue(1999).empty());
  const auto overdue = store_->overdue(2001);
  ASSERT_EQ(overdue.size(), 1U);
  EXPECT_EQ(overdue[0].submission.message_id, "<late@x>");
  EXPECT_TRUE(overdue[0].overdue(2001));

  kim::AnswerFacts refused;
  refused.kind = kim::AnswerKind::eau_error;
  refused.message_ids = {"<eau@x>"};
  refused.result = kim::TrackResult::error;
  ASSERT_TRUE(store_->record_answer("praxis@fd-a.kim.test", refused, 1500).has_value());

  const std::string account = "praxis@fd-a.kim.test";
  auto due = store_->claim_notices(account, 2001, 900);
  ASSERT_EQ(due.size(), 2U);
  EXPECT_EQ(due[0].first.submission.message_id, "<late@x>");
  EXPECT_EQ(due[0].second, NoticeReason::overdue);
  EXPECT_EQ(due[1].first.submission.message_id, "<eau@x>");
  EXPECT_EQ(due[1].second, NoticeReason::error);
  // A second instance sharing the store finds them claimed, until the lease is over.
  auto other = open_store();
  ASSERT_NE(other, nullptr);
  EXPECT_TRUE(other->claim_notices(account, 2002, 900).empty());
  EXPECT_TRUE(store_->claim_notices(account, 2901, 900).empty());
  // A claim given back is due again at once; a release of someone else's claim changes nothing.
  store_->release_notice(due[0].first.id, due[0].second, 2001);
  store_->release_notice(due[1].first.id, due[1].second, 1999);
  auto again = other->claim_notices(account, 2003, 900);
  ASSERT_EQ(again.size(), 1U);
  EXPECT_EQ(again[0].first.submission.message_id, "<late@x>");
  other->mark_noticed(again[0].first.id, again[0].second, 2004);
  // The claim whose instance died is taken over after the lease; a sent notice never comes back.
  auto taken_over = other->claim_notices(account, 2902, 900);
  ASSERT_EQ(taken_over.size(), 1U);
  EXPECT_EQ(taken_over[0].first.submission.message_id, "<eau@x>");
  store_->mark_noticed(taken_over[0].first.id, taken_over[0].second, 2903);
  EXPECT_TRUE(store_->claim_notices(account, 9000, 900).empty());
}

TEST_F(TrackStoreTest, ASecondOpenSeesWhatTheFirstCommitted) {
  ASSERT_FALSE(store_->record_submission(submission("<m5@x>")).has_value());
  auto again = open_store();
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->find("<m5@x>").size(), 1U);
}

}  // namespace
}  // namespace kimgate::daemon
