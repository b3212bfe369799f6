#include "daemon/track_postgres.h"

#include <libpq-fe.h>
#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

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
    "CREATE INDEX IF NOT EXISTS vorgang_archive_ci ON vorgang (account, lower(archive));"
    "CREATE INDEX IF NOT EXISTS vorgang_open ON vorgang (status, deadline);";

// Any number, so that two instances creating the schema at once take turns.
constexpr const char* kSchemaLock = "SELECT pg_advisory_lock(7311470)";
constexpr const char* kSchemaUnlock = "SELECT pg_advisory_unlock(7311470)";

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

SqlResult PostgresTrackStore::run(const std::string& sql, const std::vector<SqlValue>& params) {
  std::vector<std::optional<std::string>> text;
  text.reserve(params.size());
  for (const SqlValue& p : params) {
    if (const auto* n = std::get_if<std::int64_t>(&p)) {
      text.emplace_back(std::to_string(*n));
    } else if (const auto* t = std::get_if<std::string>(&p)) {
      text.emplace_back(*t);
    } else {
      text.emplace_back(std::nullopt);
    }
  }
  Result r = exec(sql, text);
  SqlResult out;
  if (!r.ok()) {
    out.error = r.error;
    return out;
  }
  for (int i = 0; i < PQntuples(r.res); ++i) {
    SqlRow row;
    for (int c = 0; c < PQnfields(r.res); ++c) {
      row.push_back(PQgetisnull(r.res, i, c) != 0 ? std::nullopt : std::optional<std::string>(PQgetvalue(r.res, i, c)));
    }
    out.rows.push_back(std::move(row));
  }
  return out;
}

}  // namespace kimgate::daemon
