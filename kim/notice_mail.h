#pragma once
// The client module's notices to a user about its own state, not about a mail (spec digest
// Tab_Fehlercodes "other"): 4016 — the client certificate (PKCS#12) could not be renewed, with
// the Account Manager's error text as "Fehlertext: <message>" (A_21381); 4017 — this client
// module's KIM version is lower than the one the VZD lists for the account (A_21387-01).
// Unsigned and unencrypted, from and to the account's own address, so the PVS shows it at its
// next fetch (a receiving client module passes it through: it has no X-KOM-LE-Version).
// Pure function; the one builder of these notices (DSNs about mails: kim/send_mail.h).
#include <string>
#include <string_view>

#include "kim/receive_mail.h"

namespace kimgate::kim {

enum class NoticeKind {
  certificate_renewal_failed,  // 4016
  client_module_outdated,      // 4017
};

struct NoticeRequest {
  NoticeKind kind = NoticeKind::certificate_renewal_failed;
  std::string address;     // the account: From and To
  std::string fehlertext;  // 4016: the Account Manager's error text (or the transport's sentence)
  std::string not_after;   // 4016: when the current certificate expires (ISO 8601), may be empty
  std::string registered;  // 4017: the version in the VZD
  std::string ours;        // 4017: this client module's version
  std::string product;     // 4017: e.g. "kimgate 0.9.0"
  Generated generated;
};

// "4016" / "4017"
std::string notice_code(NoticeKind kind);

// The whole mail (CRLF line ends): text/plain, UTF-8, German first then English, with
// X-KIM-Fehlermeldung and Auto-Submitted: auto-generated.
std::string notice_mail(const NoticeRequest& request);

// What every notice to an account's own mailbox shares (these, and tracking's client mail that the
// daemon then seals, kim/track_notice.h):
// the header section from and to `address`, with one field of its own (e.g.
// "X-KIM-Fehlermeldung: 4016"), through the empty line; and values kept on one line (control
// characters become spaces: a provider's error text may hold anything).
std::string own_notice_head(std::string_view address, std::string_view subject, const Generated& generated,
                            std::string_view field);
std::string one_line(std::string_view s);

}  // namespace kimgate::kim
