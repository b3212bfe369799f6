#!/usr/bin/env python3
"""100 MiB and 700 MiB client mails end to end through kimgated and the world's KIM Attachment
Service (§4.10, §5.7), with real clients that stream from a file on disk: swaks sends a 100 MiB
mail from practice A to [B (1.5+), eau.tkkh (1.0)] — accepted, the insurer dropped with DSN 4001 —
and curl a 700 MiB mail to B. B's PVS fetches each through kimgated with curl (pop3s RETR into a
file); the fetched mail must carry X-KIM-DecryptionResult 00 and X-KIM-IntegrityCheckResult 01 and
its decoded attachment the SHA-256 that was sent, checked while reading the file. kimgated's peak
RSS (VmHWM) over its idle RSS is measured during the 700 MiB send and the 700 MiB receive and must
stay within the issue's bound (64 MiB). With the 700 MiB case, a mail of exactly maxMailSize is
refused with 552 before any upload (kimgated's header fix-ups make it too large for the KAS).
The test deletes its files, its mails and its KAS objects.
--sizes 100,700 (MiB) chooses the mails."""
import os
import shutil
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import large_mail  # noqa: E402
from harness import (kas_control, Failures, Kimgated, arrived, find_message, kim_user, load_world,  # noqa: E402
                     provider_mailbox, tempdir, world_test_args, wrap_up)

MIB = 1024 * 1024
RSS_BOUND_MIB = 64
MAX_MAIL = 734003200  # maxMailSize of the world's mailboxes, kimgated's EHLO SIZE


def remove_kas_objects(kas, message_ids):
    """Expires the KAS objects of these mails and lets the KAS delete their files now."""
    ids = {m.strip("<>") for m in message_ids}
    for o in kas_control(kas, "/objects")["objects"]:
        if o.get("message_id", "").strip("<>") in ids and not o.get("deleted"):
            kas_control(kas, "/expire", {"id": o["id"]})
    kas_control(kas, "/cleanup", {})


def delete_mails(w, p, needles):
    """DELE of every message in p's provider mailbox whose header section holds one of needles."""
    box = provider_mailbox(w, p)
    try:
        for n in range(box.stat()[0], 0, -1):
            top = b"\r\n".join(box.top(n, 0)[1])
            if any(x.encode() in top for x in needles):
                box.dele(n)
    finally:
        box.quit()


def newest_number(kg, p, needle):
    """The number of the newest message with needle in its header, in p's mailbox through kimgated."""
    box = kg.pop3(p)
    try:
        return find_message(box, needle, newest_first=True)
    finally:
        box.quit()


class Run:
    def __init__(self, t, w, kg, work):
        self.t, self.w, self.kg, self.work = t, w, kg, work
        self.a, self.b, self.kk = (w["participants"][k] for k in ("praxis_a", "praxis_b", "kasse"))
        self.sent = []
        self.figures = []
        self.start_kib = 0

    def pid(self):
        return self.kg.proc.pid

    def send(self, client, size_mib, to):
        t, a = self.t, self.a
        rcpts = [p["kim_address"] for p in to]
        path = os.path.join(self.work, f"mail-{size_mib}.eml")
        t0 = time.monotonic()
        m = large_mail.MailFile(path, a["kim_address"], rcpts, f"Bildserie {size_mib} MiB {uuid.uuid4()}",
                                size_mib * MIB)
        print(f"{size_mib} MiB: mail file {m.size} octets written in {time.monotonic() - t0:.1f} s", flush=True)
        self.sent.append(m.message_id)
        fn = large_mail.swaks_send if client == "swaks" else large_mail.curl_send
        user = kim_user(self.w, a)
        t0 = time.monotonic()
        ok, lines = fn(self.kg.smtps, user, a["mailbox_password"], a["kim_address"], rcpts, path)
        seconds = time.monotonic() - t0
        m.remove()
        t.check(ok, f"{size_mib} MiB to {rcpts} sent with {client}: 250 ({lines.splitlines()[-3:]})")
        print(f"{size_mib} MiB: {client} -> kimgated -> KAS in {seconds:.1f} s "
              f"({m.size / MIB / seconds:.1f} MiB/s)", flush=True)
        if not ok:
            print(lines)
        return m, seconds

    def fetch_and_check(self, m, size_mib):
        t, b = self.t, self.b
        n = newest_number(self.kg, b, m.message_id)
        t.check(n is not None, f"{size_mib} MiB: the KIM message is in B's mailbox (through kimgated)")
        if n is None:
            return None
        out = os.path.join(self.work, f"fetched-{size_mib}.eml")
        ok, seconds, err = large_mail.curl_fetch(self.kg.pop3s, kim_user(self.w, b, "pop3"), b["mailbox_password"],
                                                 n, out)
        got = os.path.getsize(out) if os.path.exists(out) else 0
        t.check(ok and got > m.size, f"{size_mib} MiB: curl fetched it through kimgated ({got} octets) {err.strip()}")
        print(f"{size_mib} MiB: KAS -> kimgated -> curl in {seconds:.1f} s ({got / MIB / seconds:.1f} MiB/s)",
              flush=True)
        if not got:
            return None
        fields = large_mail.header_fields(out)
        t.check(fields.get("x-kim-decryptionresult") == ["00"],
                f"{size_mib} MiB: X-KIM-DecryptionResult 00 ({fields.get('x-kim-decryptionresult')})")
        t.check(fields.get("x-kim-integritycheckresult") == ["01"],
                f"{size_mib} MiB: X-KIM-IntegrityCheckResult 01 ({fields.get('x-kim-integritycheckresult')})")
        t.check(fields.get("message-id") == [m.message_id], f"{size_mib} MiB: the client mail's Message-ID")
        t0 = time.monotonic()
        digest = large_mail.attachment_sha256(out, m.filename)
        t.check(digest == m.sha256, f"{size_mib} MiB: the decoded attachment's SHA-256 is what A sent "
                                    f"({digest} after {time.monotonic() - t0:.1f} s)")
        os.unlink(out)
        return seconds

    def memory(self, what, idle_kib):
        peak = large_mail.vm_kib(self.pid(), "VmHWM")
        over = (peak - idle_kib) / 1024
        line = f"kimgated peak RSS during the {what}: {peak / 1024:.1f} MiB, idle {idle_kib / 1024:.1f} MiB, " \
               f"over idle {over:.1f} MiB (bound {RSS_BOUND_MIB} MiB); over its RSS right after start " \
               f"{(peak - self.start_kib) / 1024:.1f} MiB"
        print(line, flush=True)
        self.figures.append(line)
        self.t.check(over <= RSS_BOUND_MIB, f"{what}: peak RSS over idle {over:.1f} MiB <= {RSS_BOUND_MIB} MiB")

    def at_the_limit(self):
        """A client mail of exactly maxMailSize (the EHLO SIZE): kimgated's header fix-ups make it
        larger than the KAS takes, so it is refused for good (552) before anything is uploaded."""
        t, a, b = self.t, self.a, self.b
        path = os.path.join(self.work, "mail-limit.eml")
        m = large_mail.MailFile(path, a["kim_address"], [b["kim_address"]], f"Grenzfall {uuid.uuid4()}", MAX_MAIL,
                                exact=True)
        self.sent.append(m.message_id)
        ok, lines = large_mail.curl_send(self.kg.smtps, kim_user(self.w, a), a["mailbox_password"], a["kim_address"],
                                         [b["kim_address"]], path)
        m.remove()
        reply = next((x for x in lines.splitlines() if x.startswith("< 5") or x.startswith("< 4")), "")
        t.check(not ok and reply.startswith("< 552 5.3.4") and "maxMailSize" in reply,
                f"a mail of exactly {MAX_MAIL} octets: 552 5.3.4 naming maxMailSize ({reply or lines})")
        t.check(f"event=kas_upload message_id={m.message_id}" not in self.kg.log_text(),
                "nothing of it was uploaded to the KAS")

    def settle(self):
        """Idle RSS: after a pause, with the peak mark reset to it."""
        time.sleep(1.0)
        if not large_mail.reset_peak(self.pid()):
            print("cannot reset VmHWM (clear_refs); the peak includes earlier work", flush=True)
        return large_mail.vm_kib(self.pid(), "VmRSS")


