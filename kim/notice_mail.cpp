#include "kim/notice_mail.h"

#include <string_view>

namespace kimgate::kim {

namespace {

struct NoticeText {
  NoticeKind kind;
  std::string_view code;
  std::string_view subject;
  std::string_view german;
  std::string_view english;
};

constexpr NoticeText kNotices[] = {
    {NoticeKind::certificate_renewal_failed, "4016",
     "KIM: Erneuerung des Clientmodul-Zertifikats fehlgeschlagen / Client certificate renewal failed",
     "Das TLS-Zertifikat des KIM-Clientmoduls für dieses Postfach (PKCS#12-Datei) läuft bald ab und konnte nicht "
     "erneuert werden. Läuft es ab, kann das Clientmodul für dieses Postfach keine Nachrichten mehr senden oder "
     "abholen. Das Clientmodul versucht es bei der nächsten Anmeldung erneut; bleibt der Fehler, erneuern Sie das "
     "Zertifikat mit \"kimctl account cert\" oder wenden Sie sich an Ihren KIM-Anbieter.",
     "The TLS certificate of the KIM client module for this mailbox (PKCS#12 file) expires soon and could not be "
     "renewed. Once it has expired, the client module can no longer send or fetch mail for this mailbox. It tries "
     "again at the next login; if the error stays, renew the certificate with \"kimctl account cert\" or contact "
     "your KIM provider."},
    {NoticeKind::client_module_outdated, "4017", "KIM: Clientmodul-Version veraltet / Client module outdated",
     "Die Version des KIM-Clientmoduls ist niedriger als die Version, die im Verzeichnisdienst für dieses Postfach "
     "eingetragen ist. Absender verwenden für dieses Postfach womöglich Funktionen, die dieses Clientmodul nicht "
     "beherrscht. Bitte aktualisieren Sie das KIM-Clientmodul.",
     "The KIM client module's version is lower than the version the directory lists for this mailbox. Senders may "
     "use features for this mailbox that this client module does not support. Please update the KIM client "
     "module."},
};

const NoticeText& text_of(NoticeKind kind) {
  for (const NoticeText& t : kNotices) {
    if (t.kind == kind) {
      return t;
    }
  }
  return kNotices[0];
}

}  // namespace

std::string one_line(std::string_view s) {
  std::string out;
  for (const char c : s) {
    out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
  }
  return out;
}

std::string own_notice_head(std::string_view address, std::string_view subject, const Generated& generated,
                            std::string_view field) {
  const std::string a = one_line(address);
  std::string out;
  out += "From: " + a + "\r\n";
  out += "To: " + a + "\r\n";
  out += "Subject: " + std::string(subject) + "\r\n";
  out += "Date: " + generated.date + "\r\n";
  out += "Message-ID: " + generated.message_id + "\r\n";
  out += "Auto-Submitted: auto-generated\r\n";
  out += std::string(field) + "\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n";
  return out;
}

std::string notice_code(NoticeKind kind) {
  return std::string(text_of(kind).code);
}

std::string notice_mail(const NoticeRequest& r) {
  const NoticeText& t = text_of(r.kind);
  std::string out = own_notice_head(r.address, t.subject, r.generated, "X-KIM-Fehlermeldung: " + std::string(t.code));
  out += std::string(t.german) + "\r\n\r\n";
  if (r.kind == NoticeKind::certificate_renewal_failed) {
    out += "Fehlertext: " + one_line(r.fehlertext) + "\r\n";
    if (!r.not_after.empty()) {
      out += "Gültig bis / valid until: " + one_line(r.not_after) + "\r\n";
    }
  } else {
    out += "Im Verzeichnisdienst eingetragen / listed in the directory: " + one_line(r.registered) + "\r\n";
    out += "Dieses Clientmodul / this client module: " + one_line(r.ours) +
           (r.product.empty() ? std::string() : " (" + one_line(r.product) + ")") + "\r\n";
  }
  out += "Postfach / mailbox: " + r.address + "\r\n\r\n";
  out += std::string(t.english) + "\r\n";
  return out;
}

}  // namespace kimgate::kim
