#include "daemon/send_delivery.h"

#include <spdlog/spdlog.h>

#include "daemon/mail_metrics.h"
#include "daemon/send_policy.h"
#include "net/metrics.h"

namespace kimgate::daemon {

using net::awaitable;

namespace {

smtp::Transaction dsn_transaction(const Outgoing& o, const std::vector<kim::DsnRecipient>& rows) {
  const std::string& sender = o.kim_message.envelope.mail_from;
  const std::string domain = kim::mail_domain(sender);
  kim::DsnRequest dsn;
  dsn.sender = sender;
  dsn.reporting_host = domain;
  dsn.original_message_id = o.message_id;
  dsn.original_date = o.original_date;
  dsn.recipients = rows;
  const bool certificate_drop = std::any_of(
      rows.begin(), rows.end(), [](const kim::DsnRecipient& r) { return r.code == "4003" || r.code == "4005"; });
  if (certificate_drop) {
    dsn.extra_codes = {"4004"};  // the message could not be encrypted for every recipient
  }
  dsn.generated = kim::generate_identity(domain);
  smtp::Transaction t;
  t.envelope.mail_from = sender;
  t.envelope.recipients = {smtp::Recipient{sender, ""}};
  t.message = kim::delivery_status_notification(dsn);
  return t;
}

}  // namespace

awaitable<smtp::Answer> deliver(smtp::Client& upstream, Outgoing outgoing, Counters& counters,
                                smtp::TransactionResult* result) {
  net::metrics()
      .histogram("kimgate_mail_recipients")
      .observe(static_cast<double>(outgoing.kim_message.envelope.recipients.size()));
  const auto start = std::chrono::steady_clock::now();
  const smtp::TransactionOutcome outcome = co_await smtp::run_transaction(upstream, outgoing.kim_message);
  net::observe_upstream(
      upstream.host(), "smtp", "transaction", start,
      outcome.result != smtp::TransactionResult::lost && outcome.result != smtp::TransactionResult::delivery_unknown);
  if (result != nullptr) {
    *result = outcome.result;
  }
  outgoing.kim_message.message = {};  // ciphertext (the sealed KIM message): freed, nothing to wipe
  Decision decision = decide(outcome, outgoing.dropped, outgoing.message_id);
  for (const smtp::RecipientOutcome& r : outcome.recipients) {
    if (r.status == smtp::RecipientStatus::refused_permanently ||
        r.status == smtp::RecipientStatus::refused_temporarily) {
      spdlog::warn("event=upstream_rcpt_refused message_id={} rcpt={} reply=\"{}\"", outgoing.message_id,
                   r.recipient.address, smtp::describe(r.reply));
    }
  }
  if (!decision.dsn.empty()) {
    const smtp::Transaction dsn = dsn_transaction(outgoing, decision.dsn);
    count_error_codes("send", dsn.message);
    const smtp::TransactionOutcome dsn_outcome = co_await smtp::run_transaction(upstream, dsn);
    spdlog::info("event=dsn message_id={} to={} recipients={} result={} reply=\"{}\"", outgoing.message_id,
                 dsn.envelope.mail_from, decision.dsn.size(), smtp::result_name(dsn_outcome.result),
                 smtp::describe(dsn_outcome.reply));
    counters.add(dsn_outcome.result == smtp::TransactionResult::delivered ? "dsn_sent" : "dsn_failed");
    decision = decide_after_dsn(decision, dsn_outcome, outgoing.message_id);
  }
  counters.add(decision.counter);
  const auto level = decision.answer.code < 400 ? spdlog::level::info : spdlog::level::warn;
  spdlog::log(level,
              "event={} message_id={} result={} stage={} recipients={} accepted={} dropped={} code={} reply=\"{}\"",
              decision.event, outgoing.message_id, smtp::result_name(outcome.result), smtp::stage_name(outcome.stage),
              outcome.recipients.size(), outcome.count(smtp::RecipientStatus::accepted), outgoing.dropped.size(),
              decision.answer.code, smtp::describe(outcome.reply));
  co_return decision.answer;
}

}  // namespace kimgate::daemon
