#pragma once
// The doctor's one table (docs/decisions.md, "Doctor"): every finding of `kimctl doctor` and the
// web page's "Diagnose" view, with its verdict, the sentence the admin reads and what to do, in
// English and German. The checks (doctor.cpp) only name a Finding, the subject (a Konnektor id,
// an ICCSN, an address, a provider) and a detail; the words come from here. Pure: no I/O.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/account_store.h"
#include "konnektor/types.h"
#include "nlohmann/json.hpp"

namespace kimgate::daemon {

// skip: the hop was not checked (e.g. no password given); it is not a fault.
enum class Verdict { ok, warn, fail, skip };
std::string_view verdict_name(Verdict v);  // "ok", "warn", "fail", "skip"

enum class Finding {
  konnektor_ok,
  konnektor_rsa_only,
  konnektor_unreachable,
  card_verified,
  card_pin_not_entered,
  card_pin_blocked,
  card_transport_pin,
  card_empty_pin,
  card_missing,
  card_refused,
  card_konnektor_unknown,
  vzd_found,
  vzd_not_found,
  vzd_unreachable,
  vzd_not_configured,
  login_ok,
  login_refused,
  login_unreachable,
  login_tls_failed,
  login_temporary,
  login_not_checked,
  login_no_certificate,
  kas_ok,
  kas_not_found,
  kas_unreachable,
  kas_server_error,
  accmgr_ok,
  accmgr_not_found,
  accmgr_unreachable,
  accmgr_error,
  certificate_ok,
  certificate_expiring,
  certificate_expired,
  certificate_configured,
  clock_ok,
  clock_off,
  clock_far_off,
  clock_unreachable,
  clock_local,
  no_accounts,
  hop_timeout,
};

// One line of the doctor's answer.
struct DoctorLine {
  std::string
      hop;  // "konnektor", "card", "vzd", "smtp", "pop3", "kas", "account_manager", "certificate", "clock", "accounts"
  std::string subject;  // what was checked: Konnektor id, ICCSN, address, provider domain
  Finding finding = Finding::hop_timeout;
  Verdict verdict = Verdict::fail;
  std::string sentence;
  std::string sentence_de;
  std::string advice;
  std::string advice_de;
};

// The line of `finding` for `subject`: the table's sentences with {subject} and {detail} filled.
DoctorLine doctor_line(std::string hop, std::string subject, Finding finding, const std::string& detail = "");
nlohmann::json to_json(const DoctorLine& line);

// The thresholds (docs/decisions.md): the clock offset to the Konnektor warns above 60 s and
// fails above 300 s (the Account Manager's default jwtExpiration: a JWT signed with a clock that
// far off is refused); a client certificate warns 30 days before notAfter and fails after it.
inline constexpr std::chrono::seconds kClockWarn{60};
inline constexpr std::chrono::seconds kClockFail{300};
inline constexpr std::chrono::hours kCertificateWarn{24 * 30};

Finding clock_finding(std::chrono::milliseconds offset);
Finding pin_finding(konnektor::PinStatus status);
// parse_iso_utc(): daemon/account_store.h.
Finding certificate_finding(std::chrono::system_clock::time_point not_after, std::chrono::system_clock::time_point now);
// "12 s", "-7 min 3 s", "2 h 5 min": an offset or a span for the sentences.
std::string describe_span(std::chrono::milliseconds span);

}  // namespace kimgate::daemon
