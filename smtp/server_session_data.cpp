// The PROXY and PROCESS states of the SMTP session: the deferred envelope (§4.2) and DATA
// buffering; the hooks turn the mail into the upstream transaction(s) and the PVS's answer.
#include <openssl/crypto.h>

#include "net/dot_stream.h"
#include "net/metrics.h"
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

awaitable<bool> ServerSession::read_body(MessageBody& body, BodyProblem& problem) {
  std::size_t line_length = 0;
  net::DotDecoder decoder([&](std::string_view s) {
    // Line lengths without the LF, line by line rather than byte by byte.
    for (std::size_t start = 0;;) {
      const std::size_t lf = s.find('\n', start);
      line_length += (lf == std::string_view::npos ? s.size() : lf) - start;
      if (line_length > smtp_.max_text_line - 1 && problem == BodyProblem::none) {
        problem = BodyProblem::line_too_long;
      }
      if (lf == std::string_view::npos) {
        break;
      }
      line_length = 0;
      start = lf + 1;
    }
    if (problem == BodyProblem::none && body.size() + s.size() > smtp_.max_message_size) {
      problem = BodyProblem::too_big;
    }
    // After a problem the rest is read and dropped: the answer comes at the end of data.
    if (problem == BodyProblem::none && !body.append(s)) {
      problem = BodyProblem::no_storage;
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
    OPENSSL_cleanse(chunk.data(), chunk.size());
    if (problem == BodyProblem::none) {
      const bool kept = co_await body.settle(decoder.done());
      if (!kept) {
        problem = BodyProblem::no_storage;
      }
    }
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
  std::unique_ptr<MessageBody> message =
      smtp_.hooks != nullptr ? smtp_.hooks->new_body() : std::make_unique<StringBody>();
  BodyProblem problem = BodyProblem::none;
  const bool complete = co_await read_body(*message, problem);
  if (!complete) {
    log_.info("event=disconnect during=data");
    co_return Flow::close;
  }
  Envelope envelope = std::move(*envelope_);
  envelope_.reset();
  log_.info("event=data size={} recipients={}", message->size(), envelope.recipients.size());
  switch (problem) {
    case BodyProblem::too_big:
      enter(State::proxy);
      co_return co_await reply_error(replies::message_too_big);
    case BodyProblem::line_too_long:
      enter(State::proxy);
      co_return co_await reply_error(replies::text_line_too_long);
    case BodyProblem::no_storage: {
      log_.warn("event=data result=no_storage");
      enter(State::proxy);
      const Answer full{452, "4.3.1", "kimgate cannot keep this mail: its spool storage is exhausted; try again later"};
      co_return co_await answer(full);
    }
    case BodyProblem::none:
      break;
  }
  net::metrics().histogram("kimgate_mail_size_bytes", {"send"}).observe(static_cast<double>(message->size()));
  const Answer answered =
      co_await smtp_.hooks->submit(hook_session_, upstream_, std::move(envelope), std::move(message));
  net::metrics()
      .counter("kimgate_mails_total", {answered.code < 400 ? "sent" : "refused", std::to_string(answered.code)})
      .inc();
  if (answered.code == 421) {
    // KOM-LE-A_2016: the provider's side is gone before the mail was sent; say so and close.
    co_await answer(answered);
    enter(State::closing);
    co_return Flow::close;
  }
  enter(State::proxy);
  co_return co_await answer(answered);
}

}  // namespace kimgate::smtp

namespace kimgate::smtp {

StringBody::~StringBody() {
  OPENSSL_cleanse(text.data(), text.size());
}

bool StringBody::append(std::string_view data) {
  text.append(data);
  return true;
}

}  // namespace kimgate::smtp
