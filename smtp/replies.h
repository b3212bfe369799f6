#pragma once
// The one table of SMTP replies the PVS sees (cf. OpenSMTPD esc.c): reply code,
// RFC 3463 enhanced status code and an English sentence. Spec references from
// the client-module digest §4.1 (Tab_SMTP_Ant_Init, Tab_SMTP_Verbindung) and §4.11.
#include <string>
#include <string_view>

namespace kimgate::smtp {

struct Reply {
  int code;
  std::string_view enhanced;  // empty for the greeting and HELO/EHLO lines
  std::string_view text;
};

namespace replies {
inline constexpr Reply ok{250, "2.0.0", "OK"};
inline constexpr Reply bye{221, "2.0.0", "Bye"};
inline constexpr Reply ready_for_tls{220, "2.0.0", "Ready to start TLS"};
inline constexpr Reply auth_required{530, "5.7.0",
                                     "Authentication required: AUTH PLAIN or LOGIN with the KIM user name"};
inline constexpr Reply unknown_command{502, "5.5.1", "Invalid command"};
inline constexpr Reply not_implemented{502, "5.5.1", "Command not implemented by this client module"};
inline constexpr Reply line_too_long{500, "5.5.2", "Line too long"};
inline constexpr Reply syntax_args{501, "5.5.4", "Invalid command arguments"};
inline constexpr Reply bad_sequence{503, "5.5.1", "Bad sequence of commands"};
inline constexpr Reply already_tls{503, "5.5.1", "TLS is already active"};
inline constexpr Reply tls_not_offered{502, "5.5.1", "STARTTLS is not offered on this listener"};
inline constexpr Reply tls_required{530, "5.7.0", "Must issue a STARTTLS command first"};
inline constexpr Reply mechanism_unsupported{504, "5.7.4",
                                             "Unrecognized authentication type: use PLAIN or LOGIN (KOM-LE-A_2009)"};
inline constexpr Reply too_many_errors{421, "4.7.0", "Too many errors, closing the connection"};
inline constexpr Reply idle_timeout{421, "4.4.2", "Idle timeout, closing the connection"};
inline constexpr Reply shutting_down{421, "4.3.2", "Service shutting down, closing the connection"};
inline constexpr Reply auth_ok{235, "2.7.0", "Authentication successful at the KIM provider"};
inline constexpr Reply auth_failed{
    535, "5.7.8", "Authentication credentials invalid: the KIM provider refused the mailbox or password"};
inline constexpr Reply auth_cancelled{501, "5.7.0", "Authentication cancelled"};
inline constexpr Reply already_authenticated{503, "5.5.1", "Already authenticated"};
inline constexpr Reply no_upstream_settings{
    454, "4.7.0",
    "Cannot connect to the KIM provider: kimgate has no client certificate for this mailbox (register it with kimctl "
    "account, or configure fachdienst.client_p12 and fachdienst.ca_file)"};
inline constexpr Reply sender_ok{250, "2.1.0", "Sender OK"};
inline constexpr Reply recipient_ok{250, "2.1.5", "Recipient OK; certificates are checked after DATA"};
inline constexpr Reply need_mail{503, "5.5.1", "Bad sequence of commands: MAIL FROM first"};
inline constexpr Reply need_rcpt{503, "5.5.1", "Bad sequence of commands: RCPT TO first"};
inline constexpr Reply nested_mail{503, "5.5.1", "Bad sequence of commands: a transaction is already open"};
inline constexpr Reply too_many_recipients{452, "4.5.3", "Too many recipients: at most 1000 per message"};
inline constexpr Reply bad_path{501, "5.5.4", "Syntax error: use MAIL FROM:<address> and RCPT TO:<address>"};
inline constexpr Reply bad_address{553, "5.1.3", "Bad address syntax: not a KIM address"};
inline constexpr Reply start_data{354, "", "End data with <CR><LF>.<CR><LF>"};
inline constexpr Reply message_too_big{552, "5.3.4",
                                       "Message too big: it exceeds the size the KIM provider accepts (EHLO SIZE)"};
inline constexpr Reply text_line_too_long{
    554, "5.6.0", "A line of the message is longer than 1000 octets (RFC 5321 4.5.3.1.6); encode the content"};
inline constexpr Reply upstream_lost{421, "4.4.2", "The connection to the KIM provider was lost, closing"};
inline constexpr Reply processing_failed{451, "4.3.0", "Local error while processing the message; try again later"};
}  // namespace replies

// "CODE ENH TEXT\r\n", or "CODE TEXT\r\n" without an enhanced code.
std::string format_reply(const Reply& r);
std::string format_reply(int code, std::string_view enhanced, std::string_view text);

}  // namespace kimgate::smtp
