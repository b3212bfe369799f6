#include "daemon/track_sql.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

#include "kim/route_text.h"

namespace kimgate::daemon {

namespace {

using kim::route_text::ascii_lower;

std::string select(const std::string& rest) {
  return std::string("SELECT ") + kVorgangColumns + " FROM vorgang " + rest;
}

std::int64_t integer(const std::optional<std::string>& v) {
  return v && !v->empty() ? std::stoll(*v) : 0;
}

Vorgang vorgang_of(const SqlRow& r) {
  const auto text = [&r](std::size_t i) { return r[i].value_or(""); };
  Vorgang v;
  v.id = integer(r[0]);
  v.submission.message_id = text(1);
  v.submission.account = text(2);
  v.submission.service = text(3);
  v.submission.dienstkennung = text(4);
  v.submission.recipient = text(5);
  v.submission.guid = text(6);
  v.submission.archive = text(7);
  v.submission.sent_at = integer(r[8]);
  if (r[9]) {
    v.submission.deadline = integer(r[9]);
  }
  v.status = track_status_from(text(10)).value_or(TrackStatus::sent);
  v.vorgangsnummer = text(11);
  v.summary = text(12);
  v.received_at = integer(r[13]);
  v.answered_at = integer(r[14]);
  v.overdue_noticed_at = integer(r[15]);
  v.error_noticed_at = integer(r[16]);
  return v;
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

std::vector<Vorgang> SqlTrackStore::vorgaenge(const std::string& sql, const std::vector<SqlValue>& params,
                                              const char* op) {
  SqlResult r = run(sql, params);
  std::vector<Vorgang> out;
  if (r.error) {
    spdlog::error("event=track_store_failed op={} reason=\"{}\"", op, *r.error);
    return out;
  }
  for (const SqlRow& row : r.rows) {
    if (row.size() == 17) {
      out.push_back(vorgang_of(row));
    }
  }
  return out;
}

std::optional<std::string> SqlTrackStore::record_submission(const Submission& s) {
  const std::lock_guard lock(mutex_);
  const SqlValue deadline = s.deadline ? SqlValue(*s.deadline) : SqlValue(nullptr);
  const SqlResult r =
      run("INSERT INTO vorgang (message_id, account, service, dienstkennung, recipient, guid, archive, sent_at,"
          " deadline) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
          " ON CONFLICT (account, message_id, recipient) DO NOTHING",
          {s.message_id, ascii_lower(s.account), s.service, s.dienstkennung, ascii_lower(s.recipient),
           ascii_lower(s.guid), s.archive, s.sent_at, deadline});
  if (r.error) {
    return "tracking database: " + *r.error;
  }
  return std::nullopt;
}

// By the answer's Message-IDs (MDN Original-Message-ID, In-Reply-To, References), then its
// 1-Click GUIDs, then its eDoku archive names (case-insensitively): the newest Vorgang of the
// account with the first value that has one.
std::optional<std::int64_t> SqlTrackStore::match(const std::string& account, const kim::AnswerFacts& answer) {
  const std::pair<const char*, const std::vector<std::string>*> keys[] = {
      {"message_id = $2", &answer.message_ids},
      {"guid = $2 AND guid <> ''", &answer.guids},
      {"lower(archive) = lower($2) AND archive <> ''", &answer.archives}};
  for (const auto& [where, values] : keys) {
    for (const std::string& value : *values) {
      const SqlResult r =
          run(std::string("SELECT id FROM vorgang WHERE account = $1 AND ") + where + " ORDER BY id DESC LIMIT 1",
              {account, value});
      if (!r.error && !r.rows.empty() && !r.rows.front().empty()) {
        return integer(r.rows.front().front());
      }
    }
  }
  return std::nullopt;
}

std::optional<Vorgang> SqlTrackStore::record_answer(const std::string& account, const kim::AnswerFacts& answer,
                                                    std::int64_t at) {
  if (answer.kind == kim::AnswerKind::none) {
    return std::nullopt;
  }
  const std::lock_guard lock(mutex_);
  const std::optional<std::int64_t> id = match(ascii_lower(account), answer);
  if (!id) {
    return std::nullopt;
  }
  // An Eingangsbestätigung moves sent -> received; a result (OK/WARNING/ERROR) is final, and a
  // later protocol replaces an earlier one (a corrected Rückprotokoll).
  const std::string returning = std::string(" RETURNING ") + kVorgangColumns;
  std::vector<Vorgang> updated =
      answer.result != kim::TrackResult::none
          ? vorgaenge(
                "UPDATE vorgang SET status = $3, vorgangsnummer = $4, summary = $5, answered_at = $2,"
                " received_at = CASE received_at WHEN 0 THEN $2 ELSE received_at END WHERE id = $1" +
                    returning,
                {*id, at, std::string(kim::to_string(answer.result)), answer.vorgangsnummer, answer.summary}, "answer")
          : vorgaenge(
                "UPDATE vorgang SET status = CASE status WHEN 'sent' THEN 'received' ELSE status END,"
                " received_at = CASE received_at WHEN 0 THEN $2 ELSE received_at END WHERE id = $1" +
                    returning,
                {*id, at}, "answer");
  if (updated.empty()) {
    return std::nullopt;
  }
  return std::move(updated.front());
}

std::vector<Vorgang> SqlTrackStore::list(const TrackQuery& query) {
  const std::lock_guard lock(mutex_);
  return vorgaenge(select("WHERE ($1 = '' OR account = $1) ORDER BY id DESC LIMIT $2"),
                   {ascii_lower(query.account), static_cast<std::int64_t>(query.limit)}, "list");
}

std::vector<Vorgang> SqlTrackStore::find(const std::string& id_or_message_id) {
  const std::lock_guard lock(mutex_);
  // A numeric Vorgang id, or a Message-ID given with or without <>.
  const bool numeric = !id_or_message_id.empty() && id_or_message_id.size() < 19 &&
                       std::all_of(id_or_message_id.begin(), id_or_message_id.end(),
                                   [](unsigned char c) { return std::isdigit(c) != 0; });
  if (numeric) {
    return vorgaenge(select("WHERE id = $1"), {std::int64_t{std::stoll(id_or_message_id)}}, "find");
  }
  std::string id = id_or_message_id;
  if (!id.empty() && id.front() != '<') {
    id = "<" + id + ">";
  }
  return vorgaenge(select("WHERE message_id = $1 ORDER BY id"), {id}, "find");
}

std::vector<Vorgang> SqlTrackStore::overdue(std::int64_t now, const std::string& account) {
  const std::lock_guard lock(mutex_);
  return vorgaenge(select("WHERE status IN ('sent', 'received') AND deadline IS NOT NULL AND deadline < $1"
                          " AND ($2 = '' OR account = $2) ORDER BY deadline, id"),
                   {now, ascii_lower(account)}, "overdue");
}

std::vector<std::pair<Vorgang, NoticeReason>> SqlTrackStore::claim_notices(const std::string& account, std::int64_t now,
                                                                           std::int64_t lease) {
  // One UPDATE claims what is due: PostgreSQL re-checks the WHERE of a row another instance
  // claimed meanwhile (it no longer matches), SQLite has one writer. The claim is the negated
  // time, so a stale one (older than the lease) is recognised. ERROR rows get the ERROR notice.
  // Negative values are bound, not written as -$n: PostgreSQL cannot type a minus on a parameter.
  static const std::string due =
      "account = $1 AND ((status IN ('sent', 'received') AND deadline IS NOT NULL AND deadline < $2 AND"
      " (overdue_noticed_at = 0 OR (overdue_noticed_at < 0 AND overdue_noticed_at > $3))) OR (status = 'ERROR' AND"
      " (error_noticed_at = 0 OR (error_noticed_at < 0 AND error_noticed_at > $3))))";
  static const std::string sql =
      std::string(
          "UPDATE vorgang SET"
          " overdue_noticed_at = CASE WHEN status = 'ERROR' THEN overdue_noticed_at ELSE $4 END,"
          " error_noticed_at = CASE WHEN status = 'ERROR' THEN $4 ELSE error_noticed_at END"
          " WHERE ") +
      due + " AND id IN (SELECT id FROM vorgang WHERE " + due + " ORDER BY id LIMIT 100) RETURNING " + kVorgangColumns;
  const std::lock_guard lock(mutex_);
  std::vector<Vorgang> claimed = vorgaenge(sql, {ascii_lower(account), now, lease - now, -now}, "claim_notices");
  std::sort(claimed.begin(), claimed.end(), [](const Vorgang& a, const Vorgang& b) { return a.id < b.id; });
  std::vector<std::pair<Vorgang, NoticeReason>> out;
  for (Vorgang& v : claimed) {
    const NoticeReason why = v.status == TrackStatus::error ? NoticeReason::error : NoticeReason::overdue;
    out.emplace_back(std::move(v), why);
  }
  return out;
}

void SqlTrackStore::mark_noticed(std::int64_t id, NoticeReason reason, std::int64_t at) {
  const std::lock_guard lock(mutex_);
  const SqlResult r = run(reason == NoticeReason::error ? "UPDATE vorgang SET error_noticed_at = $2 WHERE id = $1"
                                                        : "UPDATE vorgang SET overdue_noticed_at = $2 WHERE id = $1",
                          {id, at});
  if (r.error) {
    spdlog::error("event=track_store_failed op=mark_noticed reason=\"{}\"", *r.error);
  }
}

void SqlTrackStore::release_notice(std::int64_t id, NoticeReason reason, std::int64_t claimed_at) {
  const std::lock_guard lock(mutex_);
  const SqlResult r = run(reason == NoticeReason::error
                              ? "UPDATE vorgang SET error_noticed_at = 0 WHERE id = $1 AND error_noticed_at = $2"
                              : "UPDATE vorgang SET overdue_noticed_at = 0 WHERE id = $1 AND overdue_noticed_at = $2",
                          {id, -claimed_at});
  if (r.error) {
    spdlog::error("event=track_store_failed op=release_notice reason=\"{}\"", *r.error);
  }
}

}  // namespace kimgate::daemon
