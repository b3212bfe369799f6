#include "daemon/track_postgres.h"

#include <libpq-fe.h>
#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

namespace kimgate::daemon {

namespace {

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS vorgang ("
    " id BIGSERIAL PRIMARY KEY,"
    " message_id TEXT NOT NULL,"
    " account TEXT NOT NULL,"
    " service TEXT NOT NULL,"
    " dienstkennung TEXT NOT NULL DEFAULT '',"
    " recipient TEXT NOT NULL,"
    " guid TEXT NOT NULL DEFAULT '',"
    " archive TEXT NOT NULL DEFAULT '',"
    " sent_at BIGINT NOT NULL,"
    " deadline BIGINT,"
    " status TEXT NOT NULL DEFAULT 'sent',"
    " vorgangsnummer TEXT NOT NULL DEFAULT '',"
    " summary TEXT NOT NULL DEFAULT '',"
    " received_at BIGINT NOT NULL DEFAULT 0,"
    " answered_at BIGINT NOT NULL DEFAULT 0,"
    " overdue_noticed_at BIGINT NOT NULL DEFAULT 0,"
    " error_noticed_at BIGINT NOT NULL DEFAULT 0,"
    " UNIQUE (account, message_id, recipient));"
    "CREATE INDEX IF NOT EXISTS vorgang_guid ON vorgang (account, guid);"
    "CREATE INDEX IF NOT EXISTS vorgang_archive ON vorgang (account, lower(archive));"
    "CREATE INDEX IF NOT EXISTS vorgang_open ON vorgang (status, deadline);";

// Any number, so that two instances creating the schema at once take turns.
constexpr const char* kSchemaLock = "SELECT pg_advisory_lock(7311470)";
constexpr const char* kSchemaUnlock = "SELECT pg_advisory_unlock(7311470)";

constexpr const char* kColumns =
    "SELECT id, message_id, account, service, dienstkennung, recipient, guid, archive, sent_at, deadline, status,"
    " vorgangsnummer, summary, received_at, answered_at, overdue_noticed_at, error_noticed_at FROM vorgang ";
constexpr const char* kReturning =
    " RETURNING id, message_id, account, service, dienstkennung, recipient, guid, archive, sent_at, deadline, status,"
    " vorgangsnummer, summary, received_at, answered_at, overdue_noticed_at, error_noticed_at";

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string num(std::int64_t v) {
  return std::to_string(v);
}

std::int64_t to_int(const char* s) {
  return s == nullptr || *s == '\0' ? 0 : std::stoll(s);
}

pg_conn* connect(const std::string& conninfo, const std::string& password, std::string& error) {
  const char* keys[] = {"dbname", "password", "connect_timeout", "application_name", nullptr};
  const char* values[] = {conninfo.c_str(), password.empty() ? nullptr : password.c_str(), "10", "kimgated", nullptr};
  // expand_dbname = 1: `dbname` carries the whole connection string; the password is kept apart.
  pg_conn* conn = PQconnectdbParams(keys, values, 1);
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    error = conn == nullptr ? "out of memory" : PQerrorMessage(conn);
    while (!error.empty() && (error.back() == '\n' || error.back() == ' ')) {
      error.pop_back();
    }
    PQfinish(conn);
    return nullptr;
  }
  // The server's NOTICEs ("relation already exists, skipping") go to the debug log, not stderr.
  PQsetNoticeProcessor(
      conn, [](void*, const char* message) { spdlog::debug("event=track_store_notice text=\"{}\"", message); },
      nullptr);
  return conn;
}

}  // namespace

// A PGresult, cleared on scope exit.
struct PostgresTrackStore::Result {
  pg_result* res = nullptr;
  std::string error;
  explicit Result(pg_result* r = nullptr) : res(r) {}
  Result(Result&& o) noexcept : res(std::exchange(o.res, nullptr)), error(std::move(o.error)) {}
  Result& operator=(Result&&) = delete;
  ~Result() { PQclear(res); }
  bool ok() const {
    const ExecStatusType s = res == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(res);
    return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
  }
};

std::unique_ptr<PostgresTrackStore> PostgresTrackStore::open(const std::string& conninfo, const std::string& password,
                                                             std::string& error) {
  pg_conn* conn = connect(conninfo, password, error);
  if (conn == nullptr) {
    error = "cannot connect to the tracking database (PostgreSQL): " + error;
    return nullptr;
  }
  std::unique_ptr<PostgresTrackStore> store(new PostgresTrackStore(conn, conninfo, password));
  for (const char* sql : {kSchemaLock, kSchema, kSchemaUnlock}) {
    Result r = store->exec(sql, {});
    if (!r.ok()) {
      error = "the tracking database (PostgreSQL) is unusable: " + r.error;
      return nullptr;
    }
  }
  return store;
}

PostgresTrackStore::~PostgresTrackStore() {
  PQfinish(conn_);
  OPENSSL_cleanse(password_.data(), password_.size());
}

PostgresTrackStore::Result PostgresTrackStore::exec(const std::string& sql,
                                                    const std::vector<std::optional<std::string>>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) {
    values.push_back(p ? p->c_str() : nullptr);
  }
  for (int attempt = 0;; ++attempt) {
    if (conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK) {
      std::string why;
      PQfinish(conn_);
      conn_ = connect(conninfo_, password_, why);
      if (conn_ == nullptr) {
        Result failed;
        failed.error = "cannot reconnect: " + why;
        return failed;
      }
      spdlog::info("event=track_store_reconnected");
    }
    // Without parameters PQexec, which also takes several statements (the schema).
    Result r(values.empty() ? PQexec(conn_, sql.c_str())
                            : PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                                           nullptr, nullptr, 0));
    if (r.ok()) {
      return r;
    }
    r.error = PQerrorMessage(conn_);
    while (!r.error.empty() && (r.error.back() == '\n' || r.error.back() == ' ')) {
      r.error.pop_back();
    }
    if (attempt == 0 && PQstatus(conn_) != CONNECTION_OK) {
      continue;  // the server went away (restart, failover): once more on a new connection
    }
    return r;
  }
}

