#pragma once
// PostgresTrackStore: the TrackStore (daemon/track_sql.h) in a PostgreSQL database that several
// kimgated instances share (issue 20, scale-out behind a load balancer), through libpq. The
// operations are SqlTrackStore's, shared with SQLite; each call is one statement in autocommit
// (synchronous_commit as the server has it, on by default: a committed Vorgang is durable). The
// schema is created under an advisory lock, so instances starting together do not race. One
// connection per process (SqlTrackStore serialises the calls), re-established after a failure.
#include <memory>
#include <string>

#include "daemon/track_sql.h"

struct pg_conn;
struct pg_result;

namespace kimgate::daemon {

class PostgresTrackStore final : public SqlTrackStore {
 public:
  // `conninfo`: libpq keywords ("host=... port=... dbname=... user=..."), `password` separately
  // (never in the configuration text). nullptr with a sentence in `error` when the database
  // cannot be reached or the schema not created.
  static std::unique_ptr<PostgresTrackStore> open(const std::string& conninfo, const std::string& password,
                                                  std::string& error);
  ~PostgresTrackStore() override;
  PostgresTrackStore(const PostgresTrackStore&) = delete;
  PostgresTrackStore& operator=(const PostgresTrackStore&) = delete;

 protected:
  SqlResult run(const std::string& sql, const std::vector<SqlValue>& params) override;

 private:
  struct Result;
  PostgresTrackStore(pg_conn* conn, std::string conninfo, std::string password)
      : conn_(conn), conninfo_(std::move(conninfo)), password_(std::move(password)) {}
  // Runs `sql` with text parameters ($1..); reconnects once when the connection was lost.
  Result exec(const std::string& sql, const std::vector<std::optional<std::string>>& params);

  pg_conn* conn_;
  std::string conninfo_;
  std::string password_;
};

}  // namespace kimgate::daemon