def main():
    args = world_test_args(("--sizes", dict(default="100,700")))
    sizes = [int(x) for x in args.sizes.split(",") if x]
    t = Failures()
    t0 = time.monotonic()
    w = load_world()
    work = tempdir()
    kg = Kimgated(args.kimgated, args.source, w)
    run = Run(t, w, kg, work)
    a, b, kk = run.a, run.b, run.kk
    kas_a = w["providers"]["fd-a"]["kas"]
    try:
        t.check(kg.start(), "kimgated is ready")
        run.start_kib = large_mail.vm_kib(run.pid(), "VmRSS")
        print(f"kimgated RSS after start: {run.start_kib / 1024:.1f} MiB", flush=True)
        for size in sizes:
            if size <= 100:
                # swaks, to the 1.5+ practice and the 1.0 insurer: DSN 4001 for the insurer.
                m, _ = run.send("swaks", size, [b, kk])
                dsn = arrived(w, a, m.message_id.strip("<>"), 120)
                t.check(dsn is not None and b"X-KIM-Fehlermeldung: 4001" in dsn and kk["kim_address"].encode() in dsn,
                        f"{size} MiB: A gets a DSN with X-KIM-Fehlermeldung 4001 naming {kk['kim_address']}")
                t.check(arrived(w, b, m.message_id, 120) is not None, f"{size} MiB: the KIM message reached B")
                run.fetch_and_check(m, size)
                continue
            # curl, to B; kimgated's memory measured during the send and during the receive.
            idle = run.settle()
            m, _ = run.send("curl", size, [b])
            run.memory(f"{size} MiB send", idle)
            t.check(arrived(w, b, m.message_id, 120) is not None, f"{size} MiB: the KIM message reached B")
            idle = run.settle()
            run.fetch_and_check(m, size)
            run.memory(f"{size} MiB receive", idle)
            run.at_the_limit()
        t.check(not os.listdir(os.path.join(kg.work, "state", "spool")) if os.path.isdir(
            os.path.join(kg.work, "state", "spool")) else True, "kimgated's spool directory holds no file")
    finally:
        for fn in (lambda: delete_mails(w, b, run.sent), lambda: delete_mails(w, a, [x.strip("<>") for x in run.sent]),
                   lambda: remove_kas_objects(kas_a, run.sent)):
            try:
                fn()
            except Exception as e:  # cleaning up must not hide the result
                print(f"clean-up: {type(e).__name__}: {e}")
        shutil.rmtree(work, ignore_errors=True)
        for line in run.figures:
            print(line)
        wrap_up(t, kg, "kas_large", t0)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
