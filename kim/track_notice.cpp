#include "kim/track_notice.h"

#include "kim/notice_mail.h"

namespace kimgate::kim {

namespace {

std::string item_line(const TrackNoticeItem& i) {
  std::string line = i.error ? "- FEHLER / ERROR: " : "- UEBERFAELLIG / OVERDUE: ";
  line += one_line(i.service) + " an / to " + one_line(i.recipient) + ", gesendet / sent " + one_line(i.sent) +
          ", Message-ID " + one_line(i.message_id);
  if (i.error) {
    if (!i.vorgangsnummer.empty()) {
      line += ", Vorgang " + one_line(i.vorgangsnummer);
    }
    if (!i.summary.empty()) {
      line += ": " + one_line(i.summary);
    }
  } else if (!i.deadline.empty()) {
    line += ", Frist / deadline " + one_line(i.deadline);
  }
  return line + "\r\n";
}

}  // namespace

std::string track_notice_mail(const TrackNoticeRequest& r) {
  std::string out = own_notice_head(r.address, "KIM: Rueckmeldung ausstehend oder fehlerhaft / Answer overdue or ERROR",
                                    r.generated, "X-KIM-Dienstkennung: KIM-Mail;Default;V1.0");
  out +=
      "Für die folgenden Sendungen dieses Postfachs ist die erwartete Rückmeldung (Eingangsbestätigung, "
      "Rückprotokoll oder Status) nicht fristgerecht eingetroffen, oder die Rückmeldung meldet einen Fehler "
      "(ERROR). Prüfen Sie die Sendungen im PVS; Details zeigt \"kimctl track show <Message-ID>\".\r\n\r\n";
  out +=
      "For the following deliveries of this mailbox the expected answer (receipt, return protocol or status) did "
      "not arrive in time, or the answer reports an error (ERROR). Check them in the PVS; \"kimctl track show "
      "<Message-ID>\" shows the details.\r\n\r\n";
  for (const TrackNoticeItem& i : r.items) {
    out += item_line(i);
  }
  return out;
}

}  // namespace kimgate::kim
