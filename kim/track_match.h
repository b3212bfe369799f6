#pragma once
// Tracking of routed submissions (issue 18): what a received, decrypted answer says about a
// Vorgang. Pure functions, no I/O; the daemon's store (daemon/track_store.h) uses the result.
//
// classify_answer() reads the answer's header section and at most kMaxAnswerScan bytes of its
// body and returns:
// - kind: an MDN Eingangsbestätigung (multipart/report; report-type=disposition-notification,
//   RFC 8098), a Rückprotokoll / Status / Quittung (by the Dienstkennung table below, or a
//   "Status: OK|WARNING|ERROR" line in an answer that references a Message-ID), the insurer's
//   eAU error reply (eAU;Fehler-Kasse;V1.0), or none (not an answer to a submission);
// - the keys to find the Vorgang: referenced Message-IDs (the MDN's Original-Message-ID first,
//   then In-Reply-To, then References), 1-Click GUIDs and eDoku archive names in the text;
// - the result OK / WARNING / ERROR (eAU;Fehler-Kasse is ERROR), the Vorgangsnummer
//   ("Vorgang xxxx-xxxxxx", "Vorgangsnummer: ...") and the protocol's summary line.
// Text parts may be base64 or quoted-printable; a multipart body is read part by part (kim::find_parts)
// up to a nesting depth of 3. Everything returned is bounded (kMaxField bytes per string, kMaxKeys keys).
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kim/route_rules.h"

namespace kimgate::kim {

inline constexpr std::size_t kMaxAnswerScan = 256 * 1024;
inline constexpr std::size_t kMaxField = 200;
inline constexpr std::size_t kMaxKeys = 16;

enum class AnswerKind { none, mdn, protocol, eau_error };
enum class TrackResult { none, ok, warning, error };

std::string_view to_string(AnswerKind k);
std::string_view to_string(TrackResult r);  // "", "OK", "WARNING", "ERROR"

struct AnswerFacts {
  AnswerKind kind = AnswerKind::none;
  std::string dienstkennung;             // of the answer, may be empty
  std::vector<std::string> message_ids;  // "<...>", most specific first
  std::vector<std::string> guids;        // lower-case UUIDs (1-Click begleitdatei)
  std::vector<std::string> archives;     // eDoku archive names ("x.zip.xkm"), as written
  TrackResult result = TrackResult::none;
  std::string vorgangsnummer;
  std::string summary;
};

AnswerFacts classify_answer(std::string_view mail);

// The eDoku archive ("<name>.zip.xkm", any case) among a submission's attachments (the files
// routing already read, kim::attachments()): the first one's name, or empty.
std::string archive_name(const std::vector<Attachment>& files);

// Which answer a Dienstkennung is (by application and message type); none for a delivery or an
// unknown value.
AnswerKind answer_kind_of(std::string_view dienstkennung);

// ---- deadlines per application (the route service names of conf/route-services.txt) ----

enum class DeadlineKind {
  none,          // no answer expected (eAU: the insurer answers only when it refuses)
  hours,         // calendar hours (Rückprotokoll: 24 h, seeds.md)
  working_hours  // hours on Monday to Friday, UTC (eDoku status: 72 working hours, digest §5.3)
};

struct DeadlineRule {
  DeadlineKind kind = DeadlineKind::none;
  int hours = 0;
};

// The rule for a service ("1click", "edoku-qshlt", "eau", ...); unknown services get 24 h.
DeadlineRule deadline_rule(std::string_view service);

// When a submission sent at `sent` (Unix seconds) is overdue: the rule's span, multiplied by
// `scale` (tests shrink it); nullopt for DeadlineKind::none.
std::optional<std::int64_t> deadline_of(std::string_view service, std::int64_t sent, double scale = 1.0);

}  // namespace kimgate::kim
