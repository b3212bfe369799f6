#pragma once
// PostgresTrackStore: the TrackStore (daemon/track_store.h) in a PostgreSQL database that several
// kimgated instances share (issue 20, scale-out behind a load balancer), through libpq. Same
// schema and the same matching as SqliteTrackStore; each call is one statement in autocommit
// (synchronous_commit as the server has it, on by default: a committed Vorgang is durable). The
// schema is created under an advisory lock, so instances starting together do not race. One
// connection per process, guarded by a mutex, re-established after a failure.
#include <memory>
#include <mutex>
#include <string>

#include "daemon/track_store.h"

struct pg_conn;
struct pg_result;

namespace kimgate::daemon {

class PostgresTrackStore final : public TrackStore {
 public:
  // `conninfo`: libpq keywords ("host=... port=... dbname=... user=..."), `password` separately
  // (never in the configuration text). nullptr with a sentence in `error` when the database
  // cannot be reached or the schema not created.
  static std::unique_ptr<PostgresTrackStore> open(const std::string& conninfo, const std::string& password,
                                                  std::string& error);
  ~PostgresTrackStore() override;
  PostgresTrackStore(const PostgresTrackStore&) = delete;
  PostgresTrackStore& operator=(const PostgresTrackStore&) = delete;

  std::optional<std::string> record_submission(const Submission& s) override;
  std::optional<Vorgang> record_answer(const std::string& account, const kim::AnswerFacts& answer,
                                       std::int64_t at) override;
  std::vector<Vorgang> list(const TrackQuery& query) override;
  std::vector<Vorgang> find(const std::string& id_or_message_id) override;
  std::vector<Vorgang> overdue(std::int64_t now, const std::string& account = "") override;
  std::vector<std::pair<Vorgang, NoticeReason>> notices_due(const std::string& account, std::int64_t now) override;
  void mark_noticed(std::int64_t id, NoticeReason reason, std::int64_t at) override;

 private:
  struct Result;
  PostgresTrackStore(pg_conn* conn, std::string conninfo, std::string password)
      : conn_(conn), conninfo_(std::move(conninfo)), password_(std::move(password)) {}
  // Runs `sql` with text parameters ($1..); reconnects once when the connection was lost.
  Result exec(const std::string& sql, const std::vector<std::optional<std::string>>& params);
  std::vector<Vorgang> rows(const std::string& sql, const std::vector<std::optional<std::string>>& params);
  std::optional<std::int64_t> match(const std::string& account, const kim::AnswerFacts& answer);

  std::mutex mutex_;
  pg_conn* conn_;
  std::string conninfo_;
  std::string password_;
};

}  // namespace kimgate::daemon
