#pragma once
// The practice's notice about its Vorgänge (issue 18): routed submissions whose answer is
// overdue, or whose Rückprotokoll / eAU reply says ERROR. One text/plain client mail (UTF-8,
// German first then English, X-KIM-Dienstkennung KIM-Mail;Default;V1.0) from and to the
// account's own address, one line per Vorgang with its Message-ID, application, recipient, sent
// time and, for an ERROR, the Vorgangsnummer and the protocol's summary line. The daemon seals it
// as a KIM message like a PVS's mail (daemon/track_hooks.h). Pure function; values are kept on
// one line.
#include <string>
#include <vector>

#include "kim/receive_mail.h"

namespace kimgate::kim {

struct TrackNoticeItem {
  bool error = false;  // false: overdue
  std::string message_id;
  std::string service;
  std::string recipient;
  std::string sent;            // ISO 8601 UTC
  std::string deadline;        // ISO 8601 UTC (overdue)
  std::string vorgangsnummer;  // ERROR
  std::string summary;         // ERROR
};

struct TrackNoticeRequest {
  std::string address;
  std::vector<TrackNoticeItem> items;
  Generated generated;
};

std::string track_notice_mail(const TrackNoticeRequest& request);

}  // namespace kimgate::kim
