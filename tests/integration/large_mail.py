"""Large client mails on disk, written and checked as streams (tests/integration, tests/reliability,
tests/bench): a MIME message with a short text part (carrying a marker string) and one base64
attachment of bytes from a seeded generator, so the attachment's SHA-256 is known without holding
it; the real clients (swaks, curl) that send such a file through kimgated and fetch it back; and a
streaming check of a fetched mail (its top-level header fields, the decoded attachment's SHA-256).
Standard library only; nothing here holds a whole mail in memory."""
import base64
import email.utils
import hashlib
import os
import random
import subprocess
import time
import urllib.parse
import uuid

RAW_CHUNK = 57 * 16384  # whole base64 lines (57 bytes -> 76 characters) per piece: ~0.9 MiB


def seeded_bytes(seed, size):
    """The attachment's bytes, a piece at a time, from a generator seeded with `seed`."""
    rng = random.Random(seed)
    left = size
    while left > 0:
        n = min(RAW_CHUNK, left)
        yield rng.randbytes(n)
        left -= n


class MailFile:
    """A client mail of at most `total_size` octets (less by under one base64 line; exactly, with
    exact=True) written to `path`, most of it one base64 attachment of seeded bytes. Afterwards:
    message_id, sha256 (of the attachment), size (octets of the file), marker (in the text part),
    first_line (the attachment's first base64 line), filename."""

    def __init__(self, path, sender, to, subject, total_size, seed=None, marker=None, exact=False):
        self.path, self.sender, self.to = path, sender, list(to)
        self.seed = seed if seed is not None else uuid.uuid4().hex
        self.marker = marker or f"KIMGATE-PLAINTEXT-MARKER-{uuid.uuid4().hex}"
        self.message_id = f"<{uuid.uuid4()}@pvs.test>"
        self.filename = f"grossbefund-{uuid.uuid4().hex[:8]}.bin"
        boundary = f"b-{uuid.uuid4().hex}"

        def head_with(filler):
            return (f"From: Praxis <{sender}>\r\nTo: {', '.join(self.to)}\r\nSubject: {subject}\r\n"
                    f"Date: {email.utils.formatdate()}\r\nMessage-ID: {self.message_id}\r\n"
                    "X-KIM-Sendersystem: kimgate-test;1.0\r\nMIME-Version: 1.0\r\n"
                    f"Content-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n"
                    f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
                    f"Sehr geehrte Kollegin,\r\nanbei die Bildserie.\r\n{self.marker}\r\n{filler}"
                    f"--{boundary}\r\nContent-Type: application/octet-stream; name=\"{self.filename}\"\r\n"
                    "Content-Transfer-Encoding: base64\r\n"
                    f"Content-Disposition: attachment; filename=\"{self.filename}\"\r\n\r\n").encode()

        head = head_with("")
        tail = f"--{boundary}--\r\n".encode()
        lines = (total_size - len(head) - len(tail)) // 78  # 57 bytes: 76 characters + CRLF
        if exact:
            # A text line fills the rest, so that the file has exactly total_size octets.
            pad = total_size - len(head) - len(tail) - lines * 78
            if pad < 2:
                lines, pad = lines - 1, pad + 78
            head = head_with("~" * (pad - 2) + "\r\n")
        attachment_size = lines * 57
        digest = hashlib.sha256()
        self.first_line = None
        with open(path, "wb") as f:
            f.write(head)
            for piece in seeded_bytes(self.seed, attachment_size):
                digest.update(piece)
                encoded = base64.encodebytes(piece).replace(b"\n", b"\r\n")
                if self.first_line is None:
                    self.first_line = encoded[:76]
                f.write(encoded)
            f.write(tail)
            self.size = f.tell()
        self.sha256 = digest.hexdigest()

    def remove(self):
        if os.path.exists(self.path):
            os.unlink(self.path)


def header_fields(path, limit=1 << 20):
    """The top-level header fields of the mail in `path`: {lower-case name: [values]} (unfolded)."""
    fields, last = {}, None
    with open(path, "rb") as f:
        read = 0
        for line in f:
            read += len(line)
            if line in (b"\r\n", b"\n") or read > limit:
                break
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            if text[:1] in (" ", "\t") and last:
                fields[last][-1] += " " + text.strip()
                continue
            name, _, value = text.partition(":")
            last = name.strip().lower()
            fields.setdefault(last, []).append(value.strip())
    return fields


