#!/usr/bin/env python3
"""Several instances behind HAProxy (issue 20): Debian's HAProxy in TCP mode (round robin,
send-proxy-v2, health checks with check-send-proxy) in front of two kimgated instances that share
one PostgreSQL tracking database (a private cluster from Debian's postgresql package,
tests/world/lib/postgres.py).

- 8 PVS clients send 1,000 routed eAU mails (eau-<IK>@route.kimgate.invalid, so each becomes a
  Vorgang) through HAProxy; instance 1 is killed with SIGKILL in the middle and started again.
  A client that meets a 4xx or a dropped connection sends the same mail again, as a PVS does.
- The clients saw only 250, retryable 4xx or dropped connections (never 5xx); every mail that got
  a 250 reached the insurer's mailbox (lost = 0) and is fetched decrypted through HAProxy.
- Both instances recorded Vorgänge, and each instance lists every accepted mail's Vorgang: one
  database.
- Wrong passwords from 127.0.0.7 lock 127.0.0.7 out on the instances (the refusal names it),
  while 127.0.0.8 logs in through the same HAProxy."""
import concurrent.futures
import os
import poplib
import shutil
import smtplib
import subprocess
import sys
import tempfile
import threading
import time

from harness import (Failures, HAProxy, Kimgated, free_ports, kim_user, kimctl_runner, letter, load_world,
                     provider_mailbox, pvs_tls, secret_file, wait_until, with_proxy_protocol, world_test_args,
                     wrap_up)

DOMAIN = "route.kimgate.invalid"
MAILS, CLIENTS = 1000, 8


