// The one table from (Account Manager operation, HTTP status) to the sentences the administrator
// reads. Rows mirror the yaml files' responses exactly: tests/rest/account_manager_errors_test.cpp
// holds the yaml's codes per operation and checks both ways.
#include "rest/account_manager_errors.h"

#include <algorithm>
#include <array>
#include <vector>

#include "rest/provider_error.h"

namespace kimgate::rest {

namespace {

using Op = AmOperation;

constexpr unsigned bit(Op op) {
  return 1U << static_cast<unsigned>(op);
}
constexpr unsigned kRegister = bit(Op::register_account);
constexpr unsigned kGet = bit(Op::get_account);
constexpr unsigned kSet = bit(Op::set_account);
constexpr unsigned kDeregister = bit(Op::deregister_account);
constexpr unsigned kRevoke = bit(Op::revoke_deregistration);
constexpr unsigned kCert = bit(Op::create_cert);
constexpr unsigned kOtp = bit(Op::get_otp);
constexpr unsigned kTid = bit(Op::set_tid);
constexpr unsigned kOooGet = bit(Op::get_out_of_office);
constexpr unsigned kOooSet = bit(Op::update_out_of_office);
constexpr unsigned kLimits = bit(Op::get_limits);
constexpr unsigned kInfo = bit(Op::get_service_information);
constexpr unsigned kAccountManager =
    kRegister | kGet | kSet | kDeregister | kRevoke | kCert | kOtp | kTid | kOooGet | kOooSet;

struct Names {
  std::string_view operation_id;
  std::string_view action_en;
  std::string_view action_de;
};
constexpr std::array<Names, kAmOperationCount> kNames{{
    {"registerAccount", "Registering the KIM address", "Die Registrierung der KIM-Adresse"},
    {"getAccount", "Reading the account", "Das Lesen des Kontos"},
    {"setAccount", "Changing the account", "Die Änderung des Kontos"},
    {"deregisterAccount", "Deregistering the account", "Die Abmeldung des Kontos"},
    {"revokeDeregistration", "Revoking the deregistration", "Der Widerruf der Abmeldung"},
    {"createCert", "Requesting the client module certificate", "Die Anforderung des Clientmodul-Zertifikats"},
    {"getOTP", "Requesting the one-time password for moving the address",
     "Die Anforderung des Einmalpassworts für den Umzug der Adresse"},
    {"setTID", "Moving the address to the new card", "Der Umzug der Adresse auf die neue Karte"},
    {"getOutOfOffice", "Reading the absence note", "Das Lesen der Abwesenheitsnotiz"},
    {"updateOutOfOffice", "Saving the absence note", "Das Speichern der Abwesenheitsnotiz"},
    {"getLimits", "Reading the account limits", "Das Lesen der Kontogrenzen"},
    {"getServiceInformation", "Reading the provider's service information",
     "Das Lesen der Dienstinformationen des Anbieters"},
}};

struct Row {
  unsigned ops;  // the operations whose yaml documents this status with this meaning
  AmErrorRow row;
};

constexpr std::string_view kRetryEn = "Try again later; if it keeps failing, give the provider the traceId below.";
constexpr std::string_view kRetryDe =
    "Versuchen Sie es später erneut; wenn es weiter fehlschlägt, nennen Sie dem Anbieter die unten stehende traceId.";

// clang-format off
const Row kTable[] = {
  {kAccountManager & ~kCert, {400,
    "the provider rejected the request as invalid (HTTP 400)",
    "der Anbieter hat die Anfrage als ungültig abgelehnt (HTTP 400)",
    "Check the values you entered against the provider's message; if they are right, give the provider the traceId.",
    "Prüfen Sie die eingegebenen Werte anhand der Meldung des Anbieters; sind sie richtig, nennen Sie dem Anbieter die traceId."}},
  {kCert, {400,
    "the provider found the certificate request incomplete, e.g. without a name for the certificate (HTTP 400)",
    "der Anbieter hält den Zertifikatsantrag für unvollständig, z. B. ohne Namen für das Zertifikat (HTTP 400)",
    "Enter a name for the certificate (e.g. the practice's name) and request it again.",
    "Geben Sie einen Namen für das Zertifikat ein (z. B. den Namen der Praxis) und fordern Sie es erneut an."}},
  {kRegister, {401,
    "the provider did not accept the card's signature with the referenceID and the initial password (HTTP 401): the "
    "referenceID does not belong to this card's Telematik-ID, is missing, or the initial password is wrong",
    "der Anbieter hat die Signatur der Karte mit Referenz-ID und Initialpasswort nicht akzeptiert (HTTP 401): die "
    "Referenz-ID gehört nicht zur Telematik-ID dieser Karte, fehlt, oder das Initialpasswort ist falsch",
    "Check the referenceID and the initial password in the provider's registration letter and that you chose the card "
    "they were issued for; then try again.",
    "Prüfen Sie Referenz-ID und Initialpasswort im Registrierungsschreiben des Anbieters und ob Sie die Karte gewählt "
    "haben, für die sie ausgestellt wurden; versuchen Sie es dann erneut."}},
  {kGet | kSet | kDeregister | kRevoke | kCert | kOooGet | kOooSet, {401,
    "the provider did not accept the card's signature or the password of the address (HTTP 401)",
    "der Anbieter hat die Signatur der Karte oder das Passwort der Adresse nicht akzeptiert (HTTP 401)",
    "Check the password of the KIM address and that the card the address belongs to is inserted and unlocked; then "
    "try again.",
    "Prüfen Sie das Passwort der KIM-Adresse und ob die Karte, zu der die Adresse gehört, gesteckt und freigeschaltet "
    "ist; versuchen Sie es dann erneut."}},
  {kOtp, {401,
    "the provider did not accept the old card's signature or the password of the address (HTTP 401)",
    "der Anbieter hat die Signatur der bisherigen Karte oder das Passwort der Adresse nicht akzeptiert (HTTP 401)",
    "Use the card the address is registered with today (the old card) and the password of the address; then try again.",
    "Verwenden Sie die Karte, für die die Adresse heute registriert ist (die bisherige Karte), und das Passwort der "
    "Adresse; versuchen Sie es dann erneut."}},
  {kTid, {401,
    "the provider did not accept the new card's signature or the password of the address (HTTP 401)",
    "der Anbieter hat die Signatur der neuen Karte oder das Passwort der Adresse nicht akzeptiert (HTTP 401)",
    "Check the password of the address and that the new card is inserted and unlocked; then try again.",
    "Prüfen Sie das Passwort der Adresse und ob die neue Karte gesteckt und freigeschaltet ist; versuchen Sie es dann "
    "erneut."}},
  {kLimits, {401,
    "the provider did not accept the address and password (HTTP 401)",
    "der Anbieter hat Adresse und Passwort nicht akzeptiert (HTTP 401)",
    "Check the password configured for the address; then try again.",
    "Prüfen Sie das für die Adresse eingetragene Passwort; versuchen Sie es dann erneut."}},
  {kRevoke, {403,
    "the account is not deregistered, so there is no deregistration to revoke (HTTP 403)",
    "das Konto ist nicht abgemeldet, es gibt also keine Abmeldung zu widerrufen (HTTP 403)",
    "Nothing needs to be done: the address is in use. Show the account to see its status.",
    "Es ist nichts zu tun: die Adresse ist in Betrieb. Zeigen Sie das Konto an, um seinen Status zu sehen."}},
  {kTid, {403,
    "the one-time password is not valid (HTTP 403)",
    "das Einmalpasswort ist ungültig (HTTP 403)",
    "Enter the one-time password exactly as it was issued, or request a new one with the old card (that makes the "
    "previous one invalid).",
    "Geben Sie das Einmalpasswort genau so ein, wie es ausgegeben wurde, oder fordern Sie mit der bisherigen Karte ein "
    "neues an (das vorige wird damit ungültig)."}},
  {(kAccountManager & ~kRegister) | kLimits, {404,
    "the provider has no account with this address (HTTP 404)",
    "der Anbieter hat kein Konto mit dieser Adresse (HTTP 404)",
    "Check the address for typing errors and that it belongs to the provider you chose.",
    "Prüfen Sie die Adresse auf Tippfehler und ob sie zum gewählten Anbieter gehört."}},
  {kTid, {408,
    "the one-time password has expired: it is valid for one week (HTTP 408)",
    "das Einmalpasswort ist abgelaufen: es gilt eine Woche (HTTP 408)",
    "Request a new one-time password with the old card, then move the address with the new card within a week.",
    "Fordern Sie mit der bisherigen Karte ein neues Einmalpasswort an und ziehen Sie die Adresse innerhalb einer Woche "
    "mit der neuen Karte um."}},
  {kRegister, {409,
    "the address is already taken (HTTP 409)",
    "die Adresse ist bereits vergeben (HTTP 409)",
    "Choose another address: an address that was ever used is never issued again.",
    "Wählen Sie eine andere Adresse: eine einmal verwendete Adresse wird nie wieder vergeben."}},
  {kRegister, {420,
    "the address or the password does not comply with the provider's rules{policy} (HTTP 420)",
    "die Adresse oder das Passwort entspricht nicht den Regeln des Anbieters{policy} (HTTP 420)",
    "Choose a password that meets the rules and an address of letters, digits, '.', '-' and '_' only; then try again.",
    "Wählen Sie ein Passwort, das den Regeln entspricht, und eine Adresse nur aus Buchstaben, Ziffern, '.', '-' und "
    "'_'; versuchen Sie es dann erneut."}},
  {kSet, {420,
    "the new password does not comply with the provider's rules{policy} (HTTP 420)",
    "das neue Passwort entspricht nicht den Regeln des Anbieters{policy} (HTTP 420)",
    "Choose a password that meets the rules and try again.",
    "Wählen Sie ein Passwort, das den Regeln entspricht, und versuchen Sie es erneut."}},
  {kRegister | kSet, {422,
    "the provider does not support the requested KIM version (HTTP 422)",
    "der Anbieter unterstützt die gewünschte KIM-Version nicht (HTTP 422)",
    "Choose KIM version 1.5 (or 1.5+ to receive large mails) and try again.",
    "Wählen Sie KIM-Version 1.5 (oder 1.5+ für den Empfang großer Nachrichten) und versuchen Sie es erneut."}},
  {kRegister | kSet | kRevoke | kTid, {423,
    "the card's entry in the directory service (VZD) is inactive (HTTP 423)",
    "der Eintrag der Karte im Verzeichnisdienst (VZD) ist inaktiv (HTTP 423)",
    "Contact the provider (or the card's issuer) to have the directory entry activated; then try again.",
    "Wenden Sie sich an den Anbieter (oder den Herausgeber der Karte), damit der Verzeichniseintrag aktiviert wird; "
    "versuchen Sie es dann erneut."}},
  {kAccountManager | kLimits | kInfo, {500,
    "the provider had an internal error (HTTP 500)",
    "beim Anbieter ist ein interner Fehler aufgetreten (HTTP 500)",
    kRetryEn, kRetryDe}},
  {kRegister | kGet | kSet | kDeregister | kRevoke | kTid, {502,
    "the provider could not reach its directory service (VZD), or the VZD failed (HTTP 502)",
    "der Anbieter konnte seinen Verzeichnisdienst (VZD) nicht erreichen, oder der VZD meldete einen Fehler (HTTP 502)",
    kRetryEn, kRetryDe}},
  {kCert, {502,
    "the provider could not reach its certificate service (CMP/PKI), or it failed (HTTP 502)",
    "der Anbieter konnte seinen Zertifikatsdienst (CMP/PKI) nicht erreichen, oder dieser meldete einen Fehler (HTTP 502)",
    kRetryEn, kRetryDe}},
};
// clang-format on

std::string substitute(std::string_view text, std::string_view policy) {
  std::string out(text);
  const std::size_t at = out.find("{policy}");
  if (at != std::string::npos) {
    out.replace(at, 8, policy.empty() ? std::string() : " (" + std::string(policy) + ")");
  }
  return out;
}

// Printable, at most `max` bytes: a hostile body cannot flood a sentence.
std::string printable(std::string_view s, std::size_t max) {
  std::string out;
  for (const char c : s.substr(0, max)) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u == 0x7f ? '?' : c);
  }
  return out;
}

