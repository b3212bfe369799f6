#pragma once
// SqliteTrackStore: the embedded TrackStore (daemon/track_sql.h) in one SQLite file under the
// state directory (mode 0600). WAL journal, synchronous=FULL (a Vorgang whose submission
// returned is on disk even after a power loss, not only after kill -9: docs/decisions.md,
// "Tracking (issue 18)"), one connection: one writer, no SQLITE_BUSY.
#include <filesystem>
#include <memory>

#include "daemon/track_sql.h"

struct sqlite3;

namespace kimgate::daemon {

class SqliteTrackStore final : public SqlTrackStore {
 public:
  // Opens (creates) the database; nullptr with a sentence in `error` on failure.
  static std::unique_ptr<SqliteTrackStore> open(const std::filesystem::path& file, std::string& error);
  ~SqliteTrackStore() override;
  SqliteTrackStore(const SqliteTrackStore&) = delete;
  SqliteTrackStore& operator=(const SqliteTrackStore&) = delete;

 protected:
  SqlResult run(const std::string& sql, const std::vector<SqlValue>& params) override;

 private:
  explicit SqliteTrackStore(sqlite3* db) : db_(db) {}

  sqlite3* db_;
};

}  // namespace kimgate::daemon
