#pragma once
// Receive filtering by application (issue 18): several PVS modules of one practice fetch the
// same mailbox, and each should see only its own messages. A login's filter names application
// patterns; a message is judged by its outer X-KIM-Dienstkennung, which the sending client
// module copies from the inner mail (KOM-LE-A_2098-03) and which TOP n 0 shows without
// decrypting. Pure functions, no I/O.
//
// Patterns: one to three ';'-separated parts compared with the Dienstkennung's
// "<application>;<type>;<version>" part by part, ASCII case-insensitively; the last part may end
// in '*' for a prefix ("eAU", "eAU;Fehler-Kasse", "eDokumentation-*", "*"). The configuration
// checks their form (conf/load.cpp, receive_filter).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kimgate::kim {

struct ApplicationFilter {
  std::vector<std::string> applications;  // the patterns this login takes
  // Also the messages that no filter of the mailbox takes: unknown Dienstkennungen and mails
  // without one (DSNs, the provider's out-of-office answers) — the practice's default inbox.
  bool unclaimed = false;
  std::vector<std::string> claimed;  // the patterns of every filter of the mailbox, this one's included
};

bool pattern_matches(std::string_view pattern, std::string_view dienstkennung);
// Whether a login with `filter` sees a message with this outer Dienstkennung (nullopt: none).
bool shows(const ApplicationFilter& filter, const std::optional<std::string>& dienstkennung);
// The X-KIM-Dienstkennung of a header section (as TOP n 0 returns it); nullopt when absent or
// the section cannot be parsed.
std::optional<std::string> outer_dienstkennung(std::string_view header_section);

}  // namespace kimgate::kim
