#pragma once
// TrackStore: the Vorgänge of routed submissions (issue 18) and what their answers said.
// A Vorgang is one routed mail to one recipient that the provider accepted: Message-ID, account
// (the sender's KIM address), application (route service), recipient, sent time, the 1-Click GUID
// or eDoku archive name, status sent -> received -> OK / WARNING / ERROR, the Vorgangsnummer, the
// protocol's summary line and the answer times. No mail body and no patient data is stored.
//
// The interface is what kimgated needs, so that a shared database (PostgreSQL, issue 20) can
// implement it later; SqliteTrackStore (daemon/track_sqlite.h) is the embedded one. Every call
// blocks (disk): the daemon calls it on the worker pool. Calls are safe from several threads;
// errors are values (a sentence), never exceptions.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kim/track_match.h"

namespace kimgate::daemon {

enum class TrackStatus { sent, received, ok, warning, error };
std::string_view to_string(TrackStatus s);  // "sent", "received", "OK", "WARNING", "ERROR"
std::optional<TrackStatus> track_status_from(std::string_view s);

struct Submission {
  std::string message_id;  // "<...>"
  std::string account;     // the sender's KIM address (MAIL FROM)
  std::string service;     // "1click", "edoku-qshlt", "eau", ...
  std::string dienstkennung;
  std::string recipient;                 // the resolved KIM address
  std::string guid;                      // 1-Click GUID, lower case
  std::string archive;                   // eDoku archive name
  std::int64_t sent_at = 0;              // Unix seconds
  std::optional<std::int64_t> deadline;  // Unix seconds; none: no answer expected
};

struct Vorgang {
  std::int64_t id = 0;
  Submission submission;
  TrackStatus status = TrackStatus::sent;
  std::string vorgangsnummer;
  std::string summary;
  std::int64_t received_at = 0;  // the Eingangsbestätigung (0: none yet)
  std::int64_t answered_at = 0;  // the Rückprotokoll / status / error reply (0: none yet)
  // 0: no notice yet; > 0: announced at (Unix seconds); < 0: claimed at -value, being announced.
  std::int64_t overdue_noticed_at = 0;
  std::int64_t error_noticed_at = 0;

  bool final() const {
    return status == TrackStatus::ok || status == TrackStatus::warning || status == TrackStatus::error;
  }
  bool overdue(std::int64_t now) const { return !final() && submission.deadline && now > *submission.deadline; }
};

struct TrackQuery {
  std::string account;  // empty: every account
  std::size_t limit = 1000;
};

enum class NoticeReason { overdue, error };

class TrackStore {
 public:
  virtual ~TrackStore() = default;

  // Commits the submission before returning (it survives a crash once this returned nullopt);
  // a second submission with the same account, Message-ID and recipient is ignored. A sentence
  // on failure.
  virtual std::optional<std::string> record_submission(const Submission& s) = 0;
  // Matches the answer received by `account` to its Vorgang (by Message-ID, then GUID, then
  // archive name, within that account) and updates it; the updated Vorgang, or nullopt when
  // nothing matched (or the store failed: logged).
  virtual std::optional<Vorgang> record_answer(const std::string& account, const kim::AnswerFacts& answer,
                                               std::int64_t at) = 0;
  // Newest first.
  virtual std::vector<Vorgang> list(const TrackQuery& query) = 0;
  // By numeric id or by Message-ID (several when one Message-ID went to several recipients).
  virtual std::vector<Vorgang> find(const std::string& id_or_message_id) = 0;
  // Not final and past their deadline at `now`, oldest first.
  virtual std::vector<Vorgang> overdue(std::int64_t now, const std::string& account = "") = 0;
  // Claims the Vorgänge of `account` that need a notice now (overdue or ERROR) and have not had
  // it: each is marked as being announced since `now` in the same statement, so an instance
  // sharing the store does not announce it too. A claim older than `lease` seconds (its
  // instance died while sending) can be claimed again. The caller ends each claim with
  // mark_noticed (sent) or release_notice (due again).
  virtual std::vector<std::pair<Vorgang, NoticeReason>> claim_notices(const std::string& account, std::int64_t now,
                                                                      std::int64_t lease) = 0;
  virtual void mark_noticed(std::int64_t id, NoticeReason reason, std::int64_t at) = 0;
  // Gives back a claim made at `claimed_at` (when it is still that claim).
  virtual void release_notice(std::int64_t id, NoticeReason reason, std::int64_t claimed_at) = 0;
};

}  // namespace kimgate::daemon
