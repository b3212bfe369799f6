#pragma once
// SqlTrackStore: the TrackStore operations (daemon/track_store.h) written once, in SQL that both
// SQLite (3.35 or later) and PostgreSQL accept: $1.. parameters, INSERT ... ON CONFLICT DO
// NOTHING, UPDATE ... RETURNING, lower(). A backend supplies the connection and the schema
// (daemon/track_sqlite.h: one embedded file; daemon/track_postgres.h: one database that several
// instances share) and one call that runs a statement. Calls are serialised by a mutex: one
// statement at a time per process, one writer.
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "daemon/track_store.h"

namespace kimgate::daemon {

using SqlValue = std::variant<std::nullptr_t, std::int64_t, std::string>;
using SqlRow = std::vector<std::optional<std::string>>;  // each column as text; nullopt: NULL
struct SqlResult {
  std::optional<std::string> error;  // set when the statement failed
  std::vector<SqlRow> rows;
};

// The columns of the table "vorgang", as both schemas define them.
inline constexpr const char* kVorgangColumns =
    "id, message_id, account, service, dienstkennung, recipient, guid, archive, sent_at, deadline, status,"
    " vorgangsnummer, summary, received_at, answered_at, overdue_noticed_at, error_noticed_at";

class SqlTrackStore : public TrackStore {
 public:
  std::optional<std::string> record_submission(const Submission& s) override;
  std::optional<Vorgang> record_answer(const std::string& account, const kim::AnswerFacts& answer,
                                       std::int64_t at) override;
  std::vector<Vorgang> list(const TrackQuery& query) override;
  std::vector<Vorgang> find(const std::string& id_or_message_id) override;
  std::vector<Vorgang> overdue(std::int64_t now, const std::string& account = "") override;
  std::vector<std::pair<Vorgang, NoticeReason>> claim_notices(const std::string& account, std::int64_t now,
                                                              std::int64_t lease) override;
  void mark_noticed(std::int64_t id, NoticeReason reason, std::int64_t at) override;
  void release_notice(std::int64_t id, NoticeReason reason, std::int64_t claimed_at) override;

 protected:
  // Runs one statement; $1 is params[0]. Called with the store's mutex held.
  virtual SqlResult run(const std::string& sql, const std::vector<SqlValue>& params) = 0;

 private:
  // The Vorgänge a statement selects or returns (kVorgangColumns, in that order); failures logged.
  std::vector<Vorgang> vorgaenge(const std::string& sql, const std::vector<SqlValue>& params, const char* op);
  std::optional<std::int64_t> match(const std::string& account, const kim::AnswerFacts& answer);

  std::mutex mutex_;
};

}  // namespace kimgate::daemon
