#pragma once
// Metrics about mails that need a look at the mail kimgate made: the X-KIM-Fehlermeldung codes
// of the DSNs it sends and the error mails it hands the PVS (kimgate_mail_errors_total). Only
// the header section is read, only the codes leave it; never an address or any content.
#include <string>
#include <string_view>
#include <vector>

namespace kimgate::daemon {

// The X-KIM-Fehlermeldung values in `mail`'s header section (before the first empty line), in
// order; each is a code such as "4003" or a vendor code "X10". A value that is not 1 to 8
// letters and digits is reported as "invalid" (a label must not carry what a peer chose).
std::vector<std::string> error_codes(std::string_view mail);

// Counts error_codes(mail) under kimgate_mail_errors_total{direction=...}.
void count_error_codes(std::string_view direction, std::string_view mail);

}  // namespace kimgate::daemon