AmError base(AmError::Kind kind, Op op, int status) {
  AmError e;
  e.kind = kind;
  e.op = op;
  e.http_status = status;
  return e;
}

void set_sentences(AmError& e, std::string_view verb_en, std::string_view verb_de, std::string_view cause_en,
                   std::string_view cause_de) {
  e.sentence_en = std::string(am_action_en(e.op)) + std::string(verb_en) + std::string(cause_en) + ".";
  e.sentence_de = std::string(am_action_de(e.op)) + std::string(verb_de) + std::string(cause_de) + ".";
}

}  // namespace

std::string_view to_string(AmOperation op) {
  return kNames.at(static_cast<std::size_t>(op)).operation_id;
}

std::string_view am_action_en(AmOperation op) {
  return kNames.at(static_cast<std::size_t>(op)).action_en;
}

std::string_view am_action_de(AmOperation op) {
  return kNames.at(static_cast<std::size_t>(op)).action_de;
}

const AmErrorRow* am_error_row(AmOperation op, int status) {
  for (const Row& r : kTable) {
    if ((r.ops & bit(op)) != 0 && r.row.status == status) {
      return &r.row;
    }
  }
  return nullptr;
}

std::span<const int> am_documented_statuses(AmOperation op) {
  static const std::array<std::vector<int>, kAmOperationCount> kStatuses = [] {
    std::array<std::vector<int>, kAmOperationCount> out;
    for (std::size_t i = 0; i < kAmOperationCount; ++i) {
      for (const Row& r : kTable) {
        if ((r.ops & (1U << i)) != 0) {
          out[i].push_back(r.row.status);
        }
      }
      std::sort(out[i].begin(), out[i].end());
    }
    return out;
  }();
  return kStatuses.at(static_cast<std::size_t>(op));
}

