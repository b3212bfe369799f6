#include "daemon/send_policy.h"

#include <algorithm>

namespace kimgate::daemon {

using smtp::RecipientStatus;
using smtp::TransactionOutcome;
using smtp::TransactionResult;

namespace {

// clang-format off
constexpr PolicyRow kPolicy[] = {
  // situation, code, enhanced, sentence, dsn, event, counter
  {SendSituation::delivered, 250, "2.0.0",
   "The KIM provider accepted the message for all {total} recipients ({reply})",
   false, "sent", "send_delivered"},
  {SendSituation::delivered_partly, 250, "2.0.0",
   "The KIM provider accepted the message for {accepted} of {total} recipients; a DSN in your mailbox names the "
   "others and why ({reply})",
   true, "sent_partly", "send_delivered_partly"},
  {SendSituation::sender_refused, 0, "",
   "The KIM provider refused the sender: {reply}; nothing was sent",
   false, "upstream_refused_sender", "send_refused_sender"},
  {SendSituation::all_refused_permanently, 0, "",
   "The KIM provider refused every recipient: {reply}; nothing was sent",
   false, "upstream_refused_recipients", "send_refused_recipients"},
  {SendSituation::all_refused_temporarily, 451, "",
   "The KIM provider refused the recipients for now: {reply}; nothing was sent, try again later",
   false, "upstream_deferred_recipients", "send_deferred_recipients"},
  {SendSituation::data_refused, 0, "",
   "The KIM provider refused DATA: {reply}; nothing was sent",
   false, "upstream_refused_data", "send_refused_data"},
  {SendSituation::message_refused, 0, "",
   "The KIM provider refused the message: {reply}; nothing was sent",
   false, "upstream_refused_message", "send_refused_message"},
  {SendSituation::lost, 421, "4.4.2",
   "The connection to the KIM provider was lost at {stage} ({reply}); nothing was sent, send the message again",
   false, "upstream_lost", "send_upstream_lost"},
  {SendSituation::delivery_unknown, 451, "4.4.2",
   "The connection to the KIM provider was lost after the message was sent ({reply}); whether it was delivered "
   "is unknown: send it again, a duplicate of Message-ID {message_id} is possible",
   false, "delivery_unknown", "send_delivery_unknown"},
  {SendSituation::dsn_failed, 451, "4.3.0",
   "The KIM provider accepted the message for {accepted} of {total} recipients, but not the DSN naming the "
   "others ({reply}): send the message again; the recipients that got it will get Message-ID {message_id} twice",
   false, "dsn_failed", "send_dsn_failed"},
};
// clang-format on

struct Facts {
  std::string reply;
  std::string stage;
  std::string message_id;
  std::size_t accepted = 0;
  std::size_t total = 0;
};

std::string fill(std::string_view pattern, const Facts& f) {
  std::string out;
  std::size_t pos = 0;
  while (pos < pattern.size()) {
    const std::size_t open = pattern.find('{', pos);
    const std::size_t close = open == std::string_view::npos ? open : pattern.find('}', open);
    if (close == std::string_view::npos) {
      out.append(pattern.substr(pos));
      break;
    }
    out.append(pattern.substr(pos, open - pos));
    const std::string_view key = pattern.substr(open + 1, close - open - 1);
    if (key == "reply") {
      out += f.reply;
    } else if (key == "stage") {
      out += f.stage;
    } else if (key == "message_id") {
      out += f.message_id;
    } else if (key == "accepted") {
      out += std::to_string(f.accepted);
    } else if (key == "total") {
      out += std::to_string(f.total);
    } else {
      out.append(pattern.substr(open, close - open + 1));
    }
    pos = close + 1;
  }
  return out;
}

// The provider's code class relayed to the PVS. 421 means the provider is closing; the PVS's
// session is not, so it hears 451.
smtp::Answer relayed(const smtp::UpstreamReply& r, std::string text) {
  const bool permanent = r.code >= 500;
  int code = r.code;
  if (code == 421 || code < 400 || code >= 600) {
    code = permanent ? 554 : 451;
  }
  const std::string cls = permanent ? "5." : "4.";
  std::string enhanced = r.enhanced.rfind(cls, 0) == 0 ? r.enhanced : cls + "0.0";
  return smtp::Answer{code, std::move(enhanced), std::move(text)};
}

Decision from_row(SendSituation s, const smtp::UpstreamReply& reply, const Facts& facts) {
  const PolicyRow& row = policy_row(s);
  Decision d;
  d.situation = s;
  d.event = row.event;
  d.counter = row.counter;
  std::string text = fill(row.sentence, facts);
  d.answer = relayed(reply, std::move(text));  // code and enhanced code of the provider's class ...
  if (row.code != 0) {
    d.answer.code = row.code;  // ... unless the row fixes them
  }
  if (!row.enhanced.empty()) {
    d.answer.enhanced = std::string(row.enhanced);
  }
  return d;
}

// For "every recipient refused": a temporary refusal decides, so the PVS retries.
const smtp::UpstreamReply& deciding_refusal(const TransactionOutcome& o) {
  for (const smtp::RecipientOutcome& r : o.recipients) {
    if (r.status == RecipientStatus::refused_temporarily) {
      return r.reply;
    }
  }
  return o.reply;
}

}  // namespace

const PolicyRow& policy_row(SendSituation s) {
  const auto* row =
      std::find_if(std::begin(kPolicy), std::end(kPolicy), [s](const PolicyRow& r) { return r.situation == s; });
  return *row;  // every situation has its row (tests/daemon/send_policy_test.cpp)
}

std::vector<kim::DsnRecipient> refused_rows(const TransactionOutcome& outcome) {
  std::vector<kim::DsnRecipient> rows;
  for (const smtp::RecipientOutcome& r : outcome.recipients) {
    if (r.status != RecipientStatus::refused_permanently && r.status != RecipientStatus::refused_temporarily) {
      continue;
    }
    const bool permanent = r.status == RecipientStatus::refused_permanently;
    const std::string cls = permanent ? "5." : "4.";
    kim::DsnRecipient row;
    row.address = r.recipient.address;
    row.code = std::string(permanent ? kRefusedPermanently : kRefusedTemporarily);
    row.status = r.reply.enhanced.rfind(cls, 0) == 0 ? r.reply.enhanced : cls + "0.0";
    row.sentence = std::string(permanent ? "refused by the KIM provider: " : "refused for now by the KIM provider: ") +
                   smtp::describe(r.reply);
    row.diagnostic = "smtp; " + smtp::describe(r.reply);
    rows.push_back(std::move(row));
  }
  return rows;
}

Decision decide(const TransactionOutcome& outcome, const std::vector<kim::DsnRecipient>& dropped,
                std::string_view message_id) {
  Facts facts;
  facts.reply = smtp::describe(outcome.reply);
  facts.stage = std::string(smtp::stage_name(outcome.stage));
  facts.message_id = std::string(message_id);
  facts.accepted = outcome.count(RecipientStatus::accepted);
  facts.total = outcome.recipients.size() + dropped.size();
  switch (outcome.result) {
    case TransactionResult::delivered: {
      std::vector<kim::DsnRecipient> rows = dropped;
      std::vector<kim::DsnRecipient> refused = refused_rows(outcome);
      rows.insert(rows.end(), refused.begin(), refused.end());
      if (rows.empty()) {
        return from_row(SendSituation::delivered, outcome.reply, facts);
      }
      Decision d = from_row(SendSituation::delivered_partly, outcome.reply, facts);
      d.dsn = std::move(rows);
      d.accepted = facts.accepted;
      d.total = facts.total;
      return d;
    }
    case TransactionResult::sender_refused:
      return from_row(SendSituation::sender_refused, outcome.reply, facts);
    case TransactionResult::all_refused: {
      const smtp::UpstreamReply& deciding = deciding_refusal(outcome);
      facts.reply = smtp::describe(deciding);
      const bool temporary = outcome.count(RecipientStatus::refused_temporarily) > 0;
      return from_row(temporary ? SendSituation::all_refused_temporarily : SendSituation::all_refused_permanently,
                      deciding, facts);
    }
    case TransactionResult::data_refused:
      return from_row(SendSituation::data_refused, outcome.reply, facts);
    case TransactionResult::message_refused:
      return from_row(SendSituation::message_refused, outcome.reply, facts);
    case TransactionResult::lost:
      return from_row(SendSituation::lost, outcome.reply, facts);
    case TransactionResult::delivery_unknown:
      return from_row(SendSituation::delivery_unknown, outcome.reply, facts);
  }
  return from_row(SendSituation::lost, outcome.reply, facts);
}

Decision decide_after_dsn(const Decision& first, const TransactionOutcome& dsn_outcome, std::string_view message_id) {
  if (dsn_outcome.result == TransactionResult::delivered) {
    return first;
  }
  Facts facts;
  facts.reply = smtp::describe(dsn_outcome.reply);
  facts.message_id = std::string(message_id);
  facts.accepted = first.accepted;
  facts.total = first.total;
  Decision d = from_row(SendSituation::dsn_failed, dsn_outcome.reply, facts);
  d.accepted = first.accepted;
  d.total = first.total;
  return d;
}

}  // namespace kimgate::daemon
