// The filtered login's side of ServerSession (receive filtering): the view of the maildrop
// built after login, and the commands answered from it. See mailbox_view.h.
#include <charconv>
#include <map>

#include "pop3/server_session.h"

namespace kimgate::pop3 {

using net::awaitable;

awaitable<std::optional<std::string>> ServerSession::build_view() {
  const std::string list_request = "LIST";
  const MultilineReply sizes = co_await upstream_->command_multiline(list_request, pop3_.max_message_size);
  if (!sizes.status.ok() || !sizes.complete) {
    co_return "LIST: " + (sizes.status.lost() ? sizes.status.failure : sizes.status.line);
  }
  const std::string uidl_request = "UIDL";
  const MultilineReply uids = co_await upstream_->command_multiline(uidl_request, pop3_.max_message_size);
  if (!uids.status.ok() || !uids.complete) {
    co_return "UIDL: " + (uids.status.lost() ? uids.status.failure : uids.status.line);
  }
  const auto size_lines = parse_listing(sizes.body);
  const auto uid_lines = parse_listing(uids.body);
  if (!size_lines || !uid_lines) {
    co_return std::string("a malformed LIST or UIDL line");
  }
  std::map<std::uint32_t, std::string> uid_of;
  for (const auto& e : *uid_lines) {
    uid_of.emplace(e.number, e.value);
  }
  std::vector<ViewMessage> visible;
  std::size_t looked = 0;
  for (const auto& e : *size_lines) {
    const auto uid = uid_of.find(e.number);
    std::uint64_t size = 0;
    const auto [end, ec] = std::from_chars(e.value.data(), e.value.data() + e.value.size(), size);
    if (uid == uid_of.end() || ec != std::errc() || end != e.value.data() + e.value.size()) {
      co_return "message " + std::to_string(e.number) + " has no unique id or size";
    }
    std::optional<bool> shown = mailbox_->known_visibility(uid->second);
    if (!shown) {
      const std::string request = "TOP " + std::to_string(e.number) + " 0";
      const MultilineReply head = co_await upstream_->command_multiline(request, pop3_.header_section);
      if (!head.status.ok() || !head.complete) {
        co_return request + ": " + (head.status.lost() ? head.status.failure : head.status.line);
      }
      ++looked;
      shown = mailbox_->visible(uid->second, head.body);
    }
    if (*shown) {
      visible.push_back(ViewMessage{e.number, size, uid->second, false});
    }
  }
  log_.info("event=view messages={} visible={} headers_read={}", size_lines->size(), visible.size(), looked);
  view_.emplace(std::move(visible));
  co_return std::nullopt;
}

std::optional<std::string> ServerSession::upstream_number(const std::string& n) const {
  if (!view_) {
    return n;
  }
  const auto up = view_->upstream_number(n);
  if (!up) {
    return std::nullopt;
  }
  return std::to_string(*up);
}

awaitable<ServerSession::Flow> ServerSession::on_view_command(const Command& cmd) {
  MailboxView& view = *view_;
  switch (cmd.verb) {
    case Verb::stat: {
      const std::string out = view.stat();
      co_return co_await send(out);
    }
    case Verb::list:
    case Verb::uidl: {
      if (cmd.args.size() > 1) {
        co_return co_await reply(replies::list_syntax);
      }
      const bool list = cmd.verb == Verb::list;
      if (cmd.args.empty()) {
        const std::string out = list ? view.list() : view.uidl();
        co_return co_await send(out);
      }
      const std::optional<std::string> one = list ? view.list_one(cmd.args[0]) : view.uidl_one(cmd.args[0]);
      if (!one) {
        co_return co_await reply(replies::no_such_message);
      }
      co_return co_await send(*one);
    }
    case Verb::dele: {
      const std::optional<std::string> up = cmd.args.size() == 1 ? upstream_number(cmd.args[0]) : std::nullopt;
      if (!up) {
        co_return co_await reply(replies::no_such_message);
      }
      const std::string request = "DELE " + *up;
      const UpstreamReply answer = co_await upstream_->command(request);
      if (answer.lost()) {
        co_return co_await upstream_lost(cmd, answer.failure);
      }
      if (!answer.ok()) {
        co_return co_await relay(answer);
      }
      view.mark_deleted(cmd.args[0]);
      co_return co_await reply_with(replies::message_deleted, cmd.args[0]);
    }
    case Verb::rset: {
      const std::string request = "RSET";
      const UpstreamReply answer = co_await upstream_->command(request);
      if (answer.lost()) {
        co_return co_await upstream_lost(cmd, answer.failure);
      }
      if (!answer.ok()) {
        co_return co_await relay(answer);
      }
      view.reset();
      co_return co_await reply_with(replies::view_reset, view.summary());
    }
    default:
      break;
  }
  co_return co_await on_relay(cmd);  // NOOP: no message numbers
}

}  // namespace kimgate::pop3