AmError am_provider_error(AmOperation op, int status, std::string_view body, std::string_view password_policy) {
  AmError e = base(AmError::Kind::provider, op, status);
  const ProviderError provider = parse_provider_error(body);
  e.provider_message = printable(provider.message, 300);
  e.trace_id = printable(provider.trace_id, 255);
  if (const AmErrorRow* row = am_error_row(op, status)) {
    const std::string policy = printable(password_policy, 500);
    set_sentences(e, " failed: ", " ist fehlgeschlagen: ", substitute(row->cause_en, policy),
                  substitute(row->cause_de, policy));
    e.advice_en = row->advice_en;
    e.advice_de = row->advice_de;
  } else {
    const std::string code = std::to_string(status);
    set_sentences(
        e, " failed: ", " ist fehlgeschlagen: ",
        "the provider answered HTTP " + code + ", which the interface does not define for this operation",
        "der Anbieter antwortete mit HTTP " + code + ", was die Schnittstelle für diesen Vorgang nicht vorsieht");
    e.advice_en = kRetryEn;
    e.advice_de = kRetryDe;
  }
  if (!e.provider_message.empty() || !e.trace_id.empty()) {
    std::string tail;
    if (!e.provider_message.empty()) {
      tail.append(" ").append(e.provider_message);
    }
    if (!e.trace_id.empty()) {
      tail.append(" (traceId ").append(e.trace_id).append(")");
    }
    e.sentence_en.append(" Provider:").append(tail);
    e.sentence_de.append(" Anbieter:").append(tail);
  }
  return e;
}

