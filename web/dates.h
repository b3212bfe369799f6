#pragma once
// Dates on the admin page: the out-of-office form's days (YYYY-MM-DD, checked against the
// calendar) as the Account Manager's date-time, and how soon a client certificate expires.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace kimgate::web {

// "2026-12-24" -> "2026-12-24T00:00:00Z" (or "T23:59:59Z" with `end_of_day`: the last day counts);
// nullopt for anything that is not a real calendar day from 2000 to 2999.
std::optional<std::string> form_day_to_iso(std::string_view day, bool end_of_day);

// Whole days from `now` until an ISO 8601 UTC time ("2027-12-04T18:00:00Z"), negative when it has
// passed; nullopt when unreadable.
std::optional<long> days_until(std::string_view iso, std::chrono::system_clock::time_point now);

}  // namespace kimgate::web
