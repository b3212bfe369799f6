#pragma once
// One SMTP client transaction towards the KIM provider (RFC 5321 §3.3), with a typed outcome:
// what happened to each recipient, and what happened to the mail as a whole. The caller (the
// send pipeline in daemon/) decides from the outcome what the PVS hears; this file decides
// nothing about the sender, it only reports (cf. OpenSMTPD's mta_session.c).
//
// run_transaction() sends MAIL FROM, one RCPT TO per recipient, DATA, the dot-stuffed body and
// the final ".", on a Client that is logged in. A transaction that ends before DATA is closed
// with RSET so the connection can carry the next one. It never throws on peer behaviour; a lost
// connection leaves the Client disconnected (Client::connected() is false).
#include <string>
#include <vector>

#include "smtp/client.h"

namespace kimgate::smtp {

struct Recipient {
  std::string address;  // addr-spec, as given
  std::string params;   // RCPT parameters (NOTIFY=, ORCPT=), preserved
};

struct Envelope {
  std::string mail_from;  // addr-spec, as given ("" for the null sender)
  std::string params;     // MAIL parameters (SIZE=, BODY=, RET=, ENVID=)
  std::vector<Recipient> recipients;
};

// One upstream transaction: the envelope and the message (unstuffed, CRLF).
struct Transaction {
  Envelope envelope;
  std::string message;
};

enum class RecipientStatus { accepted, refused_temporarily, refused_permanently, not_tried };

struct RecipientOutcome {
  Recipient recipient;
  RecipientStatus status = RecipientStatus::not_tried;
  UpstreamReply reply;  // the provider's answer to RCPT TO (code 0 when not tried)
};

// The whole transaction. Only `delivered` means the provider took responsibility for the mail
// (for the accepted recipients); only `delivery_unknown` leaves the question open.
enum class TransactionResult {
  delivered,         // the end of data was answered 2xx
  sender_refused,    // MAIL FROM refused: nothing delivered
  all_refused,       // every RCPT TO refused: nothing delivered
  data_refused,      // DATA not answered 354: nothing delivered
  message_refused,   // the end of data answered 4xx/5xx: nothing delivered
  lost,              // connection lost or provider silent before the end of data: nothing delivered
  delivery_unknown,  // the end of data was sent, no reply came: the provider may have the mail
};

enum class Stage { mail, rcpt, data, body, done };

struct TransactionOutcome {
  TransactionResult result = TransactionResult::lost;
  Stage stage = Stage::mail;  // where the transaction ended
  std::vector<RecipientOutcome> recipients;
  UpstreamReply reply;  // the reply that decided `result` (or the failure when there was none)

  std::size_t count(RecipientStatus s) const;
};

std::string_view result_name(TransactionResult r);
std::string_view stage_name(Stage s);
// "550 5.1.1 <text>" or the failure sentence when there was no reply.
std::string describe(const UpstreamReply& r);

net::awaitable<TransactionOutcome> run_transaction(Client& client, const Transaction& transaction);

}  // namespace kimgate::smtp
