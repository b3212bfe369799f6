#pragma once
// SqliteTrackStore: the embedded TrackStore (daemon/track_store.h) in one SQLite file under the
// state directory (mode 0600). WAL journal, synchronous=FULL (a Vorgang whose submission
// returned is on disk even after a power loss, not only after kill -9: docs/decisions.md,
// "Tracking (issue 18)"), one connection guarded by a mutex: one writer, no SQLITE_BUSY.
#include <filesystem>
#include <memory>
#include <mutex>

#include "daemon/track_store.h"

struct sqlite3;

namespace kimgate::daemon {

class SqliteTrackStore final : public TrackStore {
 public:
  // Opens (creates) the database; nullptr with a sentence in `error` on failure.
  static std::unique_ptr<SqliteTrackStore> open(const std::filesystem::path& file, std::string& error);
  ~SqliteTrackStore() override;
  SqliteTrackStore(const SqliteTrackStore&) = delete;
  SqliteTrackStore& operator=(const SqliteTrackStore&) = delete;

  std::optional<std::string> record_submission(const Submission& s) override;
  std::optional<Vorgang> record_answer(const std::string& account, const kim::AnswerFacts& answer,
                                       std::int64_t at) override;
  std::vector<Vorgang> list(const TrackQuery& query) override;
  std::vector<Vorgang> find(const std::string& id_or_message_id) override;
  std::vector<Vorgang> overdue(std::int64_t now, const std::string& account = "") override;
  std::vector<std::pair<Vorgang, NoticeReason>> notices_due(const std::string& account, std::int64_t now) override;
  void mark_noticed(std::int64_t id, NoticeReason reason, std::int64_t at) override;

 private:
  explicit SqliteTrackStore(sqlite3* db) : db_(db) {}
  std::optional<std::int64_t> match(const std::string& account, const kim::AnswerFacts& answer);

  std::mutex mutex_;
  sqlite3* db_;
};

}  // namespace kimgate::daemon