std::vector<Vorgang> PostgresTrackStore::rows(const std::string& sql,
                                              const std::vector<std::optional<std::string>>& params) {
  Result r = exec(sql, params);
  std::vector<Vorgang> out;
  if (!r.ok()) {
    spdlog::error("event=track_store_failed backend=postgresql reason=\"{}\"", r.error);
    return out;
  }
  const int n = PQntuples(r.res);
  for (int i = 0; i < n; ++i) {
    const auto text = [&](int c) { return std::string(PQgetvalue(r.res, i, c)); };
    const auto integer = [&](int c) { return to_int(PQgetvalue(r.res, i, c)); };
    Vorgang v;
    v.id = integer(0);
    v.submission.message_id = text(1);
    v.submission.account = text(2);
    v.submission.service = text(3);
    v.submission.dienstkennung = text(4);
    v.submission.recipient = text(5);
    v.submission.guid = text(6);
    v.submission.archive = text(7);
    v.submission.sent_at = integer(8);
    if (PQgetisnull(r.res, i, 9) == 0) {
      v.submission.deadline = integer(9);
    }
    v.status = track_status_from(text(10)).value_or(TrackStatus::sent);
    v.vorgangsnummer = text(11);
    v.summary = text(12);
    v.received_at = integer(13);
    v.answered_at = integer(14);
    v.overdue_noticed_at = integer(15);
    v.error_noticed_at = integer(16);
    out.push_back(std::move(v));
  }
  return out;
}

std::optional<std::string> PostgresTrackStore::record_submission(const Submission& s) {
  const std::lock_guard lock(mutex_);
  Result r = exec(
      "INSERT INTO vorgang (message_id, account, service, dienstkennung, recipient, guid, archive, sent_at, deadline)"
      " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (account, message_id, recipient) DO NOTHING",
      {s.message_id, lower(s.account), s.service, s.dienstkennung, lower(s.recipient), lower(s.guid), s.archive,
       num(s.sent_at), s.deadline ? std::optional<std::string>(num(*s.deadline)) : std::nullopt});
  if (!r.ok()) {
    return "tracking database (PostgreSQL): " + r.error;
  }
  return std::nullopt;
}

std::optional<std::int64_t> PostgresTrackStore::match(const std::string& account, const kim::AnswerFacts& answer) {
  return match_in_order(
      answer, [this, &account](MatchKey key, const std::string& value) -> std::optional<std::int64_t> {
        const char* where = key == MatchKey::message_id ? "message_id = $2"
                            : key == MatchKey::guid     ? "guid = $2 AND guid <> ''"
                                                        : "lower(archive) = lower($2) AND archive <> ''";
        Result r =
            exec(std::string("SELECT id FROM vorgang WHERE account = $1 AND ") + where + " ORDER BY id DESC LIMIT 1",
                 {account, value});
        if (r.ok() && PQntuples(r.res) > 0) {
          return to_int(PQgetvalue(r.res, 0, 0));
        }
        return std::nullopt;
      });
}

