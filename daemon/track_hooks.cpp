#include "daemon/track_hooks.h"

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <ctime>

#include "daemon/admin_internal.h"
#include "daemon/receive_pipeline.h"
#include "kim/raw_message.h"
#include "kim/route_sources.h"
#include "kim/send_mail.h"
#include "kim/track_notice.h"
#include "net/run_blocking.h"

namespace kimgate::daemon {

using net::awaitable;

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

namespace {

struct Recorded {
  std::size_t count = 0;
  std::string error;
};

}  // namespace

awaitable<void> TrackRecorder::record(std::string account, std::string message_id, RouteTrack track,
                                      std::vector<std::string> delivered) const {
  if (store_ == nullptr || track.targets.empty()) {
    co_return;
  }
  const std::int64_t now = unix_now();
  std::vector<Submission> rows;
  for (const RoutedTarget& t : track.targets) {
    const bool sent = std::any_of(delivered.begin(), delivered.end(),
                                  [&t](const std::string& d) { return kim::iequals(d, t.recipient); });
    if (!sent) {
      continue;  // dropped before sending (no certificate): the DSN tells the PVS
    }
    Submission s;
    s.message_id = message_id;
    s.account = account;
    s.service = t.service;
    s.dienstkennung = track.dienstkennung;
    s.recipient = t.recipient;
    s.guid = track.guid;
    s.archive = track.archive;
    s.sent_at = now;
    s.deadline = kim::deadline_of(t.service, now, scale_);
    rows.push_back(std::move(s));
  }
  TrackStore* store = store_;
  const auto write = [store, rows = std::move(rows)] {
    Recorded r;
    for (const Submission& s : rows) {
      if (std::optional<std::string> failed = store->record_submission(s)) {
        r.error = *failed;
      } else {
        ++r.count;
      }
    }
    return r;
  };
  const Recorded done = co_await net::run_blocking_or_here(pool_, write);
  if (!done.error.empty()) {
    spdlog::error("event=track_record_failed message_id={} reason=\"{}\"", message_id, done.error);
  }
  spdlog::info("event=track_recorded message_id={} account={} vorgaenge={}", message_id, account, done.count);
}

awaitable<void> TrackRecorder::answer(std::string account, const ReceiveOutcome& outcome) const {
  // Only what decrypted and verified (IntegrityCheckResult 01/07) may change a Vorgang: an
  // unsigned mail could claim any status.
  if (store_ == nullptr || outcome.stream || outcome.decryption_result != "00" ||
      (outcome.integrity_result != "01" && outcome.integrity_result != "07")) {
    co_return;
  }
  TrackStore* store = store_;
  const std::string& mail = outcome.mail;
  const auto match = [store, &mail, &account] {
    const kim::AnswerFacts facts = kim::classify_answer(mail);
    if (facts.kind == kim::AnswerKind::none) {
      return std::pair<kim::AnswerFacts, std::optional<Vorgang>>{facts, std::nullopt};
    }
    std::optional<Vorgang> v = store->record_answer(account, facts, unix_now());
    return std::pair<kim::AnswerFacts, std::optional<Vorgang>>{facts, std::move(v)};
  };
  std::pair<kim::AnswerFacts, std::optional<Vorgang>> matched = co_await net::run_blocking_or_here(pool_, match);
  const kim::AnswerFacts& facts = matched.first;
  const std::optional<Vorgang>& updated = matched.second;
  if (facts.kind == kim::AnswerKind::none) {
    co_return;
  }
  if (!updated) {
    spdlog::info("event=track_answer_unmatched account={} kind={} dienstkennung=\"{}\" refs={}", account,
                 kim::to_string(facts.kind), facts.dienstkennung, facts.message_ids.size());
    co_return;
  }
  spdlog::info("event=track_answer id={} message_id={} kind={} status={} vorgangsnummer=\"{}\"", updated->id,
               updated->submission.message_id, kim::to_string(facts.kind), to_string(updated->status),
               updated->vorgangsnummer);
}

awaitable<std::string> TrackNotices::announce(const LoginSeen& seen, std::string notice) {
  if (!deps_.seal) {
    OPENSSL_cleanse(notice.data(), notice.size());
    co_return std::string("kimgated cannot seal its own mails (no send path)");
  }
  smtp::Envelope envelope;
  envelope.mail_from = seen.address;
  envelope.recipients = {smtp::Recipient{seen.address, ""}};
  net::awaitable<SealedMail> op = deps_.seal(seen.konnektor_id, seen.context, std::move(envelope), std::move(notice));
  SealedMail sealed = co_await std::move(op);
  if (sealed.refusal) {
    co_return "the notice could not be sealed as a KIM message with the login's call context (Mandant " +
        seen.context.mandant_id + ", ClientSystem " + seen.context.client_system_id + ", Workplace " +
        seen.context.workplace_id + "): " + std::to_string(sealed.refusal->code) + " " + sealed.refusal->enhanced +
        " " + sealed.refusal->text;
  }
  OwnMail own = own_mail(seen, deps_.smtp_server_of, std::move(sealed.outgoing.kim_message.message));
  spdlog::info("event=track_notice_sealed address={} message_id={} size={}", seen.address, sealed.outgoing.message_id,
               own.mail.size());
  std::string failed = co_await deps_.send(std::move(own));
  co_return failed;
}

TrackNotices::TrackNotices(net::asio::any_io_executor ex, TrackNoticeDeps deps)
    : deps_(std::move(deps)),
      observer_(
          std::move(ex), [this](const std::string& /*key*/) { return deps_.store != nullptr; },
          [this](const LoginSeen& seen) { return announce_due(seen); }) {}

namespace {
// How long a claimed notice is left to the instance that claimed it: longer than sealing and
// sending can take (Konnektor and SMTP timeouts), so only a claim whose instance died is taken
// over, at a later login.
constexpr std::int64_t kNoticeClaimLease = 15 * 60;
}  // namespace

awaitable<void> TrackNotices::announce_due(const LoginSeen& seen) {
  if (deps_.store == nullptr) {
    co_return;
  }
  const std::string key = account_key(seen.address);
  TrackStore* store = deps_.store;
  const std::int64_t now = deps_.now ? deps_.now() : unix_now();
  const auto query = [store, key, now] { return store->claim_notices(key, now, kNoticeClaimLease); };
  const std::vector<std::pair<Vorgang, NoticeReason>> due = co_await net::run_blocking_or_here(deps_.pool, query);
  if (!due.empty()) {
    kim::TrackNoticeRequest request;
    request.address = seen.address;
    request.generated = kim::generate_identity(admin::domain_of(seen.address));
    for (const auto& [v, why] : due) {
      kim::TrackNoticeItem item;
      item.error = why == NoticeReason::error;
      item.message_id = v.submission.message_id;
      item.service = v.submission.service;
      item.recipient = v.submission.recipient;
      item.sent = kim::iso_utc(v.submission.sent_at);
      item.deadline = v.submission.deadline ? kim::iso_utc(*v.submission.deadline) : "";
      item.vorgangsnummer = v.vorgangsnummer;
      item.summary = v.summary;
      request.items.push_back(std::move(item));
    }
    std::string notice = kim::track_notice_mail(request);
    const std::string failed = co_await announce(seen, std::move(notice));
    // Each claim ends: marked when the provider took the notice, else given back, so the
    // Vorgänge are due again and the notice is tried at a later login.
    const bool sent = failed.empty();
    const auto end_claims = [store, &due, now, sent] {
      for (const auto& [v, why] : due) {
        if (sent) {
          store->mark_noticed(v.id, why, now);
        } else {
          store->release_notice(v.id, why, now);
        }
      }
      return true;
    };
    const bool ended = co_await net::run_blocking_or_here(deps_.pool, end_claims);
    (void)ended;
    if (sent) {
      spdlog::info("event=track_notice_sent address={} vorgaenge={}", seen.address, due.size());
    } else {
      spdlog::error("event=track_notice_failed address={} vorgaenge={} reason=\"{}\"", seen.address, due.size(),
                    failed);
    }
  }
}

}  // namespace kimgate::daemon
