#pragma once
// The receive side's output (§5.3–§5.6): the delivered client mail with
// X-KIM-DecryptionResult / X-KIM-IntegrityCheckResult and the notes, and the spec's
// error mails (multipart/mixed: German text + the received KOM-LE message or the
// decrypted original as message/rfc822). German texts are normative constants,
// reproduced byte for byte from the digest (UTF-8).
#include <string>
#include <string_view>

namespace kimgate::kim {

// The line above the notes of a delivered mail.
inline constexpr std::string_view kNoteDashes = "---------------------------------------------";

namespace texts {
inline constexpr std::string_view decrypted_note = "Die Nachricht wurde entschlüsselt.";
inline constexpr std::string_view signature_ok_note = "Die Signatur wurde erfolgreich geprüft.";
inline constexpr std::string_view subject_decryption_failed = "Die Nachricht konnte nicht entschlüsselt werden";
inline constexpr std::string_view subject_version_unsupported =
    "Die KIM-Version der empfangenen Nachricht wird nicht unterstützt";
inline constexpr std::string_view decryption_01_a =
    "Der für die Entschlüsselung der Nachricht benötigte Schlüssel wurde nicht gefunden. Überprüfen Sie ob die "
    "entsprechende Karte gesteckt ist und leiten Sie diese Nachricht an Ihre eigene E-Mail-Adresse (";
inline constexpr std::string_view decryption_01_b =
    ") weiter. Beim nächsten Abholen wird der Entschlüsselungsvorgang wiederholt.";
inline constexpr std::string_view decryption_02 =
    "Die Nachricht wurde als eine verschlüsselte KIM-Nachricht gekennzeichnet, konnte aber auf Grund des falschen "
    "Formats nicht entschlüsselt werden. Die Verschlüsselte Nachricht befindet sich im Anhang. Bitte kontaktieren Sie "
    "den Absender der Nachricht.";
inline constexpr std::string_view decryption_03_a =
    "Die Entschlüsselung konnte nicht erfolgen, weil der Konnektor nicht antwortet. Stellen Sie sicher, dass der "
    "Konnektor wieder zur Verfügung steht und leiten Sie diese Nachricht an Ihre eigene E-Mail-Adresse (";
inline constexpr std::string_view decryption_03_b =
    ") weiter. Beim nächsten Abholen wird der Entschlüsselungsvorgang wiederholt.";
inline constexpr std::string_view version_unsupported_a =
    "Das verwendete Clientmodul unterstützt die in der empfangenen Nachricht angegebene KIM-Version ";
inline constexpr std::string_view version_unsupported_b = " nicht.";
inline constexpr std::string_view security_warning =
    "Beim Empfang dieser KIM-Nachricht wurde eine Sicherheitsverletzung erkannt. Dies kann eine technisches Ursache "
    "haben oder auf eine missbräuchliche Nutzung des KIM-Dienstes hinweisen. Zu Ihrem Schutz wurde der Inhalt dieser "
    "Nachricht durch diesen Text ausgetauscht. Bitte kontaktieren Sie den Absender und/oder Ihren Administrator. Die "
    "entschlüsselte Nachricht wurde in diese Fehlernachricht eingebettet und kann, abhängig vom verwendeten "
    "E-Mail-Client, in eigener Verantwortung eingesehen bzw. verarbeitet werden.";
}  // namespace texts

// The text of Tab_Fehlertext_Entschl for "01", "02", "03"; `address` fills <Email Adresse>.
std::string decryption_error_text(std::string_view result_id, std::string_view address);
// X-KIM-Fehlermeldung for a decryption result (4009/4010/4011) or an integrity result (4014/4015; else empty).
std::string_view decryption_error_code(std::string_view result_id);
std::string_view integrity_error_code(std::string_view result_id);
// Short German description of an integrity result id (the "[ID nn] …" line).
std::string_view integrity_description(std::string_view result_id);

// Identity of a generated mail: fresh Message-ID and Date (the caller supplies both,
// so that output is deterministic under test).
struct Generated {
  std::string message_id;  // with angle brackets
  std::string date;        // RFC 5322 date-time
};

// Decryption succeeded and the integrity result is 01 or 07: the inner mail with
// Return-Path/Received copied from the outer header, the two result headers, any
// sender-supplied X-KIM-DecryptionResult/IntegrityCheckResult removed, and the notes
// appended to a single-part text/plain body (multipart: a text/plain note part is added).
std::string delivered_mail(std::string_view outer, std::string_view inner, std::string_view integrity_id);

// Decryption failed (01/02/03) or the version is unsupported ("4008"): multipart/mixed
// with the text and the received KOM-LE message unchanged as message/rfc822.
std::string decryption_error_mail(std::string_view outer, std::string_view result_id, std::string_view address,
                                  const Generated& g);
std::string version_error_mail(std::string_view outer, std::string_view version, const Generated& g);
// The common form of both: `subject`, X-KIM-Fehlermeldung `code`, `text`, the received message.
std::string received_error_mail(std::string_view outer, std::string_view subject, std::string_view code,
                                std::string_view text, const Generated& g);

// Integrity failure (02–06, 08, 09): security warning + the decrypted original as
// message/rfc822, X-KIM-DecryptionResult: 00, X-KIM-IntegrityCheckResult: <id>.
std::string integrity_error_mail(std::string_view outer, std::string_view inner, std::string_view integrity_id,
                                 const Generated& g);

// §5.6 step 2: from/sender/reply-to/to/cc of outer and inner name the same addr-specs
// (ASCII case-insensitive, order-insensitive, folded headers unfolded).
bool outer_inner_headers_match(std::string_view outer, std::string_view inner);

}  // namespace kimgate::kim