std::optional<Vorgang> PostgresTrackStore::record_answer(const std::string& account, const kim::AnswerFacts& answer,
                                                         std::int64_t at) {
  if (answer.kind == kim::AnswerKind::none) {
    return std::nullopt;
  }
  const std::lock_guard lock(mutex_);
  const std::optional<std::int64_t> id = match(lower(account), answer);
  if (!id) {
    return std::nullopt;
  }
  // As SqliteTrackStore: an Eingangsbestätigung moves sent -> received; a result is final, and a
  // later protocol replaces an earlier one.
  std::vector<Vorgang> updated;
  if (answer.result != kim::TrackResult::none) {
    updated =
        rows(std::string("UPDATE vorgang SET status = $2, vorgangsnummer = $3, summary = $4, answered_at = $5,"
                         " received_at = CASE received_at WHEN 0 THEN $5 ELSE received_at END WHERE id = $1") +
                 kReturning,
             {num(*id), std::string(kim::to_string(answer.result)), answer.vorgangsnummer, answer.summary, num(at)});
  } else {
    updated = rows(std::string("UPDATE vorgang SET status = CASE status WHEN 'sent' THEN 'received' ELSE status END,"
                               " received_at = CASE received_at WHEN 0 THEN $2 ELSE received_at END WHERE id = $1") +
                       kReturning,
                   {num(*id), num(at)});
  }
  if (updated.empty()) {
    return std::nullopt;
  }
  return updated.front();
}

std::vector<Vorgang> PostgresTrackStore::list(const TrackQuery& query) {
  const std::lock_guard lock(mutex_);
  return rows(std::string(kColumns) + "WHERE ($1 = '' OR account = $1) ORDER BY id DESC LIMIT $2",
              {lower(query.account), num(static_cast<std::int64_t>(query.limit))});
}

std::vector<Vorgang> PostgresTrackStore::find(const std::string& id_or_message_id) {
  const std::lock_guard lock(mutex_);
  const FindKey key = find_key(id_or_message_id);
  if (key.id) {
    return rows(std::string(kColumns) + "WHERE id = $1", {num(*key.id)});
  }
  return rows(std::string(kColumns) + "WHERE message_id = $1 ORDER BY id", {key.message_id});
}

std::vector<Vorgang> PostgresTrackStore::overdue(std::int64_t now, const std::string& account) {
  const std::lock_guard lock(mutex_);
  return rows(std::string(kColumns) +
                  "WHERE status IN ('sent', 'received') AND deadline IS NOT NULL AND deadline < $1"
                  " AND ($2 = '' OR account = $2) ORDER BY deadline, id",
              {num(now), lower(account)});
}

std::vector<std::pair<Vorgang, NoticeReason>> PostgresTrackStore::notices_due(const std::string& account,
                                                                              std::int64_t now) {
  const std::lock_guard lock(mutex_);
  std::vector<std::pair<Vorgang, NoticeReason>> out;
  for (Vorgang& v :
       rows(std::string(kColumns) + "WHERE account = $1 AND ((status IN ('sent', 'received') AND deadline IS NOT NULL"
                                    " AND deadline < $2 AND overdue_noticed_at = 0) OR (status = 'ERROR' AND"
                                    " error_noticed_at = 0)) ORDER BY id LIMIT 100",
            {lower(account), num(now)})) {
    const NoticeReason why = v.status == TrackStatus::error ? NoticeReason::error : NoticeReason::overdue;
    out.emplace_back(std::move(v), why);
  }
  return out;
}

void PostgresTrackStore::mark_noticed(std::int64_t id, NoticeReason reason, std::int64_t at) {
  const std::lock_guard lock(mutex_);
  Result r = exec(reason == NoticeReason::error ? "UPDATE vorgang SET error_noticed_at = $2 WHERE id = $1"
                                                : "UPDATE vorgang SET overdue_noticed_at = $2 WHERE id = $1",
                  {num(id), num(at)});
  if (!r.ok()) {
    spdlog::error("event=track_store_failed backend=postgresql op=mark_noticed reason=\"{}\"", r.error);
  }
}

}  // namespace kimgate::daemon
