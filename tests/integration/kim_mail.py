"""What kimgate must deliver for a retrieved KIM message, rebuilt independently from the spec
digest (§5.3-§5.6): the German texts are the normative constants, the layout is that of the
client module's error mails and delivered mail. Used by pop3_receive_test.py to compare RETR
output byte for byte. Standard library only."""
import re

DASHES = "-" * 45
DECRYPTED = "Die Nachricht wurde entschlüsselt."
SIGNATURE_OK = "Die Signatur wurde erfolgreich geprüft."
SUBJECT_DECRYPTION = "Die Nachricht konnte nicht entschlüsselt werden"
SUBJECT_VERSION = "Die KIM-Version der empfangenen Nachricht wird nicht unterstützt"
TEXT_01 = ("Der für die Entschlüsselung der Nachricht benötigte Schlüssel wurde nicht gefunden. Überprüfen Sie ob "
           "die entsprechende Karte gesteckt ist und leiten Sie diese Nachricht an Ihre eigene E-Mail-Adresse "
           "({addr}) weiter. Beim nächsten Abholen wird der Entschlüsselungsvorgang wiederholt.")
TEXT_02 = ("Die Nachricht wurde als eine verschlüsselte KIM-Nachricht gekennzeichnet, konnte aber auf Grund des "
           "falschen Formats nicht entschlüsselt werden. Die Verschlüsselte Nachricht befindet sich im Anhang. "
           "Bitte kontaktieren Sie den Absender der Nachricht.")
TEXT_03 = ("Die Entschlüsselung konnte nicht erfolgen, weil der Konnektor nicht antwortet. Stellen Sie sicher, dass "
           "der Konnektor wieder zur Verfügung steht und leiten Sie diese Nachricht an Ihre eigene E-Mail-Adresse "
           "({addr}) weiter. Beim nächsten Abholen wird der Entschlüsselungsvorgang wiederholt.")
TEXT_VERSION = ("Das verwendete Clientmodul unterstützt die in der empfangenen Nachricht angegebene KIM-Version "
                "{version} nicht.")
WARNING = ("Beim Empfang dieser KIM-Nachricht wurde eine Sicherheitsverletzung erkannt. Dies kann eine technisches "
           "Ursache haben oder auf eine missbräuchliche Nutzung des KIM-Dienstes hinweisen. Zu Ihrem Schutz wurde "
           "der Inhalt dieser Nachricht durch diesen Text ausgetauscht. Bitte kontaktieren Sie den Absender und/oder "
           "Ihren Administrator. Die entschlüsselte Nachricht wurde in diese Fehlernachricht eingebettet und kann, "
           "abhängig vom verwendeten E-Mail-Client, in eigener Verantwortung eingesehen bzw. verarbeitet werden.")
# kimgate's one-line descriptions after "[Integritätsprüfung] [ID nn]" (not spec constants).
INTEGRITY_DESCRIPTION = {
    "02": "Die Integrität der Nachricht ist verletzt.",
    "08": "Die Absender- oder Empfängerangaben der Nachricht wurden verändert.",
    "09": "Die signierten und unsignierten Empfängerangaben (recipient-emails) unterscheiden sich.",
}
DECRYPTION_CODE = {"01": "4009", "02": "4010", "03": "4011"}
INTEGRITY_CODE = {"08": "4014", "09": "4015"}


def fields(message):
    """The header fields of a message (bytes) as (lower-case name, raw bytes incl. CRLF), in order."""
    head = message.split(b"\r\n\r\n", 1)[0] + b"\r\n"
    out = []
    for line in head.split(b"\r\n")[:-1]:
        if line[:1] in (b" ", b"\t") and out:
            out[-1] = (out[-1][0], out[-1][1] + line + b"\r\n")
        else:
            out.append((line.split(b":", 1)[0].strip().lower().decode(), line + b"\r\n"))
    return out


def copy(message, names):
    return b"".join(raw for name, raw in fields(message) if name in names)


def body(message):
    return message.split(b"\r\n\r\n", 1)[1]


def encoded_word(text):
    if all(" " <= c <= "~" for c in text):
        return text
    out = "=?UTF-8?Q?"
    for b in text.encode():
        c = chr(b)
        if c == " ":
            out += "_"
        elif c.isascii() and (c.isalnum() or c in "-."):
            out += c
        else:
            out += "=%02X" % b
    return out + "?="


