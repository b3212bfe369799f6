#!/usr/bin/env python3
"""kill -9 under load (benchmarks.md R1, scaled to this machine): four PVS threads send 500
small letters A -> B through kimgated while the test kills kimgated with SIGKILL 20 times at
random points and restarts it. The clients behave like a PVS: on a lost connection or a 4xx
they send the same mail again. Afterwards B's mailbox (directly at the provider) and A's DSNs
are read: lost = got 250 but neither delivered nor named in a DSN (must be 0); duplicates =
delivered more than once (allowed when the provider's 250 came before the kill; counted)."""
import email.policy
import os
import random
import smtplib
import ssl
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import Failures, Kimgated, letter, load_world, world_test_args, wrap_up  # noqa: E402
from ledger import lost_mails, parse_dsn, scan, wait_for_queues  # noqa: E402

MAILS, CLIENTS, KILLS = 500, 4, 20
SEND_DEADLINE_S = 180


def main():
    args = world_test_args(("--mails", dict(type=int, default=MAILS)), ("--kills", dict(type=int, default=KILLS)))
    t = Failures()
    t0 = time.monotonic()
    w = load_world()
    a, b = w["participants"]["praxis_a"], w["participants"]["praxis_b"]
    A, B = a["kim_address"], b["kim_address"]
    run_id = uuid.uuid4().hex[:10]
    rng = random.Random(run_id)
    kg = Kimgated(args.kimgated, args.source, w)
    mails = [letter(A, [B], f"Strom {run_id} {i}", text=f"Nachricht {i} von {args.mails}\n")
             for i in range(args.mails)]
    final = {}             # message_id -> the final reply code the PVS saw (250 or a 5xx)
    attempts = {"n": 0}
    lock = threading.Lock()
    deadline = time.monotonic() + SEND_DEADLINE_S

    def client(share):
        session = None
        for m in share:
            raw = m.as_bytes(policy=email.policy.SMTP)
            while time.monotonic() < deadline:
                with lock:
                    attempts["n"] += 1
                try:
                    if session is None:
                        session = kg.smtp(a, timeout=30)
                    code, _ = session.mail(A)
                    if code == 250:
                        code, _ = session.rcpt(B)
                    if code == 250:
                        try:
                            code, _ = session.data(raw)
                        except smtplib.SMTPDataError as e:
                            code = e.smtp_code
                except (OSError, smtplib.SMTPException, ssl.SSLError):
                    code = None   # connection refused or lost, kimgated restarting: send again
                if code == 250 or (code is not None and code >= 500):
                    with lock:
                        final[m["Message-ID"]] = code
                    break
                # A 4xx or a lost connection: a new session, then the same mail again.
                if session is not None:
                    try:
                        session.close()
                    except OSError:
                        pass
                    session = None
                time.sleep(0.05)
        if session is not None:
            try:
                session.quit()
            except (OSError, smtplib.SMTPException):
                pass

    kills = []
    try:
        t.check(kg.start(), "kimgated is ready")
        send_start = time.monotonic()
        threads = [threading.Thread(target=client, args=(mails[i::CLIENTS],)) for i in range(CLIENTS)]
        for th in threads:
            th.start()
        # Kill at random points: after random numbers of finished mails, plus a random delay that
        # lands anywhere in a transaction (AUTH, DATA, signing, the upstream transaction, the 250).
        marks = sorted(rng.sample(range(5, int(args.mails * 0.95)), args.kills))
        for mark in marks:
            while len(final) < mark and any(th.is_alive() for th in threads):
                time.sleep(0.01)
            if not any(th.is_alive() for th in threads):
                break
            time.sleep(rng.uniform(0, 0.15))
            kg.kill9()
            kills.append(len(final))
            if not kg.start():
                t.check(False, f"kimgated restarts after kill {len(kills)}")
                break
        for th in threads:
            th.join()
        send_s = time.monotonic() - send_start
        print(f"sent {len(final)} of {len(mails)} mails in {send_s:.1f} s with {attempts['n']} attempts; "
              f"{len(kills)} kills after {kills} finished mails", flush=True)
        t.check(len(kills) == args.kills, f"kimgated was killed with SIGKILL {args.kills} times ({len(kills)})")
        t.check(len(final) == len(mails) and all(c == 250 for c in final.values()),
                f"every mail got 250 in the end ({sum(1 for c in final.values() if c == 250)} of {len(mails)})")
        t.check(wait_for_queues(w), "the providers' queues are empty (everything accepted was delivered)")
        wanted = {m["Message-ID"] for m in mails}
        counts, _ = scan(w, b, wanted)
        _, reports = scan(w, a, wanted, report_bodies=True)
        dsns = [parse_dsn(r) for r in reports]
        entries = [(mid, [B], code) for mid, code in final.items()]
        lost = lost_mails(entries, {B.lower(): counts}, dsns)
        duplicates = sum(n - 1 for n in counts.values() if n > 1)
        print(f"lost = {len(lost)}")
        print(f"duplicates = {duplicates}")
        if lost:
            print(f"lost mails: {lost[:10]}")
        t.check(not lost, "lost = 0: every mail that got 250 is in B's mailbox or named in a DSN")
        scan(w, b, wanted, delete=True)
        scan(w, a, wanted, delete=True, report_bodies=True)
    finally:
        wrap_up(t, kg, "kill9_stream", t0)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
