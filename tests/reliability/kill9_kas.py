#!/usr/bin/env python3
"""kill -9 of kimgated during a 100 MiB send through the KIM Attachment Service (issue 16):

1. while the PVS is still sending DATA (50 MiB of 100 written);
2. while the sealed mail streams into addMailData (the world's KAS holds the request before
   reading its body: the control API's `delay`);
3. after the upload, while the KIM message waits for the provider's answer to the end of data
   (a stand-in provider that never answers; the world's Postfix cannot be held there).

Each time: the PVS's client did not get 250; after the next start with the same state_dir the
spool directory is empty and no file under kimgated's directory (state, configuration, log)
holds the mail's marker string or the first line of its attachment; nothing reached B's mailbox.
What the KAS kept is printed: nothing in 1 and 2; in 3 the uploaded object, which stays until it
expires (a crash cannot delete it; kimgated keeps it on purpose when the provider's answer is
unknown) — the test then removes it through the control API."""
import base64
import os
import shutil
import socket
import ssl
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import large_mail  # noqa: E402
from harness import (kas_control, Failures, Kimgated, arrived, kim_user, load_world, pvs_tls, tempdir,  # noqa: E402
                     wait_until, world_test_args, wrap_up)

MIB = 1024 * 1024
SIZE = 100 * MIB


class PvsClient:
    """A PVS's SMTP session to kimgated (implicit TLS, AUTH PLAIN) that streams a mail file and can
    stop part-way; reply() is the answer to the end of data, or why there was none."""

    def __init__(self, port, user, password):
        raw = socket.create_connection(("127.0.0.1", port), timeout=600)
        self.sock = pvs_tls().wrap_socket(raw)
        self.file = self.sock.makefile("rb")
        self.expect(220)
        self.cmd("EHLO pvs.praxis.test", 250)
        token = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
        self.cmd("AUTH PLAIN " + token, 235)

    def reply(self):
        try:
            lines = []
            while True:
                line = self.file.readline()
                if not line:
                    return None, "connection closed without a reply"
                lines.append(line.decode(errors="replace").rstrip())
                if len(line) < 4 or line[3:4] != b"-":
                    return int(lines[-1][:3]), " / ".join(lines)
        except (OSError, ssl.SSLError, ValueError) as e:
            return None, f"{type(e).__name__}: {e}"

    def expect(self, code):
        got, text = self.reply()
        if got != code:
            raise RuntimeError(f"expected {code}, got {text}")

    def cmd(self, line, code):
        self.sock.sendall(line.encode() + b"\r\n")
        self.expect(code)

    def start(self, sender, rcpts):
        self.cmd(f"MAIL FROM:<{sender}>", 250)
        for r in rcpts:
            self.cmd(f"RCPT TO:<{r}>", 250)
        self.cmd("DATA", 354)

    def stream(self, path, upto=None):
        """Writes the file (or its first `upto` octets); the end of data too when it is all sent."""
        sent = 0
        with open(path, "rb") as f:
            while upto is None or sent < upto:
                chunk = f.read(1 << 20 if upto is None else min(1 << 20, upto - sent))
                if not chunk:
                    break
                self.sock.sendall(chunk)
                sent += len(chunk)
        if upto is None:
            self.sock.sendall(b".\r\n")
        return sent

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class StallingProvider:
    """A stand-in KIM provider (implicit TLS with provider A's certificate) that takes a whole
    mail and never answers its end of data: the moment a kimgated crash leaves the provider's
    answer unknown. It keeps nothing."""

    def __init__(self, w):
        fd = w["providers"]["fd-a"]
        self.ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ctx.load_cert_chain(fd["server_fullchain_pem"], fd["server_key_pem"])
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.got_end_of_data = threading.Event()
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self.session, args=(conn,), daemon=True).start()

    def session(self, conn):
        try:
            s = self.ctx.wrap_socket(conn, server_side=True)
            f = s.makefile("rb")
            s.sendall(b"220 stall.test ESMTP\r\n")
            while True:
                line = f.readline()
                if not line:
                    return
                verb = line[:4].upper()
                if verb == b"EHLO":
                    s.sendall(b"250-stall.test\r\n250-AUTH PLAIN LOGIN\r\n250-SIZE 760000000\r\n250 8BITMIME\r\n")
                elif verb == b"AUTH":
                    s.sendall(b"235 2.7.0 ok\r\n")
                elif verb == b"DATA":
                    s.sendall(b"354 go\r\n")
                    while f.readline() not in (b".\r\n", b""):
                        pass
                    self.got_end_of_data.set()
                    f.read()  # no answer, until kimgated goes away
                    return
                elif verb == b"QUIT":
                    s.sendall(b"221 bye\r\n")
                    return
                else:
                    s.sendall(b"250 2.0.0 ok\r\n")
        except (OSError, ssl.SSLError):
            pass

    def close(self):
        self.listener.close()


