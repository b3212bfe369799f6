#pragma once
// The one table of POP3 replies the PVS sees from kimgate itself (cf. smtp/replies.h): every
// "+OK" and "-ERR" text the server session sends, with the RFC 2449/3206 response code where
// there is one. Texts with a "{}" take one detail (a host:port, a sentence from the hooks or
// the SASL decoder, an octet count); format_reply() fills it in. Lines the KIM provider sends
// are relayed as they came and are not in this table. Spec: client-module digest §5.1, §5.2
// (Tab_POP3_Ant_Init, Tab_POP3_Verbindung).
#include <string>
#include <string_view>

namespace kimgate::pop3 {

struct Reply {
  bool ok;                // "+OK" or "-ERR"
  std::string_view text;  // after the status indicator, response code included, "{}" for the detail
};

namespace replies {
// Connection-level answers (net::LineSession's texts).
inline constexpr Reply greeting{true, "{} kimgate KOM-LE Clientmodul POP3 ready"};
inline constexpr Reply shutting_down{false, "[SYS/TEMP] Service shutting down, closing the connection"};
inline constexpr Reply idle_timeout{false, "Idle timeout, closing the connection"};
inline constexpr Reply too_many_errors{false, "Too many errors, closing the connection"};
inline constexpr Reply line_too_long{false, "Line too long"};
inline constexpr Reply over_connection_limit{false, "[SYS/TEMP] {}"};  // net::ConnectionLimits' sentence
// CONNECT state (Tab_POP3_Ant_Init).
inline constexpr Reply unknown_command{false, "Invalid command in this state"};
inline constexpr Reply tls_required{false, "Must issue the STLS command first"};
inline constexpr Reply capability_list{true, "Capability list follows"};
inline constexpr Reply user_needs_argument{false, "USER needs exactly one argument: the KIM user name"};
inline constexpr Reply send_pass{true, "Send PASS"};
inline constexpr Reply need_user{false, "Send USER first"};
inline constexpr Reply pass_needs_argument{false, "PASS needs the mailbox password"};
inline constexpr Reply auth_needs_mechanism{false, "AUTH needs a mechanism; this server offers SASL PLAIN"};
inline constexpr Reply mechanism_unsupported{false,
                                             "Unsupported authentication mechanism: use USER/PASS or AUTH PLAIN"};
inline constexpr Reply auth_cancelled{false, "AUTH cancelled"};
inline constexpr Reply bad_sasl{false, "{}"};  // the SASL decoder's sentence
inline constexpr Reply stls_unavailable{false, "STLS is not available here"};
inline constexpr Reply begin_tls{true, "Begin TLS negotiation"};
inline constexpr Reply signing_off{true, "kimgate signing off"};
// The upstream login (Tab_POP3_Verbindung, KOM-LE-A_2037-01).
inline constexpr Reply no_upstream_settings{
    false,
    "[SYS/PERM] kimgate has no client certificate for this mailbox towards the KIM provider (register it with kimctl "
    "account, or configure fachdienst.client_p12 and fachdienst.ca_file)"};
inline constexpr Reply login_refused{false, "{}"};  // the hooks' sentence (user name, Konnektor context)
inline constexpr Reply upstream_unreachable{false, "[SYS/TEMP] cannot connect to the KIM provider at {}"};
inline constexpr Reply upstream_tls_failed{
    false,
    "[SYS/TEMP] TLS with the KIM provider at {} failed (server certificate not accepted or client certificate "
    "refused)"};
inline constexpr Reply auth_failed{false, "[AUTH] user could not be authenticated"};
// The provider said "not now" to the login: its own line (response code included) follows.
inline constexpr Reply login_deferred{false, "[SYS/TEMP] the KIM provider refused the login for now: {}"};
inline constexpr Reply login_locked{false,
                                    "[LOGIN-DELAY] {}"};  // net::LoginGuard's refusal (its lock, with the seconds left)
inline constexpr Reply logged_in{true, "logged in at the KIM provider"};
// PROXY state (§5.2).
inline constexpr Reply upstream_lost{false, "[SYS/TEMP] the KIM provider did not answer; closing the connection"};
inline constexpr Reply quit_unconfirmed{false, "[SYS/TEMP] the KIM provider did not confirm QUIT"};
inline constexpr Reply top_syntax{false, "TOP needs a message number and a line count"};
inline constexpr Reply retr_syntax{false, "RETR needs a message number"};
inline constexpr Reply no_message_processing{
    false, "[SYS/TEMP] no message processing for this session; the message stays on the server"};
inline constexpr Reply retr_follows{true, "{} octets"};
// A filtered login (receive filtering, mailbox_view.h): numbers are the view's.
inline constexpr Reply no_such_message{false, "no such message"};
inline constexpr Reply message_deleted{true, "message {} deleted"};
inline constexpr Reply view_reset{true, "{}"};  // the view's STAT after RSET
inline constexpr Reply view_unreadable{
    false, "[SYS/TEMP] the KIM provider's message listing could not be read ({}); try again later"};
inline constexpr Reply list_syntax{false, "LIST and UIDL take at most a message number"};
}  // namespace replies

// "+OK text" / "-ERR text" without CRLF, "{}" replaced by `detail`.
std::string reply_line(const Reply& r, std::string_view detail = {});
// The same with CRLF, as sent.
std::string format_reply(const Reply& r, std::string_view detail = {});

}  // namespace kimgate::pop3