def header(mail, name):
    """The first value of a header field, or None."""
    for field_name, raw in fields(mail):
        if field_name == name.lower():
            return raw.split(b":", 1)[1].strip().decode()
    return None


def message_id(mail):
    m = re.search(rb"^Message-ID: (<[^>]+>)\r$", mail, re.M)
    return m.group(1).decode() if m else None


def _multipart(headers, text, embedded, eight_bit, mid):
    boundary = "kimgate-" + "".join(c for c in mid if c.isascii() and c.isalnum())
    while boundary.encode() in embedded or boundary.encode() in text:
        boundary += "x"
    b = boundary.encode()
    out = headers + b"Message-ID: " + mid.encode() + b"\r\nMIME-Version: 1.0\r\n"
    out += b'Content-Type: multipart/mixed; boundary="' + b + b'"\r\n\r\n'
    out += b"--" + b + b"\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    out += text + b"\r\n--" + b + b"\r\nContent-Type: message/rfc822\r\nContent-Disposition: inline\r\n"
    if eight_bit:
        out += b"Content-Transfer-Encoding: 8bit\r\n"
    out += b"\r\n" + embedded
    if not embedded.endswith(b"\n"):
        out += b"\r\n"
    return out + b"--" + b + b"--\r\n"


def _common(outer):
    return copy(outer, ("return-path", "received")) + copy(outer, ("date", "from", "sender", "reply-to", "to", "cc"))


def decryption_error(outer, result_id, address, mid):
    headers = _common(outer) + f"Subject: {encoded_word(SUBJECT_DECRYPTION)}\r\n".encode()
    headers += f"X-KIM-Fehlermeldung: {DECRYPTION_CODE[result_id]}\r\nX-KIM-DecryptionResult: {result_id}\r\n".encode()
    text = {"01": TEXT_01, "02": TEXT_02, "03": TEXT_03}[result_id].format(addr=address)
    return _multipart(headers, f"[ID {result_id}] {text}".encode(), outer, False, mid)


def version_error(outer, version, mid):
    headers = _common(outer) + f"Subject: {encoded_word(SUBJECT_VERSION)}\r\nX-KIM-Fehlermeldung: 4008\r\n".encode()
    return _multipart(headers, TEXT_VERSION.format(version=version).encode(), outer, False, mid)


def integrity_error(outer, inner, result_id, mid):
    headers = _common(outer) + copy(inner, ("subject",))
    if result_id in INTEGRITY_CODE:
        headers += f"X-KIM-Fehlermeldung: {INTEGRITY_CODE[result_id]}\r\n".encode()
    headers += f"X-KIM-DecryptionResult: 00\r\nX-KIM-IntegrityCheckResult: {result_id}\r\n".encode()
    text = (WARNING + "\r\n\r\nErgänzende Informationen:\r\n" + DECRYPTED + "\r\n[Integritätsprüfung] [ID " + result_id
            + "] " + INTEGRITY_DESCRIPTION[result_id] + "\r\n")
    return _multipart(headers, text.encode(), inner, True, mid)


def delivered(outer, inner, integrity_id, boundary=None):
    """The client mail as delivered: trace fields of the outer message, the two result fields, the
    inner fields, and the notes after the text: of a single text/plain body, or of the first body
    part (a UTF-8 text/plain part in 8bit, as the test mails have) of a multipart mail."""
    out = copy(outer, ("return-path", "received"))
    out += f"X-KIM-DecryptionResult: 00\r\nX-KIM-IntegrityCheckResult: {integrity_id}\r\n".encode()
    out += b"".join(raw for name, raw in fields(inner)
                    if name not in ("x-kim-decryptionresult", "x-kim-integritycheckresult", "return-path"))
    notes = f"{DASHES}\r\n{DECRYPTED}\r\n{SIGNATURE_OK}\r\n".encode()
    text = body(inner)
    if boundary is None:
        if not text.endswith(b"\n"):
            text += b"\r\n"
        text += b"\r\n" + notes
    else:
        first = text.find(b"--" + boundary.encode() + b"\r\n")
        part_body = text.find(b"\r\n\r\n", first) + 4
        end = text.find(b"\r\n--" + boundary.encode(), part_body)
        text = text[:end] + b"\r\n\r\n" + notes[:-2] + text[end:]
    return out + b"\r\n" + text