def files_holding_path(path, needles):
    """Whether the file's bytes contain any of needles (read in overlapping pieces)."""
    longest = max(len(n) for n in needles)
    with open(path, "rb") as f:
        tail = b""
        while True:
            piece = f.read(4 * MIB)
            if not piece:
                return False
            window = tail + piece
            if any(n in window for n in needles):
                return True
            tail = window[-longest:]


def files_holding(root, needles):
    """Regular files under root whose bytes contain any of needles."""
    hits = []
    for dirpath, _, names in os.walk(root):
        for name in names:
            path = os.path.join(dirpath, name)
            if os.path.isfile(path) and files_holding_path(path, needles):
                hits.append(path)
    return hits


def open_spool_files(pid, spool):
    """kimgated's open files in the spool directory (unnamed: O_TMPFILE), as /proc/<pid>/fd paths."""
    out = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        path = f"/proc/{pid}/fd/{fd}"
        try:
            if os.readlink(path).startswith(spool.rstrip("/") + "/"):
                out.append(path)
        except OSError:
            pass
    return out


def main():
    args = world_test_args()
    t = Failures()
    t0 = time.monotonic()
    w = load_world()
    a, b = w["participants"]["praxis_a"], w["participants"]["praxis_b"]
    A, B = a["kim_address"], b["kim_address"]
    kas_a = w["providers"]["fd-a"]["kas"]
    mails = tempdir()
    kg = Kimgated(args.kimgated, args.source, w)
    state = os.path.join(kg.work, "state")
    spool = os.path.join(state, "spool")
    stall = StallingProvider(w)
    uploaded = []

    def new_mail(phase):
        return large_mail.MailFile(os.path.join(mails, f"{phase}.eml"), A, [B], f"Abbruch {phase} {uuid.uuid4()}",
                                   SIZE - 4096)

    def objects_of(m):
        return [o for o in kas_control(kas_a, "/objects")["objects"] if o.get("message_id", "").strip("<>") ==
                m.message_id.strip("<>")]

    def log_has(text):
        return text in kg.log_text()

    def spool_before_kill(phase, m):
        """The sealed spool file kimgated holds: there, unnamed, and without the mail's plaintext."""
        held = open_spool_files(kg.proc.pid, spool)
        sizes = [os.stat(p).st_size for p in held]
        t.check(bool(held), f"{phase}: before the kill kimgated holds {len(held)} unnamed spool file(s) in {spool} "
                            f"({sizes} octets; directory listing {os.listdir(spool)})")
        t.check(not any(
            files_holding_path(p, [m.marker.encode(), m.first_line]) for p in held),
            f"{phase}: the spool file's content (read through /proc) holds no plaintext of the mail")

    def after_restart(phase, m, pvs_answer):
        code, text = pvs_answer
        t.check(code != 250, f"{phase}: the PVS did not get 250 ({text})")
        t.check(kg.start(), f"{phase}: kimgated starts again with the same state_dir")
        left = os.listdir(spool) if os.path.isdir(spool) else []
        t.check(not left, f"{phase}: no file in the spool directory {spool} ({left})")
        hits = files_holding(kg.work, [m.marker.encode(), m.first_line])
        t.check(not hits, f"{phase}: no file under kimgated's directory holds the mail's plaintext ({hits})")
        t.check(arrived(w, b, m.message_id, 5) is None, f"{phase}: no KIM message for it reached B's mailbox")

    try:
        t.check(kg.start(), "kimgated is ready")
        user = kim_user(w, a)

        # 1. kill -9 while DATA streams in.
        m = new_mail("data")
        pvs = PvsClient(kg.smtps, user, a["mailbox_password"])
        pvs.start(A, [B])
        t.check(files_holding(mails, [m.marker.encode(), m.first_line]) == [m.path],
                "the plaintext search finds the marker and the attachment's first line in the mail file itself")
        written = pvs.stream(m.path, upto=SIZE // 2)
        time.sleep(0.5)
        spool_before_kill("data", m)
        kg.kill9()
        answer = pvs.reply()
        pvs.close()
        print(f"data: killed after {written} of {m.size} octets of DATA", flush=True)
        after_restart("data", m, answer)
        t.check(not objects_of(m), "data: the KAS holds nothing for it")
        m.remove()

        # 2. kill -9 while the sealed mail streams into addMailData.
        m = new_mail("upload")
        kas_control(kas_a, "/fail", {"op": "add", "count": 1, "status": None, "delay": 8})
        pvs = PvsClient(kg.smtps, user, a["mailbox_password"])
        pvs.start(A, [B])
        replies = {}
        sender = threading.Thread(target=lambda: (pvs.stream(m.path), replies.update(r=pvs.reply())))
        sender.start()
        t.check(wait_until(lambda: log_has("event=kas_upload "), 120), "upload: kimgated began addMailData")
        time.sleep(1.0)  # the KAS holds the request; the sealed data waits in the socket buffers
        spool_before_kill("upload", m)
        kg.kill9()
        sender.join(60)
        pvs.close()
        after_restart("upload", m, replies.get("r", (None, "no reply")))
        time.sleep(9)  # the KAS's delay ends; it reads what is left of the body
        adds = [r for r in kas_control(kas_a, "/requests")["requests"] if r.get("op") == "add"]
        last = adds[-1] if adds else {}
        print(f"upload: the KAS's record of the interrupted addMailData: status {last.get('status')}, "
              f"error {last.get('error')!r}, attachment received {(last.get('attachment') or {}).get('received')} "
              f"octets", flush=True)
        t.check(not objects_of(m), "upload: the interrupted upload left no object on the KAS")
        m.remove()

        # 3. kill -9 after the upload, while the provider's answer to the end of data is unknown.
        m = new_mail("kim")
        stalled_user = f"{A}#127.0.0.1:{stall.port}#Mandant1#CS1#WP1"
        pvs = PvsClient(kg.smtps, stalled_user, a["mailbox_password"])
        pvs.start(A, [B])
        replies = {}
        sender = threading.Thread(target=lambda: (pvs.stream(m.path), replies.update(r=pvs.reply())))
        sender.start()
        t.check(stall.got_end_of_data.wait(300), "kim: the KIM message reached the (stalling) provider")
        kg.kill9()
        sender.join(60)
        pvs.close()
        after_restart("kim", m, replies.get("r", (None, "no reply")))
        objs = objects_of(m)
        uploaded += objs
        for o in objs:
            print(f"kim: the KAS keeps object {o['id']} ({o['size']} octets, expires {o.get('expires_header')}): "
                  "uploaded before the kill; a crash cannot delete it, and with the provider's answer unknown the "
                  "KIM message may be on its way, so it stays until it expires", flush=True)
        t.check(len(objs) == 1, f"kim: the uploaded object is still on the KAS ({len(objs)})")
        m.remove()
    finally:
        for o in uploaded:
            kas_control(kas_a, "/expire", {"id": o["id"]})
        kas_control(kas_a, "/cleanup", {})
        stall.close()
        shutil.rmtree(mails, ignore_errors=True)
        wrap_up(t, kg, "kill9_kas", t0)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
