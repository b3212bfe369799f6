#include "daemon/track_sqlite.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
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
    "CREATE INDEX IF NOT EXISTS vorgang_archive ON vorgang (account, archive);"
    "CREATE INDEX IF NOT EXISTS vorgang_open ON vorgang (status, deadline);"
    "PRAGMA user_version = 1;";

constexpr const char* kColumns =
    "SELECT id, message_id, account, service, dienstkennung, recipient, guid, archive, sent_at, deadline, status,"
    " vorgangsnummer, summary, received_at, answered_at, overdue_noticed_at, error_noticed_at FROM vorgang ";

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// One prepared statement; finalized on scope exit.
class Stmt {
 public:
  Stmt(sqlite3* db, const std::string& sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK) {
      stmt_ = nullptr;
    }
  }
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  bool ok() const { return stmt_ != nullptr; }
  Stmt& text(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& integer(int i, std::int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Stmt& optional(int i, const std::optional<std::int64_t>& v) {
    if (v) {
      sqlite3_bind_int64(stmt_, i, *v);
    } else {
      sqlite3_bind_null(stmt_, i);
    }
    return *this;
  }
  int step() { return stmt_ == nullptr ? SQLITE_ERROR : sqlite3_step(stmt_); }
  std::string col_text(int i) const {
    const auto* p = sqlite3_column_text(stmt_, i);
    return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p));
  }
  std::int64_t col_int(int i) const { return sqlite3_column_int64(stmt_, i); }
  bool col_null(int i) const { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }
  std::string error() const { return sqlite3_errmsg(db_); }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

Vorgang read_row(const Stmt& s) {
  Vorgang v;
  v.id = s.col_int(0);
  v.submission.message_id = s.col_text(1);
  v.submission.account = s.col_text(2);
  v.submission.service = s.col_text(3);
  v.submission.dienstkennung = s.col_text(4);
  v.submission.recipient = s.col_text(5);
  v.submission.guid = s.col_text(6);
  v.submission.archive = s.col_text(7);
  v.submission.sent_at = s.col_int(8);
  if (!s.col_null(9)) {
    v.submission.deadline = s.col_int(9);
  }
  v.status = track_status_from(s.col_text(10)).value_or(TrackStatus::sent);
  v.vorgangsnummer = s.col_text(11);
  v.summary = s.col_text(12);
  v.received_at = s.col_int(13);
  v.answered_at = s.col_int(14);
  v.overdue_noticed_at = s.col_int(15);
  v.error_noticed_at = s.col_int(16);
  return v;
}

std::vector<Vorgang> rows(Stmt& s) {
  std::vector<Vorgang> out;
  while (s.step() == SQLITE_ROW) {
    out.push_back(read_row(s));
  }
  return out;
}

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

std::string_view to_string(TrackStatus s) {
  switch (s) {
    case TrackStatus::sent:
      return "sent";
    case TrackStatus::received:
      return "received";
    case TrackStatus::ok:
      return "OK";
    case TrackStatus::warning:
      return "WARNING";
    case TrackStatus::error:
      return "ERROR";
  }
  return "sent";
}

std::optional<TrackStatus> track_status_from(std::string_view s) {
  for (TrackStatus t :
       {TrackStatus::sent, TrackStatus::received, TrackStatus::ok, TrackStatus::warning, TrackStatus::error}) {
    if (to_string(t) == s) {
      return t;
    }
  }
  return std::nullopt;
}

std::optional<std::int64_t> match_in_order(
    const kim::AnswerFacts& answer,
    const std::function<std::optional<std::int64_t>(MatchKey, const std::string&)>& first) {
  for (const auto& [key, values] :
       {std::pair{MatchKey::message_id, &answer.message_ids}, std::pair{MatchKey::guid, &answer.guids},
        std::pair{MatchKey::archive, &answer.archives}}) {
    for (const std::string& value : *values) {
      if (std::optional<std::int64_t> found = first(key, value)) {
        return found;
      }
    }
  }
  return std::nullopt;
}

FindKey find_key(const std::string& id_or_message_id) {
  FindKey k;
  const bool numeric = !id_or_message_id.empty() && id_or_message_id.size() < 19 &&
                       std::all_of(id_or_message_id.begin(), id_or_message_id.end(),
                                   [](unsigned char c) { return std::isdigit(c) != 0; });
  if (numeric) {
    k.id = std::stoll(id_or_message_id);
    return k;
  }
  k.message_id = id_or_message_id;
  if (!k.message_id.empty() && k.message_id.front() != '<') {
    k.message_id = "<" + k.message_id + ">";
  }
  return k;
}

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

std::optional<std::string> SqliteTrackStore::record_submission(const Submission& s) {
  const std::lock_guard lock(mutex_);
  Stmt st(db_,
          "INSERT OR IGNORE INTO vorgang (message_id, account, service, dienstkennung, recipient, guid, archive,"
          " sent_at, deadline) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  if (!st.ok()) {
    return "tracking database: " + st.error();
  }
  st.text(1, s.message_id)
      .text(2, lower(s.account))
      .text(3, s.service)
      .text(4, s.dienstkennung)
      .text(5, lower(s.recipient))
      .text(6, lower(s.guid))
      .text(7, s.archive)
      .integer(8, s.sent_at)
      .optional(9, s.deadline);
  if (st.step() != SQLITE_DONE) {
    return "tracking database: " + st.error();
  }
  return std::nullopt;
}