def attachment_sha256(path, filename):
    """SHA-256 (hex) of the base64 part whose headers name `filename`, decoded while reading the
    file line by line; None when there is no such part."""
    digest = hashlib.sha256()
    state, found, batch, batch_len = "search", False, [], 0
    with open(path, "rb") as f:
        for line in f:
            if state == "search":
                if f'filename="{filename}"'.encode() in line:
                    state = "headers"
            elif state == "headers":
                if line in (b"\r\n", b"\n"):
                    state, found = "body", True
            else:
                if line.startswith(b"--") or line in (b"\r\n", b"\n"):
                    break
                batch.append(line.rstrip(b"\r\n"))
                batch_len += len(line)
                if batch_len >= 1 << 20:
                    digest.update(base64.b64decode(b"".join(batch)))
                    batch, batch_len = [], 0
    if batch:
        digest.update(base64.b64decode(b"".join(batch)))
    return digest.hexdigest() if found else None


def user_url(scheme, user, password, port, path=""):
    """A curl URL with the composite KIM user name in it (it holds ':' and '#', so it is
    percent-encoded; curl decodes it)."""
    q = urllib.parse.quote
    return f"{scheme}://{q(user, safe='')}:{q(password, safe='')}@127.0.0.1:{port}/{path}"


def curl_send(port, user, password, sender, rcpts, mail_path, timeout_s=1800):
    """curl streams the file to kimgated (smtps, AUTH); returns (ok, the protocol lines curl saw).
    curl waits at most 120 s for a reply (its fixed response timeout for SMTP and POP3)."""
    cmd = ["curl", "-sS", "-v", "-k", "--ssl-reqd", "--url", user_url("smtps", user, password, port),
           "--mail-from", sender, "--upload-file", mail_path]
    for r in rcpts:
        cmd += ["--mail-rcpt", r]
    r = subprocess.run(cmd, capture_output=True, timeout=timeout_s + 60)
    lines = [x for x in r.stderr.decode(errors="replace").splitlines() if x.startswith(("<", ">", "curl:"))]
    return r.returncode == 0, "\n".join(lines[-12:])


def swaks_send(port, user, password, sender, rcpts, mail_path, timeout_s=1800):
    """swaks sends the file to kimgated (implicit TLS, AUTH PLAIN); returns (ok: 250 to the end of
    data, that reply or swaks' last lines)."""
    cmd = ["swaks", "--server", "127.0.0.1", "--port", str(port), "--tls-on-connect", "--auth", "PLAIN",
           "--auth-user", user, "--auth-password", password, "--from", sender, "--to", ",".join(rcpts),
           "--data", "@" + mail_path, "--timeout", str(timeout_s), "--suppress-data"]
    r = subprocess.run(cmd, capture_output=True, timeout=timeout_s + 60)
    out = r.stdout.decode(errors="replace").splitlines()
    sent = next((i for i, x in enumerate(out) if x.startswith(" ~> ") and x.endswith(" lines sent")), None)
    reply = next((x for x in out[sent + 1:] if x.startswith("<~")), "") if sent is not None else ""
    return r.returncode == 0 and reply.startswith("<~  250"), reply or "\n".join(out[-8:])


def curl_fetch(port, user, password, n, out_path, timeout_s=1800):
    """curl RETR n through kimgated (pop3s) into out_path; returns (ok, seconds, curl's last lines)."""
    t0 = time.monotonic()
    r = subprocess.run(["curl", "-sS", "-k", "--url", user_url("pop3s", user, password, port, str(n)), "-o",
                        out_path], capture_output=True, timeout=timeout_s + 60)
    return r.returncode == 0, time.monotonic() - t0, r.stderr.decode(errors="replace")[-500:]


def vm_kib(pid, field):
    """VmHWM, VmRSS, ... of a process in KiB, from /proc/<pid>/status."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def reset_peak(pid):
    """Resets VmHWM to the current RSS (Linux >= 4.0: clear_refs 5); False when not allowed."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False
