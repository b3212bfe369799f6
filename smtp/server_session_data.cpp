// The PROXY and PROCESS states of the SMTP session: the deferred envelope (§4.2), DATA
// buffering, and the upstream transaction after the hooks processed the mail (§4.3 step 10).
#include <openssl/crypto.h>

#include "net/dot_stream.h"
#include "smtp/server_session.h"

namespace kimgate::smtp {

using net::awaitable;

namespace {
bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string reply_text(const UpstreamReply& r) {
  return r.code ? std::to_string(r.code) + " " + r.text() : r.failure;
}
}  // namespace

void ServerSession::reset_transaction() {
  envelope_.reset();
}

awaitable<ServerSession::Flow> ServerSession::on_mail(const Command& cmd) {
  if (envelope_) {
    co_return co_await reply_error(replies::nested_mail);
  }
  const auto path = parse_path_argument(cmd.args, "FROM:");
  if (!path) {
    co_return co_await reply_error(replies::bad_path);
  }
  // A_23421: the provider compares MAIL FROM with the AUTH user; say so now, before the
  // mail is signed, rather than after the provider refuses it.
  if (!iequal(path->address, mailbox_)) {
    const Answer wrong{553, "5.7.1", "MAIL FROM must be the authenticated KIM address <" + mailbox_ + "> (A_23421)"};
    co_return co_await answer(wrong);
  }
  envelope_ = Envelope{path->address, path->params, {}};
  co_return co_await reply(replies::sender_ok);
}

awaitable<ServerSession::Flow> ServerSession::on_rcpt(const Command& cmd) {
  if (!envelope_) {
    co_return co_await reply_error(replies::need_mail);
  }
  const auto path = parse_path_argument(cmd.args, "TO:");
  if (!path) {
    co_return co_await reply_error(replies::bad_path);
  }
  if (path->address.find('@') == std::string::npos) {
    co_return co_await reply_error(replies::bad_address);
  }
  if (envelope_->recipients.size() >= smtp_.max_recipients) {
    co_return co_await reply_error(replies::too_many_recipients);
  }
  // §4.2 (KIM 1.5): answered locally; certificates are looked up after DATA.
  envelope_->recipients.push_back(Recipient{path->address, path->params});
  co_return co_await reply(replies::recipient_ok);
}

awaitable<bool> ServerSession::read_body(std::string& body, bool& too_big, bool& line_too_long) {
  std::size_t line_length = 0;
  net::DotDecoder decoder([&](std::string_view s) {
    for (char c : s) {
      ++line_length;
      if (c == '\n') {
        line_length = 0;
      } else if (line_length > smtp_.max_text_line - 1) {
        line_too_long = true;
      }
    }
    if (body.size() + s.size() > smtp_.max_buffered) {
      too_big = true;
    }
    if (!too_big) {
      body.append(s);
    }
  });
  while (!decoder.done()) {
    std::string chunk;
    const auto ec = co_await conn_.read_some(chunk, settings_.client_timeout);
    if (ec && chunk.empty()) {
      co_return false;
    }
    const std::size_t used = decoder.feed(chunk);
    if (used < chunk.size()) {
      log_.warn("event=pipelining_after_data bytes={}", chunk.size() - used);  // dropped: no PIPELINING offered
    }
  }
  if (too_big) {
    OPENSSL_cleanse(body.data(), body.size());
    body.clear();
  }
  co_return true;
}

awaitable<ServerSession::Flow> ServerSession::on_data(const Command& cmd) {
  if (!cmd.args.empty()) {
    co_return co_await reply_error(replies::syntax_args);
  }
  if (!envelope_) {
    co_return co_await reply_error(replies::need_mail);
  }
  if (envelope_->recipients.empty()) {
    co_return co_await reply_error(replies::need_rcpt);
  }
  const Flow go = co_await reply(replies::start_data);
  if (go == Flow::close) {
    co_return Flow::close;
  }
  enter(State::process);
  auto message = std::make_shared<std::string>();
  bool too_big = false;
  bool line_too_long = false;
  const bool complete = co_await read_body(*message, too_big, line_too_long);
  if (!complete) {
    log_.info("event=disconnect during=data");
    OPENSSL_cleanse(message->data(), message->size());
    co_return Flow::close;
  }
  Envelope envelope = std::move(*envelope_);
  envelope_.reset();
  log_.info("event=data size={} recipients={}", message->size(), envelope.recipients.size());
  if (too_big) {
    enter(State::proxy);
    co_return co_await reply_error(replies::message_too_big);
  }
  if (line_too_long) {
    OPENSSL_cleanse(message->data(), message->size());
    enter(State::proxy);
    co_return co_await reply_error(replies::text_line_too_long);
  }
  Processed processed = co_await smtp_.hooks->process(hook_session_, std::move(envelope), message);
  OPENSSL_cleanse(message->data(), message->size());
  message->clear();
  const Flow flow = co_await deliver(std::move(processed));
  if (state_ == State::process) {
    enter(State::proxy);
  }
  co_return flow;
}

awaitable<ServerSession::Flow> ServerSession::upstream_lost(const std::string& why) {
  log_.warn("event=upstream_lost reason=\"{}\"", why);
  const bool timeout = why.find("in time") != std::string::npos;
  const Reply& r = timeout ? replies::upstream_timeout : replies::upstream_lost;
  co_await reply(r);
  enter(State::closing);
  co_return Flow::close;
}

awaitable<ServerSession::Flow> ServerSession::deliver(Processed processed) {
  if (processed.refusal) {
    log_.info("event=process result=refused code={} enhanced={}", processed.refusal->code, processed.refusal->enhanced);
    co_return co_await answer(*processed.refusal);
  }
  Transaction& t = processed.kim_message;
  const std::string mail_line = "MAIL FROM:<" + t.envelope.mail_from + ">" +
                                (t.envelope.params.empty() ? std::string() : " " + t.envelope.params);
  const UpstreamReply mail = co_await upstream_.command(mail_line);
  if (mail.code == 0) {
    co_return co_await upstream_lost(mail.failure);
  }
  if (!mail.positive()) {
    const std::string rset_line = "RSET";
    const UpstreamReply rset = co_await upstream_.command(rset_line);
    (void)rset;
    const Answer relayed{mail.code, mail.enhanced, "The KIM provider refused the sender: " + mail.text()};
    co_return co_await answer(relayed);
  }
  std::size_t accepted = 0;
  UpstreamReply last_refusal;
  for (const Recipient& r : t.envelope.recipients) {
    const std::string rcpt_line = "RCPT TO:<" + r.address + ">" + (r.params.empty() ? std::string() : " " + r.params);
    const UpstreamReply rcpt = co_await upstream_.command(rcpt_line);
    if (rcpt.code == 0) {
      co_return co_await upstream_lost(rcpt.failure);
    }
    if (rcpt.positive()) {
      ++accepted;
    } else {
      log_.warn("event=upstream_rcpt_refused rcpt={} reply=\"{}\"", r.address, reply_text(rcpt));
      last_refusal = rcpt;
    }
  }
  if (accepted == 0) {
    const std::string rset_line = "RSET";
    const UpstreamReply rset = co_await upstream_.command(rset_line);
    (void)rset;
    const Answer relayed{last_refusal.code, last_refusal.enhanced,
                         "The KIM provider refused every recipient: " + last_refusal.text()};
    co_return co_await answer(relayed);
  }
  const std::string data_line = "DATA";
  const UpstreamReply data = co_await upstream_.command(data_line);
  if (data.code == 0) {
    co_return co_await upstream_lost(data.failure);
  }
  if (data.code != 354) {
    const std::string rset_line = "RSET";
    const UpstreamReply rset = co_await upstream_.command(rset_line);
    (void)rset;
    const Answer relayed{data.code, data.enhanced, "The KIM provider refused DATA: " + data.text()};
    co_return co_await answer(relayed);
  }
  const UpstreamReply done = co_await upstream_.send_body(t.message);
  OPENSSL_cleanse(t.message.data(), t.message.size());
  if (done.code == 0) {
    co_return co_await upstream_lost(done.failure);
  }
  if (!done.positive()) {
    log_.warn("event=upstream_refused_message reply=\"{}\"", reply_text(done));
    const Answer relayed{done.code, done.enhanced, "The KIM provider refused the message: " + done.text()};
    co_return co_await answer(relayed);
  }
  log_.info("event=sent recipients={} accepted={} size={}", t.envelope.recipients.size(), accepted, t.message.size());
  // DSNs to the sender's own mailbox: each its own transaction; failures are logged only, the
  // KIM message itself is with the provider already.
  for (Transaction& notice : processed.notices) {
    const std::string n_mail = "MAIL FROM:<" + notice.envelope.mail_from + ">";
    const UpstreamReply nm = co_await upstream_.command(n_mail);
    bool sent = nm.positive();
    for (const Recipient& r : notice.envelope.recipients) {
      if (!sent) {
        break;
      }
      const std::string n_rcpt = "RCPT TO:<" + r.address + ">";
      const UpstreamReply nr = co_await upstream_.command(n_rcpt);
      sent = nr.positive();
    }
    if (sent) {
      const std::string n_data = "DATA";
      const UpstreamReply nd = co_await upstream_.command(n_data);
      sent = nd.code == 354;
      if (sent) {
        const UpstreamReply nb = co_await upstream_.send_body(notice.message);
        sent = nb.positive();
      }
    }
    if (!sent) {
      const std::string rset_line = "RSET";
      const UpstreamReply rset = co_await upstream_.command(rset_line);
      (void)rset;
    }
    log_.info("event=dsn to={} result={}", notice.envelope.mail_from, sent ? "sent" : "failed");
  }
  std::string text = done.text();
  if (!processed.note.empty()) {
    text += " (" + processed.note + ")";
  }
  const Answer ok{250, done.enhanced.empty() ? std::string("2.0.0") : done.enhanced, text};
  co_return co_await answer(ok);
}

}  // namespace kimgate::smtp
