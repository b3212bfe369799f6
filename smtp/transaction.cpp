#include "smtp/transaction.h"

namespace kimgate::smtp {

using net::awaitable;

std::size_t TransactionOutcome::count(RecipientStatus s) const {
  std::size_t n = 0;
  for (const RecipientOutcome& r : recipients) {
    n += r.status == s ? 1 : 0;
  }
  return n;
}

std::string_view result_name(TransactionResult r) {
  switch (r) {
    case TransactionResult::delivered:
      return "delivered";
    case TransactionResult::sender_refused:
      return "sender_refused";
    case TransactionResult::all_refused:
      return "all_refused";
    case TransactionResult::data_refused:
      return "data_refused";
    case TransactionResult::message_refused:
      return "message_refused";
    case TransactionResult::lost:
      return "lost";
    case TransactionResult::delivery_unknown:
      return "delivery_unknown";
  }
  return "unknown";
}

std::string_view stage_name(Stage s) {
  switch (s) {
    case Stage::mail:
      return "MAIL";
    case Stage::rcpt:
      return "RCPT";
    case Stage::data:
      return "DATA";
    case Stage::body:
      return "end of data";
    case Stage::done:
      return "done";
  }
  return "unknown";
}

std::string describe(const UpstreamReply& r) {
  if (r.code == 0) {
    return r.failure;
  }
  std::string out = std::to_string(r.code);
  const std::string text = r.text();
  // Most providers repeat the enhanced code at the start of the text; do not show it twice.
  if (!r.enhanced.empty() && text.rfind(r.enhanced, 0) != 0) {
    out += " " + r.enhanced;
  }
  if (!text.empty()) {
    out += " " + text;
  }
  return out;
}

namespace {

std::string with_params(std::string line, const std::string& params) {
  if (!params.empty()) {
    line += " " + params;
  }
  return line;
}

// Ends a transaction that will not reach DATA, so the connection can serve the next one.
awaitable<void> reset(Client& client) {
  if (client.connected()) {
    const std::string rset_line = "RSET";
    const UpstreamReply rset = co_await client.command(rset_line);
    (void)rset;
  }
}

TransactionOutcome ended(TransactionOutcome outcome, TransactionResult result, Stage stage, UpstreamReply reply) {
  outcome.result = result;
  outcome.stage = stage;
  outcome.reply = std::move(reply);
  return outcome;
}

}  // namespace

awaitable<TransactionOutcome> run_transaction(Client& client, const Transaction& t) {
  TransactionOutcome outcome;
  for (const Recipient& r : t.envelope.recipients) {
    outcome.recipients.push_back(RecipientOutcome{r, RecipientStatus::not_tried, {}});
  }
  const std::string mail_line = with_params("MAIL FROM:<" + t.envelope.mail_from + ">", t.envelope.params);
  UpstreamReply mail = co_await client.command(mail_line);
  if (mail.code == 0) {
    co_return ended(std::move(outcome), TransactionResult::lost, Stage::mail, std::move(mail));
  }
  if (!mail.positive()) {
    co_await reset(client);
    co_return ended(std::move(outcome), TransactionResult::sender_refused, Stage::mail, std::move(mail));
  }
  UpstreamReply last_refusal;
  std::size_t accepted = 0;
  for (RecipientOutcome& r : outcome.recipients) {
    const std::string rcpt_line = with_params("RCPT TO:<" + r.recipient.address + ">", r.recipient.params);
    UpstreamReply rcpt = co_await client.command(rcpt_line);
    if (rcpt.code == 0) {
      co_return ended(std::move(outcome), TransactionResult::lost, Stage::rcpt, std::move(rcpt));
    }
    if (rcpt.positive()) {
      r.status = RecipientStatus::accepted;
      ++accepted;
    } else {
      r.status = rcpt.transient() ? RecipientStatus::refused_temporarily : RecipientStatus::refused_permanently;
      last_refusal = rcpt;
    }
    r.reply = std::move(rcpt);
  }
  if (accepted == 0) {
    co_await reset(client);
    co_return ended(std::move(outcome), TransactionResult::all_refused, Stage::rcpt, std::move(last_refusal));
  }
  const std::string data_line = "DATA";
  UpstreamReply data = co_await client.command(data_line);
  if (data.code == 0) {
    co_return ended(std::move(outcome), TransactionResult::lost, Stage::data, std::move(data));
  }
  if (data.code != 354) {
    co_await reset(client);
    co_return ended(std::move(outcome), TransactionResult::data_refused, Stage::data, std::move(data));
  }
  UpstreamReply done = co_await client.send_body(t.message);
  if (done.code == 0) {
    // Once the final "." is out the provider may have queued the mail: its fate is unknown.
    const TransactionResult r = done.written ? TransactionResult::delivery_unknown : TransactionResult::lost;
    co_return ended(std::move(outcome), r, Stage::body, std::move(done));
  }
  if (!done.positive()) {
    co_return ended(std::move(outcome), TransactionResult::message_refused, Stage::body, std::move(done));
  }
  co_return ended(std::move(outcome), TransactionResult::delivered, Stage::done, std::move(done));
}

}  // namespace kimgate::smtp
