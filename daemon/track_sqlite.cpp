#include "daemon/track_sqlite.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kimgate::daemon {

namespace {

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS vorgang ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " message_id TEXT NOT NULL,"
    " account TEXT NOT NULL,"
    " service TEXT NOT NULL,"
    " dienstkennung TEXT NOT NULL DEFAULT '',"
    " recipient TEXT NOT NULL,"
    " guid TEXT NOT NULL DEFAULT '',"
    " archive TEXT NOT NULL DEFAULT '',"
    " sent_at INTEGER NOT NULL,"
    " deadline INTEGER,"
    " status TEXT NOT NULL DEFAULT 'sent',"
    " vorgangsnummer TEXT NOT NULL DEFAULT '',"
    " summary TEXT NOT NULL DEFAULT '',"
    " received_at INTEGER NOT NULL DEFAULT 0,"
    " answered_at INTEGER NOT NULL DEFAULT 0,"
    " overdue_noticed_at INTEGER NOT NULL DEFAULT 0,"
    " error_noticed_at INTEGER NOT NULL DEFAULT 0,"
    " UNIQUE (account, message_id, recipient));"
    "CREATE INDEX IF NOT EXISTS vorgang_guid ON vorgang (account, guid);"
    "DROP INDEX IF EXISTS vorgang_archive;"
    "CREATE INDEX IF NOT EXISTS vorgang_archive_ci ON vorgang (account, lower(archive));"
    "CREATE INDEX IF NOT EXISTS vorgang_open ON vorgang (status, deadline);"
    "PRAGMA user_version = 1;";

bool exec(sqlite3* db, const char* sql, std::string& error) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    error = message != nullptr ? message : sqlite3_errmsg(db);
    sqlite3_free(message);
    return false;
  }
  return true;
}

}  // namespace

std::unique_ptr<SqliteTrackStore> SqliteTrackStore::open(const std::filesystem::path& file, std::string& error) {
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  // Created 0600 before SQLite writes to it; the -wal and -shm files inherit the mode.
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    error = "cannot create the tracking database \"" + file.string() + "\": " + std::strerror(errno);
    return nullptr;
  }
  ::fchmod(fd, 0600);
  ::close(fd);
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr) !=
      SQLITE_OK) {
    error = "cannot open the tracking database \"" + file.string() + "\": " + sqlite3_errmsg(db);
    sqlite3_close(db);
    return nullptr;
  }
  sqlite3_busy_timeout(db, 5000);
  std::unique_ptr<SqliteTrackStore> store(new SqliteTrackStore(db));
  if (!exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", error) ||
      !exec(db, kSchema, error)) {
    error = "the tracking database \"" + file.string() + "\" is unusable: " + error;
    return nullptr;
  }
  return store;
}

SqliteTrackStore::~SqliteTrackStore() {
  sqlite3_close(db_);
}

SqlResult SqliteTrackStore::run(const std::string& sql, const std::vector<SqlValue>& params) {
  SqlResult out;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &stmt, nullptr) != SQLITE_OK) {
    out.error = sqlite3_errmsg(db_);
    sqlite3_finalize(stmt);
    return out;
  }
  for (std::size_t i = 0; i < params.size(); ++i) {
    // "$1".. are named parameters to SQLite: bound by name, wherever they stand.
    const int at = sqlite3_bind_parameter_index(stmt, ("$" + std::to_string(i + 1)).c_str());
    if (at == 0) {
      continue;
    }
    if (const auto* n = std::get_if<std::int64_t>(&params[i])) {
      sqlite3_bind_int64(stmt, at, *n);
    } else if (const auto* t = std::get_if<std::string>(&params[i])) {
      sqlite3_bind_text(stmt, at, t->data(), static_cast<int>(t->size()), SQLITE_TRANSIENT);
    } else {
      sqlite3_bind_null(stmt, at);
    }
  }
  int step = SQLITE_ROW;
  while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
    SqlRow row;
    for (int c = 0; c < sqlite3_column_count(stmt); ++c) {
      // The type first: after sqlite3_column_text converted a value, its type is undefined.
      if (sqlite3_column_type(stmt, c) == SQLITE_NULL) {
        row.emplace_back(std::nullopt);
        continue;
      }
      const auto* text = sqlite3_column_text(stmt, c);
      row.emplace_back(text == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(text)));
    }
    out.rows.push_back(std::move(row));
  }
  if (step != SQLITE_DONE) {
    out.error = sqlite3_errmsg(db_);
  }
  sqlite3_finalize(stmt);
  return out;
}

}  // namespace kimgate::daemon
