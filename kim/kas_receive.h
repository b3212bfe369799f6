#pragma once
// The receive side of large mails (§5.7): what the PVS gets when the decrypted client mail is
// an x-kas reference. One table (kas_failure_code) from what went wrong to X-KIM-Fehlermeldung,
// the spec's mails for each failure, and the frame around a downloaded client mail that is
// streamed to the PVS (it is never held in memory: up to 700 MiB).
//
//   X-KIM-KAS-Size > 15 MiB, own account not 1.5+  -> 4018 error mail, KIM message embedded (A_23512)
//   more than one x-kas structure, or not valid     -> body replaced: "uneindeutige Informationen"
//   download refused or failed (HEAD/GET)           -> 4006 error mail, KIM message embedded
//   HTTP 429                                        -> 4013 error mail, KIM message embedded
//   AES-GCM fails                                   -> body replaced, 4007
//   hash differs                                    -> body replaced by the security warning, 4012
//   all well                                        -> the client mail with the result headers and notes
#include <string>
#include <string_view>

#include "kim/receive_mail.h"

namespace kimgate::kim {

namespace texts {
inline constexpr std::string_view subject_kas_download_failed = "Die E-Mail-Daten konnten nicht abgerufen werden";
inline constexpr std::string_view kas_download_failed_a =
    "Die E-Mail-Daten dieser Nachricht konnten nicht heruntergeladen werden. Bitte leiten Sie diese Nachricht nach "
    "einer angemessenen Zeit an Ihre eigene E-Mail-Adresse (";
inline constexpr std::string_view kas_download_failed_b =
    ") weiter. Beim nächsten Abholen wird der Download wiederholt.";
inline constexpr std::string_view kas_too_many =
    "Der KIM-Attachment-Service hat den Abruf der E-Mail-Daten dieser Nachricht abgelehnt, weil sie zu oft abgerufen "
    "wurden (HTTP 429). Bitte leiten Sie diese Nachricht nach einer angemessenen Zeit an Ihre eigene E-Mail-Adresse (";
inline constexpr std::string_view kas_ambiguous =
    "Nachricht konnte aufgrund uneindeutiger Informationen nicht abgerufen werden";
inline constexpr std::string_view kas_decrypt_failed = "Abgerufene E-Mail-Daten konnten nicht entschlüsselt werden";
inline constexpr std::string_view kas_decrypt_failed_text =
    "Die E-Mail-Daten dieser Nachricht konnten nicht entschlüsselt werden, bitte kontaktieren Sie den Absender der "
    "Nachricht.";
inline constexpr std::string_view kas_hash_warning =
    "Beim Empfang dieser KIM-Nachricht wurde eine Sicherheitsverletzung erkannt. Dies kann eine technisches Ursache "
    "haben oder auf eine missbräuchliche Nutzung des KIM-Dienstes hinweisen. Zu Ihrem Schutz wurde der Inhalt dieser "
    "Nachricht durch diesen Text ausgetauscht. Bitte kontaktieren Sie den Absender und/oder Ihren Administrator. Bitte "
    "antworten Sie nicht auf diese Nachricht. Sie können diese Nachricht löschen.";
inline constexpr std::string_view subject_large_not_enabled =
    "Die KIM-Nachricht kann nicht empfangen werden, weil der Empfang großer Nachrichten nicht aktiviert wurde";
inline constexpr std::string_view large_not_enabled_a =
    "Diese KIM-Nachricht enthält mehr als 15 MiB Daten, die beim KIM-Attachment-Service des Absenders liegen. Ihr "
    "KIM-Konto (";
inline constexpr std::string_view large_not_enabled_b =
    ") ist für den Empfang großer Nachrichten nicht freigeschaltet (KIM-Version 1.5+ im Verzeichnisdienst). Sie "
    "können den Empfang großer Nachrichten in der Kontoverwaltung Ihres KIM-Anbieters (Account Manager) aktivieren. "
    "Leiten Sie diese Nachricht danach an Ihre eigene E-Mail-Adresse weiter; beim nächsten Abholen wird der Abruf "
    "wiederholt.";
}  // namespace texts

enum class KasFailure { not_enabled, ambiguous, download_failed, too_many, decrypt, hash_mismatch };

// X-KIM-Fehlermeldung of a failure ("" for ambiguous: the spec names none).
std::string_view kas_failure_code(KasFailure f);
// The mail for a failure. `outer`: the KIM message as retrieved; `inner`: the decrypted client
// mail (the x-kas one); `integrity_id`: its integrity result (01/07); `address`: the fetching user.
std::string kas_failure_mail(KasFailure f, std::string_view outer, std::string_view inner, std::string_view address,
                             std::string_view integrity_id, const Generated& g);

// The header section (with its empty line) and closing delimiter that wrap a downloaded client
// mail for the PVS: Return-Path/Received of the KIM message, the result headers, the client mail's
// fields (result headers it carries dropped), then multipart/mixed — first a text part with the
// notes, then the client mail's own MIME entity (its Content-* fields and its body, streamed
// between `head` and `tail` unchanged). `client_head` is the client mail's header section.
struct KasFrame {
  std::string head;
  std::string tail;
};
KasFrame kas_delivery_frame(std::string_view outer, std::string_view client_head, std::string_view integrity_id,
                            std::string_view boundary);

}  // namespace kimgate::kim