std::optional<std::int64_t> SqliteTrackStore::match(const std::string& account, const kim::AnswerFacts& answer) {
  return match_in_order(
      answer, [this, &account](MatchKey key, const std::string& value) -> std::optional<std::int64_t> {
        const char* where = key == MatchKey::message_id ? "message_id = ?2"
                            : key == MatchKey::guid     ? "guid = ?2 AND guid <> ''"
                                                        : "archive = ?2 COLLATE NOCASE AND archive <> ''";
        Stmt st(db_,
                std::string("SELECT id FROM vorgang WHERE account = ?1 AND ") + where + " ORDER BY id DESC LIMIT 1");
        st.text(1, account).text(2, value);
        if (st.step() == SQLITE_ROW) {
          return st.col_int(0);
        }
        return std::nullopt;
      });
}

std::optional<Vorgang> SqliteTrackStore::record_answer(const std::string& account, const kim::AnswerFacts& answer,
                                                       std::int64_t at) {
  if (answer.kind == kim::AnswerKind::none) {
    return std::nullopt;
  }
  const std::lock_guard lock(mutex_);
  const std::string who = lower(account);
  const std::optional<std::int64_t> id = match(who, answer);
  if (!id) {
    return std::nullopt;
  }
  const bool has_result = answer.result != kim::TrackResult::none;
  // An Eingangsbestätigung moves sent -> received; a result (OK/WARNING/ERROR) is final, and a
  // later protocol replaces an earlier one (a corrected Rückprotokoll).
  const std::string sql = has_result ? "UPDATE vorgang SET status = ?2, vorgangsnummer = ?3, summary = ?4,"
                                       " answered_at = ?5, received_at = CASE received_at WHEN 0 THEN ?5"
                                       " ELSE received_at END WHERE id = ?1"
                                     : "UPDATE vorgang SET status = CASE status WHEN 'sent' THEN 'received'"
                                       " ELSE status END, received_at = CASE received_at WHEN 0 THEN ?5"
                                       " ELSE received_at END WHERE id = ?1";
  Stmt st(db_, sql);
  st.integer(1, *id).integer(5, at);
  if (has_result) {
    st.text(2, std::string(kim::to_string(answer.result))).text(3, answer.vorgangsnummer).text(4, answer.summary);
  }
  if (st.step() != SQLITE_DONE) {
    spdlog::error("event=track_store_failed op=answer reason=\"{}\"", st.error());
    return std::nullopt;
  }
  Stmt again(db_, std::string(kColumns) + "WHERE id = ?1");
  again.integer(1, *id);
  std::vector<Vorgang> found = rows(again);
  if (found.empty()) {
    return std::nullopt;
  }
  return found.front();
}

std::vector<Vorgang> SqliteTrackStore::list(const TrackQuery& query) {
  const std::lock_guard lock(mutex_);
  Stmt st(db_, std::string(kColumns) + "WHERE (?1 = '' OR account = ?1) ORDER BY id DESC LIMIT ?2");
  st.text(1, lower(query.account)).integer(2, static_cast<std::int64_t>(query.limit));
  return rows(st);
}

std::vector<Vorgang> SqliteTrackStore::find(const std::string& id_or_message_id) {
  const std::lock_guard lock(mutex_);
  const FindKey key = find_key(id_or_message_id);
  if (key.id) {
    Stmt st(db_, std::string(kColumns) + "WHERE id = ?1");
    st.integer(1, *key.id);
    return rows(st);
  }
  Stmt st(db_, std::string(kColumns) + "WHERE message_id = ?1 ORDER BY id");
  st.text(1, key.message_id);
  return rows(st);
}

std::vector<Vorgang> SqliteTrackStore::overdue(std::int64_t now, const std::string& account) {
  const std::lock_guard lock(mutex_);
  Stmt st(db_, std::string(kColumns) +
                   "WHERE status IN ('sent', 'received') AND deadline IS NOT NULL AND deadline < ?1"
                   " AND (?2 = '' OR account = ?2) ORDER BY deadline, id");
  st.integer(1, now).text(2, lower(account));
  return rows(st);
}

std::vector<std::pair<Vorgang, NoticeReason>> SqliteTrackStore::notices_due(const std::string& account,
                                                                            std::int64_t now) {
  const std::lock_guard lock(mutex_);
  Stmt st(db_, std::string(kColumns) +
                   "WHERE account = ?1 AND ((status IN ('sent', 'received') AND deadline IS NOT NULL"
                   " AND deadline < ?2 AND overdue_noticed_at = 0) OR (status = 'ERROR' AND error_noticed_at = 0))"
                   " ORDER BY id LIMIT 100");
  st.text(1, lower(account)).integer(2, now);
  std::vector<std::pair<Vorgang, NoticeReason>> out;
  for (Vorgang& v : rows(st)) {
    const NoticeReason why = v.status == TrackStatus::error ? NoticeReason::error : NoticeReason::overdue;
    out.emplace_back(std::move(v), why);
  }
  return out;
}

void SqliteTrackStore::mark_noticed(std::int64_t id, NoticeReason reason, std::int64_t at) {
  const std::lock_guard lock(mutex_);
  Stmt st(db_, reason == NoticeReason::error ? "UPDATE vorgang SET error_noticed_at = ?2 WHERE id = ?1"
                                             : "UPDATE vorgang SET overdue_noticed_at = ?2 WHERE id = ?1");
  st.integer(1, id).integer(2, at);
  if (st.step() != SQLITE_DONE) {
    spdlog::error("event=track_store_failed op=mark_noticed reason=\"{}\"", st.error());
  }
}

}  // namespace kimgate::daemon
