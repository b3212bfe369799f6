#pragma once
// The send side's text work on the client mail (spec digest §4.3, §4.11, §4.12): pure
// functions on raw bytes, no I/O.
//
// - has_xkas_part(), forwarded_kim_message(): the x-kas and forward-to-self checks, over the
//   MIME walker kim::find_parts() (kim/mime_parts.h).
// - forwarded_kim_message(): §4.12 — the KOM-LE message embedded as message/rfc822 in a
//   mail the PVS forwards to itself, unchanged (the envelope carries the forwarder).
// - prepare_inner(): §4.3 step 3 — default X-KIM-Dienstkennung, a Message-ID when missing,
//   To/Cc/Bcc reduced to the recipients that remain. Fields that need no change keep their
//   exact bytes; line ends become CRLF.
// - delivery_status_notification(): the unsigned DSN (RFC 3464 multipart/report) with
//   X-KIM-Fehlermeldung codes, listing every affected recipient with a sentence; the one
//   place where kimgate's DSNs are built.
// - rfc5322_date(), with_size_parameter(), split_address_list().
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kim/mime_parts.h"
#include "kim/raw_message.h"
#include "kim/receive_mail.h"

namespace kimgate::kim {

inline constexpr std::string_view kDefaultDienstkennung = "KIM-Mail;Default;V1.0";

// A_22341: a part "Content-Type: text/plain; charset=utf-8" with "Content-Disposition: x-kas".
// Any x-kas disposition counts: such a part can only come from a KIM message.
bool has_xkas_part(const RawMessage& message);

// §4.12: when the body holds a message/rfc822 entity with X-KOM-LE-Version, that message as it
// is (CRLF line ends); else nullopt. Its From is not replaced: the receiving side compares the
// outer From with the signed inner one, and the envelope sender already is the forwarder.
std::optional<std::string> forwarded_kim_message(const RawMessage& wrapper);

struct PrepareOptions {
  // Addresses that stay in To/Cc/Bcc (compared ASCII case-insensitively); others are removed.
  std::vector<std::string> keep_recipients;
  std::string message_id;  // used only when the mail has none, with angle brackets
  // Bytes written before the mail (kim::kSignedContentHeader: `mail` is then the eContent to
  // sign, and a 15 MiB mail is not copied once more to become one).
  std::string_view prefix = {};
};
struct Prepared {
  std::string mail;  // prefix + the prepared mail
  bool dienstkennung_added = false;
  bool message_id_added = false;
  std::vector<std::string> removed;  // addresses taken out of To/Cc/Bcc
};
Prepared prepare_inner(const RawMessage& mail, const PrepareOptions& options);

// The mailboxes of an address-list value, each as written (display name included),
// split on commas outside quotes, comments and angle brackets; group syntax is flattened.
std::vector<std::string> split_address_list(std::string_view value);

struct DsnRecipient {
  std::string address;
  std::string code;        // X-KIM-Fehlermeldung, e.g. "4003", or a vendor code "X10"
  std::string status;      // RFC 3463, e.g. "5.7.5"
  std::string sentence;    // English, for the text part (and Diagnostic-Code when `diagnostic` is empty)
  std::string diagnostic;  // Diagnostic-Code value, e.g. "smtp; 550 5.1.1 ..."; empty: "x-kim; <code> <sentence>"
};
// The DSN travels unencrypted through the provider: it names the original only by Message-ID
// and Date, never by Subject, body or attachment names.
struct DsnRequest {
  std::string sender;          // MAIL FROM: the DSN goes to the sender's own mailbox
  std::string reporting_host;  // Reporting-MTA (no host name of the practice's machine)
  std::string original_message_id;
  std::string original_date;
  std::vector<DsnRecipient> recipients;
  std::vector<std::string> extra_codes;  // further X-KIM-Fehlermeldung codes, e.g. "4004"
  Generated generated;
};
// The one builder of DSNs (RFC 3464 multipart/report): a German and English text part that
// explains each kind of failure once, the message/delivery-status part with a block per
// recipient, and text/rfc822-headers with the original's Message-ID and Date only.
std::string delivery_status_notification(const DsnRequest& request);

// The domain part of an address ("kim.example" for "a@kim.example"), "kim.invalid" without one.
std::string mail_domain(std::string_view address);

// "Tue, 01 Dec 2026 19:30:00 +0000"
std::string rfc5322_date(std::chrono::system_clock::time_point t);
// A fresh Message-ID "<uuid@domain>" and the current date. Pass a mail domain (e.g. that of the
// sender's KIM address), never the machine's host name (§4.6: no FQDNs in Message-IDs).
Generated generate_identity(std::string_view domain);

// MAIL FROM parameters with SIZE=<size> (replaced when present, added otherwise).
std::string with_size_parameter(std::string_view params, std::uint64_t size);

}  // namespace kimgate::kim
