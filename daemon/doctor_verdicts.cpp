#include "daemon/doctor_verdicts.h"

#include <cstdio>
#include <ctime>

namespace kimgate::daemon {

namespace {

struct Row {
  Finding finding;
  Verdict verdict;
  std::string_view sentence;
  std::string_view sentence_de;
  std::string_view advice;
  std::string_view advice_de;
};

// {subject} and {detail} are filled in by doctor_line. An "ok" row's advice is empty.
constexpr Row kRows[] = {
    {Finding::konnektor_ok, Verdict::ok, "Konnektor {subject} answers: {detail}.",
     "Konnektor {subject} antwortet: {detail}.", "", ""},
    {Finding::konnektor_rsa_only, Verdict::warn, "Konnektor {subject} answers but is not ECC-capable: {detail}.",
     "Konnektor {subject} antwortet, kann aber kein ECC: {detail}.",
     "Recipients with ECC certificates only cannot be reached; ask your IT service for a Konnektor update "
     "(SignatureService 7.4.1, EncryptionService 6.1.1 or later).",
     "Empfänger mit ausschließlich ECC-Zertifikaten sind nicht erreichbar; bitten Sie Ihren IT-Dienstleister um ein "
     "Konnektor-Update (SignatureService ab 7.4.1, EncryptionService ab 6.1.1)."},
    {Finding::konnektor_unreachable, Verdict::fail, "Konnektor {subject} cannot be reached: {detail}.",
     "Konnektor {subject} ist nicht erreichbar: {detail}.",
     "Check that the Konnektor is switched on and connected, and the [[konnektor]] sds_url and TLS settings.",
     "Prüfen Sie, ob der Konnektor eingeschaltet und verbunden ist, sowie sds_url und TLS-Einstellungen im "
     "Abschnitt [[konnektor]]."},
    {Finding::card_verified, Verdict::ok, "Card {subject} is inserted and its PIN is entered ({detail}).",
     "Karte {subject} steckt und ihre PIN ist eingegeben ({detail}).", "", ""},
    {Finding::card_pin_not_entered, Verdict::warn, "Card {subject} is inserted, but its PIN is not entered ({detail}).",
     "Karte {subject} steckt, aber ihre PIN ist nicht eingegeben ({detail}).",
     "Enter the PIN at the card terminal (kimctl card unlock or the first KIM mail asks for it).",
     "Geben Sie die PIN am Kartenterminal ein (kimctl card unlock oder die erste KIM-Nachricht fordert sie an)."},
    {Finding::card_pin_blocked, Verdict::fail, "The PIN of card {subject} is blocked ({detail}).",
     "Die PIN der Karte {subject} ist gesperrt ({detail}).",
     "Unblock it with the PUK at the card terminal (your Konnektor's management or your IT service).",
     "Entsperren Sie sie mit der PUK am Kartenterminal (Konnektor-Verwaltung oder Ihr IT-Dienstleister)."},
    {Finding::card_transport_pin, Verdict::fail, "Card {subject} still has its transport PIN ({detail}).",
     "Karte {subject} hat noch ihre Transport-PIN ({detail}).",
     "Change the transport PIN to your own PIN at the card terminal before the card can be used.",
     "Ändern Sie die Transport-PIN am Kartenterminal in Ihre eigene PIN, bevor die Karte genutzt werden kann."},
    {Finding::card_empty_pin, Verdict::fail, "Card {subject} has no PIN set yet ({detail}).",
     "Für Karte {subject} ist noch keine PIN gesetzt ({detail}).",
     "Set the PIN at the card terminal (Leer-PIN: the card's first PIN).",
     "Setzen Sie die PIN am Kartenterminal (Leer-PIN: erste PIN der Karte)."},
    {Finding::card_missing, Verdict::fail, "Card {subject} is not inserted in Konnektor {detail}.",
     "Karte {subject} steckt nicht im Konnektor {detail}.",
     "Insert the card into the card terminal (and check that the terminal is connected).",
     "Stecken Sie die Karte in das Kartenterminal (und prüfen Sie, ob das Terminal verbunden ist)."},
    {Finding::card_refused, Verdict::fail, "The Konnektor refused to report card {subject}: {detail}.",
     "Der Konnektor gibt keine Auskunft über Karte {subject}: {detail}.",
     "Check the account's call context (Mandant, client system, workplace) in the Konnektor's information model.",
     "Prüfen Sie den Aufrufkontext des Kontos (Mandant, Clientsystem, Arbeitsplatz) im Infomodell des Konnektors."},
    {Finding::card_konnektor_unknown, Verdict::fail,
     "Card {subject} belongs to Konnektor {detail}, which is not configured.",
     "Karte {subject} gehört zu Konnektor {detail}, der nicht konfiguriert ist.",
     "Add that [[konnektor]] to the configuration or register the account again with a configured one.",
     "Tragen Sie diesen [[konnektor]] ein oder registrieren Sie das Konto mit einem konfigurierten erneut."},
    {Finding::vzd_found, Verdict::ok, "The directory (VZD) has the entry of {subject}, KIM version {detail}.",
     "Der Verzeichnisdienst (VZD) hat den Eintrag von {subject}, KIM-Version {detail}.", "", ""},
    {Finding::vzd_not_found, Verdict::fail,
     "The directory (VZD) answers but has no usable entry for {subject}: {detail}.",
     "Der Verzeichnisdienst (VZD) antwortet, hat aber keinen nutzbaren Eintrag für {subject}: {detail}.",
     "Check the address; a new registration needs a few minutes to appear. Ask your KIM provider otherwise.",
     "Prüfen Sie die Adresse; eine neue Registrierung erscheint nach einigen Minuten. Fragen Sie sonst Ihren "
     "KIM-Anbieter."},
    {Finding::vzd_unreachable, Verdict::fail, "The directory (VZD) cannot be reached: {detail}.",
     "Der Verzeichnisdienst (VZD) ist nicht erreichbar: {detail}.",
     "Check the Konnektor's LDAP proxy and [directory] url; without the VZD no KIM mail can be sent.",
     "Prüfen Sie den LDAP-Proxy des Konnektors und [directory] url; ohne VZD kann keine KIM-Nachricht gesendet "
     "werden."},
    {Finding::vzd_not_configured, Verdict::fail, "No directory (VZD) is configured.",
     "Es ist kein Verzeichnisdienst (VZD) konfiguriert.",
     "Set [directory] url to the Konnektor's LDAP proxy (ldaps://...).",
     "Tragen Sie unter [directory] url den LDAP-Proxy des Konnektors ein (ldaps://...)."},
    {Finding::login_ok, Verdict::ok, "{subject}: the provider accepts the login ({detail}).",
     "{subject}: der Anbieter akzeptiert die Anmeldung ({detail}).", "", ""},
    {Finding::login_refused, Verdict::fail, "{subject}: the provider refuses the login: {detail}.",
     "{subject}: der Anbieter lehnt die Anmeldung ab: {detail}.",
     "Check the mailbox password (kimctl account password changes it at the provider).",
     "Prüfen Sie das Postfach-Passwort (kimctl account password ändert es beim Anbieter)."},
    {Finding::login_unreachable, Verdict::fail, "{subject}: the provider's mail server cannot be reached: {detail}.",
     "{subject}: der Mailserver des Anbieters ist nicht erreichbar: {detail}.",
     "Check the network route to the provider (through the Konnektor) and [[services.provider]] smtp_server / "
     "pop3_server.",
     "Prüfen Sie den Netzweg zum Anbieter (über den Konnektor) sowie smtp_server / pop3_server unter "
     "[[services.provider]]."},
    {Finding::login_tls_failed, Verdict::fail, "{subject}: TLS with the provider fails: {detail}.",
     "{subject}: TLS mit dem Anbieter scheitert: {detail}.",
     "Check the account's client certificate (kimctl account cert) and fachdienst.ca_file.",
     "Prüfen Sie das Client-Zertifikat des Kontos (kimctl account cert) und fachdienst.ca_file."},
    {Finding::login_temporary, Verdict::warn, "{subject}: the provider answers \"not now\": {detail}.",
     "{subject}: der Anbieter antwortet \"später\": {detail}.", "Try again in a few minutes.",
     "Versuchen Sie es in einigen Minuten erneut."},
    {Finding::login_not_checked, Verdict::skip, "{subject}: login not checked: no password given.",
     "{subject}: Anmeldung nicht geprüft: kein Passwort angegeben.",
     "Run kimctl doctor --accounts and enter the mailbox passwords to check the logins.",
     "Rufen Sie kimctl doctor --accounts auf und geben Sie die Postfach-Passwörter ein, um die Anmeldungen zu prüfen."},
    {Finding::login_no_certificate, Verdict::fail, "{subject}: kimgate has no TLS client certificate for this account.",
     "{subject}: kimgate hat kein TLS-Client-Zertifikat für dieses Konto.",
     "Get one with kimctl account cert, or configure fachdienst.client_p12.",
     "Holen Sie eines mit kimctl account cert oder tragen Sie fachdienst.client_p12 ein."},
    {Finding::kas_ok, Verdict::ok, "The KIM attachment service (KAS) of {subject} answers ({detail}).",
     "Der KIM-Attachment-Service (KAS) von {subject} antwortet ({detail}).", "", ""},
    {Finding::kas_not_found, Verdict::fail, "The KAS of {subject} cannot be found: {detail}.",
     "Der KAS von {subject} ist nicht auffindbar: {detail}.",
     "Check DNS service discovery (services.dns_server) or set services.provider.kas_url; mails above 15 MiB need "
     "the KAS.",
     "Prüfen Sie die DNS-Service-Discovery (services.dns_server) oder tragen Sie services.provider.kas_url ein; "
     "Nachrichten über 15 MiB brauchen den KAS."},
    {Finding::kas_unreachable, Verdict::fail, "The KAS of {subject} cannot be reached: {detail}.",
     "Der KAS von {subject} ist nicht erreichbar: {detail}.",
     "Check the network route to the provider and the TLS client certificate.",
     "Prüfen Sie den Netzweg zum Anbieter und das TLS-Client-Zertifikat."},
    {Finding::kas_server_error, Verdict::warn, "The KAS of {subject} answers with an error ({detail}).",
     "Der KAS von {subject} antwortet mit einem Fehler ({detail}).",
     "Large mails may fail for now; if it persists, tell your KIM provider.",
     "Große Nachrichten können vorerst scheitern; wenn es anhält, informieren Sie Ihren KIM-Anbieter."},
    {Finding::accmgr_ok, Verdict::ok, "The Account Manager of {subject} answers (KIM service version {detail}).",
     "Der Account Manager von {subject} antwortet (KIM-Dienstversion {detail}).", "", ""},
    {Finding::accmgr_not_found, Verdict::fail, "The Account Manager of {subject} cannot be found: {detail}.",
     "Der Account Manager von {subject} ist nicht auffindbar: {detail}.",
     "Check DNS service discovery (services.dns_server) or set services.provider.account_manager_url.",
     "Prüfen Sie die DNS-Service-Discovery (services.dns_server) oder tragen Sie "
     "services.provider.account_manager_url ein."},
    {Finding::accmgr_unreachable, Verdict::fail, "The Account Manager of {subject} cannot be reached: {detail}.",
     "Der Account Manager von {subject} ist nicht erreichbar: {detail}.",
     "Check the network route to the provider and the TLS client certificate.",
     "Prüfen Sie den Netzweg zum Anbieter und das TLS-Client-Zertifikat."},
    {Finding::accmgr_error, Verdict::warn, "The Account Manager of {subject} answers with an error: {detail}.",
     "Der Account Manager von {subject} antwortet mit einem Fehler: {detail}.",
     "Registering and account care may fail for now; if it persists, tell your KIM provider.",
     "Registrierung und Kontopflege können vorerst scheitern; wenn es anhält, informieren Sie Ihren KIM-Anbieter."},
    {Finding::certificate_ok, Verdict::ok, "The client certificate of {subject} is valid until {detail}.",
     "Das Client-Zertifikat von {subject} ist gültig bis {detail}.", "", ""},
    {Finding::certificate_expiring, Verdict::warn, "The client certificate of {subject} expires soon: {detail}.",
     "Das Client-Zertifikat von {subject} läuft bald ab: {detail}.",
     "kimgated renews it one month ahead; if that failed, get a new one with kimctl account cert.",
     "kimgated erneuert es einen Monat vorher; ist das gescheitert, holen Sie ein neues mit kimctl account cert."},
    {Finding::certificate_expired, Verdict::fail, "The client certificate of {subject} has expired: {detail}.",
     "Das Client-Zertifikat von {subject} ist abgelaufen: {detail}.",
     "Get a new one now with kimctl account cert; until then the provider refuses the account's connections.",
     "Holen Sie sofort ein neues mit kimctl account cert; bis dahin lehnt der Anbieter die Verbindungen des Kontos "
     "ab."},
    {Finding::certificate_configured, Verdict::ok,
     "{subject} has no certificate of its own and uses the configured fachdienst.client_p12.",
     "{subject} hat kein eigenes Zertifikat und nutzt das konfigurierte fachdienst.client_p12.", "", ""},
    {Finding::clock_ok, Verdict::ok, "This machine's clock agrees with Konnektor {subject} (offset {detail}).",
     "Die Uhr dieses Rechners stimmt mit Konnektor {subject} überein (Abweichung {detail}).", "", ""},
    {Finding::clock_off, Verdict::warn, "This machine's clock is off from Konnektor {subject} by {detail}.",
     "Die Uhr dieses Rechners weicht von Konnektor {subject} um {detail} ab.",
     "Let the machine take its time from the Konnektor (NTP, e.g. systemd-timesyncd with the Konnektor as server).",
     "Lassen Sie den Rechner seine Zeit vom Konnektor beziehen (NTP, z. B. systemd-timesyncd mit dem Konnektor als "
     "Server)."},
    {Finding::clock_far_off, Verdict::fail, "This machine's clock is off from Konnektor {subject} by {detail}.",
     "Die Uhr dieses Rechners weicht von Konnektor {subject} um {detail} ab.",
     "Correct the clock now and take the time from the Konnektor (NTP): certificates, JWTs and Expires headers "
     "depend on it.",
     "Stellen Sie die Uhr sofort richtig und beziehen Sie die Zeit vom Konnektor (NTP): Zertifikate, JWTs und "
     "Expires-Header hängen davon ab."},
    {Finding::clock_unreachable, Verdict::fail,
     "The time service (sync_Time) of Konnektor {subject} does not answer: {detail}.",
     "Der Zeitdienst (sync_Time) von Konnektor {subject} antwortet nicht: {detail}.",
     "Check that UDP port 123 to the Konnektor is open, or set [[konnektor]] time_server.",
     "Prüfen Sie, ob UDP-Port 123 zum Konnektor offen ist, oder tragen Sie [[konnektor]] time_server ein."},
    {Finding::clock_local, Verdict::ok, "Konnektor {subject} runs inside kimgated and shares this machine's clock.",
     "Konnektor {subject} läuft in kimgated und nutzt die Uhr dieses Rechners.", "", ""},
    {Finding::no_accounts, Verdict::warn, "No KIM account is registered through kimgate yet.",
     "Über kimgate ist noch kein KIM-Konto registriert.",
     "Register one (kimctl account register or the setup assistant); card, login and certificate checks need one.",
     "Registrieren Sie eines (kimctl account register oder der Einrichtungsassistent); Karten-, Anmelde- und "
     "Zertifikatsprüfungen brauchen eines."},
    {Finding::hop_timeout, Verdict::fail, "{subject}: no answer within {detail}.",
     "{subject}: keine Antwort innerhalb von {detail}.",
     "That hop hangs; check the component named and its network route.",
     "Diese Station hängt; prüfen Sie die genannte Komponente und ihren Netzweg."},
};

std::string fill(std::string_view text, const std::string& subject, const std::string& detail) {
  std::string out;
  out.reserve(text.size() + subject.size() + detail.size());
  for (std::size_t i = 0; i < text.size();) {
    if (text.substr(i, 9) == "{subject}") {
      out += subject;
      i += 9;
    } else if (text.substr(i, 8) == "{detail}") {
      out += detail;
      i += 8;
    } else {
      out += text[i++];
    }
  }
  return out;
}

}  // namespace

std::string_view verdict_name(Verdict v) {
  switch (v) {
    case Verdict::ok:
      return "ok";
    case Verdict::warn:
      return "warn";
    case Verdict::fail:
      return "fail";
    case Verdict::skip:
      return "skip";
  }
  return "fail";
}

DoctorLine doctor_line(std::string hop, std::string subject, Finding finding, const std::string& detail) {
  for (const Row& r : kRows) {
    if (r.finding == finding) {
      DoctorLine line;
      line.sentence = fill(r.sentence, subject, detail);
      line.sentence_de = fill(r.sentence_de, subject, detail);
      line.advice = std::string(r.advice);
      line.advice_de = std::string(r.advice_de);
      line.hop = std::move(hop);
      line.subject = std::move(subject);
      line.finding = finding;
      line.verdict = r.verdict;
      return line;
    }
  }
  DoctorLine line;  // unreachable with a complete table (unit-tested)
  line.hop = std::move(hop);
  line.subject = std::move(subject);
  line.sentence = "internal error: no doctor sentence for this finding";
  return line;
}

nlohmann::json to_json(const DoctorLine& l) {
  return nlohmann::json{{"hop", l.hop},
                        {"subject", l.subject},
                        {"verdict", std::string(verdict_name(l.verdict))},
                        {"sentence", l.sentence},
                        {"sentence_de", l.sentence_de},
                        {"advice", l.advice},
                        {"advice_de", l.advice_de}};
}

Finding clock_finding(std::chrono::milliseconds offset) {
  const std::chrono::milliseconds size = offset < offset.zero() ? -offset : offset;
  if (size > kClockFail) {
    return Finding::clock_far_off;
  }
  return size > kClockWarn ? Finding::clock_off : Finding::clock_ok;
}

Finding pin_finding(konnektor::PinStatus status) {
  switch (status) {
    case konnektor::PinStatus::verified:
      return Finding::card_verified;
    case konnektor::PinStatus::verifiable:
      return Finding::card_pin_not_entered;
    case konnektor::PinStatus::blocked:
      return Finding::card_pin_blocked;
    case konnektor::PinStatus::transport_pin:
      return Finding::card_transport_pin;
    case konnektor::PinStatus::empty_pin:
      return Finding::card_empty_pin;
  }
  return Finding::card_pin_blocked;
}

Finding certificate_finding(std::chrono::system_clock::time_point not_after,
                            std::chrono::system_clock::time_point now) {
  if (not_after <= now) {
    return Finding::certificate_expired;
  }
  return not_after - now < kCertificateWarn ? Finding::certificate_expiring : Finding::certificate_ok;
}

std::string describe_span(std::chrono::milliseconds span) {
  using namespace std::chrono;
  const bool negative = span < span.zero();
  const milliseconds size = negative ? -span : span;
  std::string out = negative ? "-" : "";
  if (size < seconds(10)) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(size.count()) / 1000.0);
    return out + buf;
  }
  const seconds total = round<seconds>(size);
  const auto d = duration_cast<hours>(total).count() / 24;
  const auto h = duration_cast<hours>(total).count() % 24;
  const auto m = duration_cast<minutes>(total).count() % 60;
  const auto s = total.count() % 60;
  if (d > 0) {
    return out + std::to_string(d) + " d " + std::to_string(h) + " h";
  }
  if (h > 0) {
    return out + std::to_string(h) + " h " + std::to_string(m) + " min";
  }
  if (m > 0) {
    return out + std::to_string(m) + " min " + std::to_string(s) + " s";
  }
  return out + std::to_string(s) + " s";
}

}  // namespace kimgate::daemon