AmError am_transport_error(AmOperation op, std::string_view detail) {
  AmError e = base(AmError::Kind::transport, op, 0);
  const std::string d = printable(detail, 500);
  set_sentences(e, " failed: ", " ist fehlgeschlagen: ", "the Account Manager could not be reached: " + d,
                "der Account Manager war nicht erreichbar: " + d);
  e.advice_en =
      "Check the network path to the provider, its DNS entry (or the configured account_manager_url) and the TLS "
      "certificates; then try again.";
  e.advice_de =
      "Prüfen Sie die Netzverbindung zum Anbieter, seinen DNS-Eintrag (oder die eingetragene account_manager_url) und "
      "die TLS-Zertifikate; versuchen Sie es dann erneut.";
  return e;
}

AmError am_invalid_answer(AmOperation op, int status, std::string_view detail) {
  AmError e = base(AmError::Kind::invalid_answer, op, status);
  const std::string d = printable(detail, 500);
  const std::string code = std::to_string(status);
  set_sentences(e, " failed: ", " ist fehlgeschlagen: ", "the provider's answer (HTTP " + code + ") is unusable: " + d,
                "die Antwort des Anbieters (HTTP " + code + ") ist unbrauchbar: " + d);
  e.advice_en = "Try again; if it keeps failing, report the answer to the provider.";
  e.advice_de = "Versuchen Sie es erneut; wenn es weiter fehlschlägt, melden Sie die Antwort dem Anbieter.";
  return e;
}

AmError am_invalid_request(AmOperation op, std::string_view what_en, std::string_view what_de) {
  AmError e = base(AmError::Kind::invalid_request, op, 0);
  set_sentences(e, " was not attempted: ", " wurde nicht ausgeführt: ", what_en, what_de);
  e.advice_en = "Correct the value and try again.";
  e.advice_de = "Korrigieren Sie den Wert und versuchen Sie es erneut.";
  return e;
}

}  // namespace kimgate::rest
