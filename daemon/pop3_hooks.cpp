#include "daemon/pop3_hooks.h"

#include "kim/raw_message.h"
#include "kim/user_name.h"

namespace kimgate::daemon {

std::variant<pop3::LoginTarget, std::string> KimPop3Hooks::resolve_user(std::string_view user) {
  kim::UserNameResult r = kim::parse_user_name(user, kim::UserNameProtocol::pop3);
  if (!r.value) {
    return r.error;
  }
  if (!r.value->server) {
    return std::string(
        "the user name names no POP3 server (host:port); locating the provider by DNS "
        "service discovery is not supported yet");
  }
  return pop3::LoginTarget{r.value->server->host, r.value->server->port, r.value->address};
}

net::awaitable<pop3::RetrDecision> KimPop3Hooks::on_retrieved(const std::string& message) {
  pop3::RetrDecision d;
  const auto parsed = kim::parse_raw_message(message);
  const bool kim_message = parsed && kim::header_value(*parsed, "X-KOM-LE-Version").has_value();
  if (!kim_message) {
    d.deliver = true;  // DSNs, error mails, out-of-office replies: untouched (A_21390, KOM-LE-A_2042)
    d.message = message;
    co_return d;
  }
  d.refusal =
      "-ERR [SYS/TEMP] this is a KIM message and this kimgate build cannot decrypt it yet; it stays on the server";
  co_return d;
}

}  // namespace kimgate::daemon