def main():
    args = world_test_args(("--kimctl", {"required": True}),
                           ("--haproxy", {"default": shutil.which("haproxy") or "/usr/sbin/haproxy"}))
    started = time.monotonic()
    t = Failures()
    w = load_world()
    P = w["participants"]
    a, kasse = P["praxis_a"], P["kasse"]
    ik = kasse["ik"]
    (pg_port,) = free_ports(1)
    kg1 = Kimgated(args.kimgated, args.source, w, cards="praxis_a,kasse")
    kg2 = Kimgated(args.kimgated, args.source, w, cards="praxis_a,kasse")
    # Not under the test's 0700 work directory: the server runs as the postgres user.
    pg_dir = os.path.join(tempfile.gettempdir(), f"kimgate-pg-{os.getpid()}")
    pg_password = os.urandom(12).hex()
    postgres = os.path.join(args.source, "tests", "world", "lib", "postgres.py")
    r = subprocess.run([sys.executable, postgres, "start", pg_dir, str(pg_port), pg_password], capture_output=True,
                       text=True)
    conninfo = r.stdout.strip()
    password_file = secret_file(kg1.work, "pg-password", pg_password)
    extra = (f'\n[tracking]\nbackend = "postgresql"\npostgresql = "{conninfo}"\n'
             f'postgresql_password_file = "{password_file}"\n'
             '\n[limits]\nlogin_failures = 2\nlogin_lock = "120s"\nlogin_failure_delay = "0s"\n')
    configs = [with_proxy_protocol(kg.base_config + extra, kg) for kg in (kg1, kg2)]
    smtps_front, pop3s_front = free_ports(2)
    hap = HAProxy(kg1.work, {"smtps": (smtps_front, [kg1.smtps, kg2.smtps]),
                             "pop3s": (pop3s_front, [kg1.pop3s, kg2.pop3s])},
                  server_options="check check-send-proxy inter 500ms fall 1 rise 2", binary=args.haproxy)
    try:
        t.check(r.returncode == 0 and conninfo.startswith("host="), f"PostgreSQL runs ({r.stderr.strip()[-300:]})")
        t.check(kg1.start(configs[0]) and kg2.start(configs[1]),
                "two kimgated instances start on one PostgreSQL tracking database")
        t.check(hap.start(), "HAProxy listens")
        time.sleep(1.5)  # both servers pass their first health checks

        def smtp_from(source, password=None):
            s = smtplib.SMTP_SSL("127.0.0.1", smtps_front, context=pvs_tls(), timeout=120,
                                 source_address=(source, 0))
            s.ehlo("pvs.praxis.test")
            s.login(kim_user(w, a), password or a["mailbox_password"])
            return s

        # 1. 1,000 routed mails from 8 clients; instance 1 dies in the middle.
        lock = threading.Lock()
        accepted, outcomes, progress = set(), {"250": 0, "4xx": 0, "dropped": 0, "5xx": []}, [0]
        queue = [letter(a["kim_address"], [f"eau-{ik}@{DOMAIN}"], f"eAU scale-out {i}") for i in range(MAILS)]
        per_client = [queue[k::CLIENTS] for k in range(CLIENTS)]

        def client(mails):
            s, pending = None, list(mails)
            while pending:
                m = pending[0]
                try:
                    if s is None:
                        s = smtp_from("127.0.0.1")
                    refused = s.send_message(m)
                    with lock:
                        if refused:
                            outcomes["5xx"].append(str(refused))
                        else:
                            outcomes["250"] += 1
                            accepted.add(m["Message-ID"])
                            progress[0] += 1
                    pending.pop(0)
                except smtplib.SMTPResponseException as e:
                    with lock:
                        if 400 <= e.smtp_code < 500:
                            outcomes["4xx"] += 1
                        else:
                            outcomes["5xx"].append(f"{e.smtp_code} {e.smtp_error[:120]!r}")
                            pending.pop(0)
                    s = None
                    time.sleep(0.2)
                except (OSError, smtplib.SMTPServerDisconnected):
                    with lock:
                        outcomes["dropped"] += 1
                    s = None
                    time.sleep(0.2)
            if s is not None:
                try:
                    s.quit()
                except (OSError, smtplib.SMTPException):
                    pass

        with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
            futures = [pool.submit(client, mails) for mails in per_client]
            t.check(wait_until(lambda: progress[0] >= MAILS // 3, 900, 0.05),
                    f"a third of the mails got their 250 before the kill ({progress[0]})")
            kg1.kill9()
            killed_at = progress[0]
            t.check(wait_until(lambda: progress[0] >= killed_at + 100, 300, 0.05),
                    "100 more mails got their 250 through the surviving instance")
            t.check(kg1.start(configs[0]), f"instance 1 was killed with SIGKILL after {killed_at} mails and restarted")
            concurrent.futures.wait(futures)
        t.check(not outcomes["5xx"], f"the PVS clients saw no 5xx ({outcomes['5xx'][:3]})")
        t.check(len(accepted) == MAILS,
                f"every mail got its 250 in the end: {outcomes['250']} x 250, {outcomes['4xx']} x 4xx, "
                f"{outcomes['dropped']} dropped connections, {len(accepted)} distinct mails")

        # 2. Every 250 was delivered: the insurer's mailbox holds each Message-ID.
        def delivered():
            box = provider_mailbox(w, kasse)
            try:
                found = set()
                for n in range(1, box.stat()[0] + 1):
                    for line in box.top(n, 0)[1]:
                        if line[:11].lower() == b"message-id:":
                            found.add(line.split(b":", 1)[1].strip().decode())
                return found
            finally:
                box.quit()

        got = set()
        wait_until(lambda: (got.update(delivered()), accepted <= got)[1], 300, 2)
        lost = accepted - got
        t.check(not lost, f"every mail that got a 250 reached the insurer's mailbox: lost = {len(lost)}")

        # 3. One database: each instance lists every accepted mail's Vorgang; both recorded some.
        for i, kg in enumerate((kg1, kg2), 1):
            r, body = kimctl_runner(args.kimctl, kg.config)("track", "list", "--json", "--limit", "5000")
            listed = {v["message_id"] for v in body} if r.returncode == 0 and isinstance(body, list) else set()
            t.check(accepted <= listed, f"instance {i} lists all {len(accepted)} Vorgänge ({len(accepted - listed)} "
                                        "missing)")
        recorded = [kg.log_text().count("event=track_recorded") for kg in (kg1, kg2)]
        t.check(all(n > 0 for n in recorded), f"both instances recorded Vorgänge into it ({recorded})")

        # 4. The insurer's PVS fetches them through HAProxy, decrypted, and deletes them.
        box = poplib.POP3_SSL("127.0.0.1", pop3s_front, context=pvs_tls(), timeout=300)
        box.user(kim_user(w, kasse, "pop3"))
        box.pass_(kasse["mailbox_password"])
        fetched, decrypted = set(), 0
        for n in range(1, box.stat()[0] + 1):
            head = box.top(n, 0)[1]
            mid = next((l.split(b":", 1)[1].strip().decode() for l in head if l[:11].lower() == b"message-id:"), "")
            if mid in accepted and mid not in fetched:
                fetched.add(mid)
                decrypted += b"X-KIM-DecryptionResult: 00" in b"\r\n".join(box.retr(n)[1])
            if mid in accepted:
                box.dele(n)
        box.quit()
        t.check(fetched == accepted and decrypted == len(accepted),
                f"the insurer fetches all {len(accepted)} through HAProxy, {decrypted} decrypted, and deletes them")

        # 5. The login lock sees the client behind HAProxy.
        refusals = []
        for _ in range(6):
            try:
                smtp_from("127.0.0.7", "wrong-password").quit()
                refusals.append("accepted")
            except smtplib.SMTPResponseException as e:
                refusals.append(f"{e.smtp_code} {e.smtp_error.decode(errors='replace')}")
        t.check(refusals[-1].startswith("454") and "127.0.0.7" in refusals[-1],
                f"127.0.0.7 is locked out and the refusal names it ({refusals[-1][:160]})")
        try:
            smtp_from("127.0.0.8").quit()
            other = "ok"
        except smtplib.SMTPException as e:
            other = str(e)
        t.check(other == "ok", f"127.0.0.8 logs in through the same HAProxy ({other})")
    finally:
        hap.stop()
        kg2.close()
        subprocess.run([sys.executable, postgres, "stop", pg_dir], capture_output=True)
        shutil.rmtree(pg_dir, ignore_errors=True)
        wrap_up(t, kg1, "scale_out", started)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
