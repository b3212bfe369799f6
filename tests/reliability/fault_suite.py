#!/usr/bin/env python3
"""The send path's failure policy (issue 14) against the real world provider: for each fault the
PVS's reply, the DSN in the sender's own mailbox, and a ledger — every mail that got 250 is in
each recipient's mailbox or named in a DSN; `lost = 0`.

Faults, made with real mechanisms of the world (tests/world/templates, off by default):
  Postfix access maps on provider A's submission service refuse a recipient (5xx, 4xx), the
  sender at MAIL FROM, DATA, or the end of data; a milter in this process stalls RCPT or the end
  of data longer than kimgated's timeouts.smtp_server; slapd (the VZD) is stopped; the SOAP
  Konnektor (konnektor_sim) is stopped or slower than timeouts.konnektor. Also: the Message-IDs
  kimgated makes (DSN, a letter without one) are in the sender's KIM domain.
Everything is restored in a finally: empty maps, no milter, slapd running."""
import email
import email.policy
import os
import re
import smtplib
import subprocess
import sys
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import (Failures, Kimgated, SoapKonnektor, fetch_direct, letter, load_world, run,  # noqa: E402
                     wait_until, world_test_args, wrap_up)
from ledger import dsns_naming, lost_mails, parse_dsn, scan, wait_for_queues  # noqa: E402
from milter import StallMilter  # noqa: E402

SMTP_SERVER_TIMEOUT_S = 2  # kimgated's timeouts.smtp_server and timeouts.konnektor in this test
STALL_S = 5                # the milter holds a step this long: longer than the timeouts


class Provider:
    """Provider A's Postfix: its fault-injection maps and milters (see tests/world/README.md)."""
    MAPS = ("sender", "recipient", "data", "end_of_data")

    def __init__(self, w, fd="fd-a"):
        self.w = w
        self.conf = w["providers"][fd]["postfix_config_dir"]
        self.log = w["providers"][fd]["postfix_log"]
        self.saved = {m: open(self.path(m)).read() for m in self.MAPS}

    def path(self, name):
        return os.path.join(self.conf, f"test_{name}_access.regexp")

    def set(self, milters=None, **maps):
        """Maps from name to {address: reply}; everything not named is emptied. Then reload."""
        for name in self.MAPS:
            text = self.saved[name] + "".join(f"/^{re.escape(addr)}$/ {reply}\n"
                                              for addr, reply in maps.get(name, {}).items())
            with open(self.path(name), "w") as f:
                f.write(text)
        subprocess.run(["/usr/sbin/postconf", "-c", self.conf, "-e", f"test_milters={milters or ''}"], check=True,
                       capture_output=True, timeout=60)
        self.reload()

    def reload(self):
        # A reload restarts qmgr: a delivery in flight then leaves its queue file behind for minutes.
        wait_for_queues(self.w, 60)
        before = self.reloads()
        subprocess.run(["/usr/sbin/postfix", "-c", self.conf, "reload"], check=True, capture_output=True, timeout=60)
        wait_until(lambda: self.reloads() > before, 20, 0.1)
        # Idle smtpd processes of the old generation exit when the master tells them; give them a
        # moment, so that kimgated's next upstream connection meets the new configuration.
        time.sleep(1)

    def reloads(self):
        with open(self.log, errors="replace") as f:
            return sum(1 for line in f if "reload -- version" in line)

    def restore(self):
        for name in self.MAPS:
            with open(self.path(name), "w") as f:
                f.write(self.saved[name])
        subprocess.run(["/usr/sbin/postconf", "-c", self.conf, "-e", "test_milters="], capture_output=True, timeout=60)
        self.reload()


def transact(kg, p, msg, rcpts):
    """One PVS transaction; (code, text) of the reply that ended it, ('closed', '') if the
    connection was closed without one, and whether the session still answers afterwards:
    ('421', text) of the next command or 'ok'."""
    try:
        s = kg.smtp(p)
    except smtplib.SMTPResponseException as e:
        return (e.smtp_code, e.smtp_error.decode(errors="replace")), None
    try:
        code, text = s.mail(p["kim_address"])
        if code == 250:
            for r in rcpts:
                s.rcpt(r)
            try:
                code, text = s.data(msg.as_bytes(policy=email.policy.SMTP))
            except smtplib.SMTPDataError as e:
                code, text = e.smtp_code, e.smtp_error
        result = (code, text.decode(errors="replace"))
    except smtplib.SMTPServerDisconnected:
        return ("closed", ""), "closed"
    try:
        code, text = s.noop()
        after = (code, text.decode(errors="replace"))
    except smtplib.SMTPServerDisconnected:
        return result, "closed"
    try:
        s.quit()
    except smtplib.SMTPServerDisconnected:
        pass
    return result, after


def main():
    args = world_test_args(("--sim", dict(required=True, help="konnektor_sim")),
                           ("--world-src", dict(required=True, help="tests/world (for down --only, up)")))
    t = Failures()
    t0 = time.monotonic()
    w = load_world()
    P = w["participants"]
    a, b, kasse = P["praxis_a"], P["praxis_b"], P["kasse"]
    wrongku = w["awkward"]["wrong_key_usage"]["kim_address"]
    A, B, K = a["kim_address"], b["kim_address"], kasse["kim_address"]
    a_domain = A.split("@", 1)[1]
    run_id = uuid.uuid4().hex[:10]
    timeouts = (f'\n[timeouts]\nsmtp_server = "{SMTP_SERVER_TIMEOUT_S}s"\n'
                f'konnektor = "{SMTP_SERVER_TIMEOUT_S}s"\n')
    kg = Kimgated(args.kimgated, args.source, w, extra_config=timeouts)
    provider = Provider(w)
    milter = StallMilter()
    sim = None
    entries = []     # (message_id, recipients, code) for the ledger
    rows = {}        # row name -> dict(mid, rcpts, reply, after, ...)

    def row(name, rcpts, arm=None):
        """Sends one letter A -> rcpts (arm(message) first, if given); records it."""
        token = f"{name}-{run_id}"
        m = letter(A, rcpts, f"Befund {token}", attachment=os.urandom(2000), filename=f"anhang-{token}.pdf",
                   text=f"Koerper {token}\n")
        if arm:
            arm(m)
        reply, after = transact(kg, a, m, rcpts)
        mid = m["Message-ID"]
        rows[name] = {"mid": mid, "rcpts": rcpts, "reply": reply, "after": after, "token": token}
        entries.append((mid, rcpts, reply[0]))
        print(f"row {name}: {reply} then {after}", flush=True)
        return rows[name]

    def reply_is(r, code, enhanced_prefix, what, contains=None):
        """The PVS's reply: code (a number, or "4xx"/"5xx" for the class), enhanced code prefix, text."""
        c, text = r["reply"]
        same = c == code if isinstance(code, int) else isinstance(c, int) and c // 100 == int(code[0])
        ok = same and text.startswith(enhanced_prefix) and (contains is None or contains in text)
        t.check(ok, f"{what}: {code} {enhanced_prefix}… ({c} {text})")

    try:
        t.check(kg.start(), "kimgated is ready (timeouts.smtp_server = 2s)")
        perm = f"550 5.1.1 refused-{run_id} mailbox unavailable (test)"
        temp = f"450 4.2.1 deferred-{run_id} mailbox busy (test)"

        # 1. One recipient refused permanently at RCPT; another dropped for its certificate (4003).
        provider.set(recipient={K: perm})
        r1 = row("rcpt_perm", [B, K, wrongku])
        reply_is(r1, 250, "2.0.0", "one recipient refused permanently: the PVS gets 250")
        # 2. One recipient refused temporarily.
        provider.set(recipient={K: temp})
        r2 = row("rcpt_temp", [B, K])
        reply_is(r2, 250, "2.0.0", "one recipient refused temporarily: the PVS gets 250")
        # 3. Every recipient refused: all permanently -> the provider's 5xx; one temporarily -> 451.
        provider.set(recipient={B: perm, K: perm})
        r3 = row("rcpt_all_perm", [B, K])
        reply_is(r3, 550, "5.1.1", "every recipient refused permanently: the provider's 550 5.1.1")
        provider.set(recipient={B: temp, K: perm})
        r3b = row("rcpt_all_mixed", [B, K])
        reply_is(r3b, 451, "4.", "every recipient refused, one temporarily: 451 4.x.x")
        # 4. MAIL FROM, DATA or the end of data refused: that class, a sentence naming the reply.
        provider.set(sender={A: f"550 5.7.1 sender-{run_id} refused (test)"})
        r4 = row("mail_refused", [B])
        reply_is(r4, "5xx", "5.", "MAIL FROM refused: 5xx naming the provider's reply", f"sender-{run_id}")
        provider.set(data={A: f"451 4.3.2 data-{run_id} not now (test)"})
        r4b = row("data_refused", [B])
        reply_is(r4b, "4xx", "4.", "DATA refused temporarily: 4xx naming the provider's reply", f"data-{run_id}")
        provider.set(end_of_data={A: f"554 5.7.1 eod-{run_id} refused (test)"})
        r4c = row("eod_refused_perm", [B])
        reply_is(r4c, "5xx", "5.", "end of data refused permanently: 5xx naming the provider's reply",
                 f"eod-{run_id}")
        provider.set(end_of_data={A: f"452 4.3.1 eodtemp-{run_id} (test)"})
        r4d = row("eod_refused_temp", [B])
        reply_is(r4d, "4xx", "4.", "end of data refused temporarily: 4xx naming the provider's reply",
                 f"eodtemp-{run_id}")
        # 5. The provider silent before the end of data (RCPT held by the milter): 421 4.4.2, close.
        provider.set(milters=milter.spec)
        milter.rule = {"stage": "rcpt", "seconds": STALL_S}
        r5 = row("silent_before_eod", [B])
        milter.rule = None
        reply_is(r5, 421, "4.4.2", "provider silent before the end of data: 421 4.4.2")
        t.check(r5["after"] == "closed", f"... and kimgated closes the session ({r5['after']})")
        # 6. The provider silent after the end of data: 451 4.4.2, delivery unknown, then 421.
        # The milter holds the end of data of this one message only (matched by its Message-ID).
        def hold_end_of_data(m):
            milter.rule = {"stage": "eom", "seconds": STALL_S, "message_id": m["Message-ID"]}

        r6 = row("silent_after_eod", [B], arm=hold_end_of_data)
        milter.rule = None
        mid6 = r6["mid"]
        t.check(("eom", mid6) in milter.stalled, "the milter held that message's end of data")
        c6, text6 = r6["reply"]
        t.check(c6 == 451 and text6.startswith("4.4.2") and mid6 in text6 and "unknown" in text6.lower(),
                f"provider silent after the end of data: 451 4.4.2, delivery unknown, naming the Message-ID "
                f"({c6} {text6})")
        t.check(f"event=delivery_unknown message_id={mid6}" in kg.log_text(),
                "the log has event=delivery_unknown message_id=<…>")
        after6 = r6["after"]
        t.check(isinstance(after6, tuple) and after6[0] == 421 and after6[1].startswith("4.4.2"),
                f"the next PVS command gets 421 4.4.2 and close ({after6})")
        provider.set()
        # 7. The DSN is not accepted (the provider refuses RCPT TO of the sender itself): 451 4.3.0.
        provider.set(recipient={K: perm, A: f"550 5.1.1 dsn-{run_id} refused (test)"})
        r7 = row("dsn_refused", [B, K])
        reply_is(r7, 451, "4.3.0", "the DSN is refused by the provider: 451 4.3.0 (the PVS resends)")
        provider.set()
        # 8. The VZD (slapd) down: 451 (4.4.3-class). A fresh kimgated: nothing cached.
        t.check(run([os.path.join(args.world_src, "down"), "--only", "vzd-slapd"]).returncode == 0, "slapd stopped")
        t.check(kg.restart(), "kimgated restarted (empty caches)")
        r8 = row("vzd_down", [B])
        reply_is(r8, 451, "4.4.", "VZD down: 451 4.4.x")
        up = run([os.path.join(args.world_src, "up")])
        t.check(up.returncode == 0, f"slapd started again ({up.stderr.strip()[-200:]})")
        # 8b. The SOAP Konnektor stopped, then slower than KONNEKTOR_TIMEOUT.
        sim = SoapKonnektor(args.sim, kg.base_config, kg.work, kg.env)
        t.check(sim.start() and kg.restart(sim.kimgate_config(kg.base_config)), "kimgated with the SOAP Konnektor")
        sim.stop()
        r8b = row("konnektor_stopped", [B])
        reply_is(r8b, 451, "4.", "Konnektor stopped: 451")
        sim.close()
        slow = SoapKonnektor(args.sim, kg.base_config, kg.work, kg.env,
                             local_extra=f'simulate_service_time = "{2 * SMTP_SERVER_TIMEOUT_S + 1}s"\n')
        sim = slow
        t.check(slow.start() and kg.restart(slow.kimgate_config(kg.base_config)),
                "kimgated with a SOAP Konnektor slower than timeouts.konnektor")
        r8c = row("konnektor_slow", [B])
        reply_is(r8c, 451, "4.", "Konnektor slower than KONNEKTOR_TIMEOUT: 451")
        t.check(kg.restart(kg.base_config), "kimgated back on the local Konnektor")
        # 9. A letter without Message-ID: kimgated makes one, in the sender's KIM domain (no host name).
        # The outer message is found by a token in X-KIM-Sendersystem (X-KIM-* headers are copied out).
        sender_system = f"kimgate-test-{run_id};1.0"

        def drop_message_id(m):
            del m["Message-ID"]
            m.replace_header("X-KIM-Sendersystem", sender_system)

        r9 = row("no_message_id", [B], arm=drop_message_id)
        reply_is(r9, 250, "2.0.0", "a letter without Message-ID is sent")

        # The ledger: wait until both providers delivered everything, then look at the mailboxes.
        t.check(wait_for_queues(w), "the providers' queues are empty (everything accepted was delivered)")
        raw9 = fetch_direct(w, b, sender_system)
        mid9 = (email.message_from_bytes(raw9 or b"", policy=email.policy.compat32)["Message-ID"] or "").strip()
        t.check(mid9.endswith(f"@{a_domain}>"),
                f"the Message-ID kimgated generated uses the sender's KIM domain, not a host name ({mid9})")
        r9["mid"] = mid9 or "(none delivered)"
        entries[:] = [(r9["mid"] if mid is None else mid, rcpts, code) for mid, rcpts, code in entries]
        wanted = {e[0] for e in entries}
        delivered = {}
        for p in (b, kasse):
            delivered[p["kim_address"].lower()], _ = scan(w, p, wanted)
        _, reports = scan(w, a, wanted, report_bodies=True)
        dsns = [parse_dsn(r) for r in reports]
        got = {name: delivered[B.lower()].get(r["mid"], 0) for name, r in rows.items()}
        print(f"delivered to B: {got}", flush=True)

        def dsn_checks(r, name, refused, status, code, vzd_dropped=()):
            ds = dsns_naming(dsns, r["mid"])
            t.check(len(ds) == 1, f"{name}: exactly one DSN in the sender's mailbox ({len(ds)})")
            if not ds:
                return
            d = ds[0]
            raw = d["raw"]
            t.check(d["content_type"] == "multipart/report" and d["report_type"] == "delivery-status",
                    f"{name}: multipart/report; report-type=delivery-status")
            t.check(b"X-KOM-LE-Version" not in raw and b"pkcs7" not in raw.lower(), f"{name}: unsigned, unencrypted")
            t.check(code in d["codes"], f"{name}: X-KIM-Fehlermeldung: {code} ({d['codes']})")
            e = d["recipients"].get(refused.lower(), {})
            t.check(e.get("action") == "failed" and e.get("status") == status,
                    f"{name}: Final-Recipient {refused}, Action: failed, Status: {status} ({e})")
            t.check(e.get("diagnostic", "").startswith("smtp;") and
                    f"-{run_id}" in e.get("diagnostic", ""), f"{name}: Diagnostic-Code: smtp; <provider's reply> ({e})")
            for addr in vzd_dropped:
                t.check(addr.lower() in d["recipients"], f"{name}: the recipient dropped for the VZD ({addr}) "
                                                         f"is in the same DSN")
            t.check(r["token"].encode() not in raw, f"{name}: no Subject, body text or attachment name of the original")
            t.check(r["mid"].encode() in raw, f"{name}: the DSN names the original Message-ID")
            t.check(d["message_id"].endswith(f"@{a_domain}>"),
                    f"{name}: the DSN's Message-ID uses the sender's KIM domain, not a host name ({d['message_id']})")

        t.check(got["rcpt_perm"] == 1 and got["rcpt_temp"] == 1, "rows 1, 2: B received the letter once")
        dsn_checks(r1, "rcpt_perm", K, "5.1.1", "X10", vzd_dropped=[wrongku])
        dsn_checks(r2, "rcpt_temp", K, "4.2.1", "X11")
        for name in ("rcpt_all_perm", "rcpt_all_mixed", "mail_refused", "data_refused", "eod_refused_perm",
                     "eod_refused_temp", "silent_before_eod", "vzd_down", "konnektor_stopped", "konnektor_slow"):
            t.check(got[name] == 0 and not dsns_naming(dsns, rows[name]["mid"]),
                    f"{name}: nothing delivered, no DSN")
        t.check(not dsns_naming(dsns, rows["silent_after_eod"]["mid"]), "silent_after_eod: no DSN")
        lost = lost_mails(entries, delivered, dsns)
        dups = sum(1 for name, r in rows.items() if r["reply"][0] != 250 and got.get(name, 0) > 0)
        print(f"lost = {len(lost)} {lost}")
        print(f"delivered without 250 (the PVS resends: duplicates) = {dups}")
        t.check(not lost, "lost = 0: every mail that got 250 is in each recipient's mailbox or named in a DSN")
        scan(w, b, wanted, delete=True)
        scan(w, kasse, wanted, delete=True)
        scan(w, a, wanted, delete=True, report_bodies=True)
    finally:
        milter.rule = None
        provider.restore()
        milter.close()
        if sim:
            sim.close()
        run([os.path.join(args.world_src, "up")])
        wrap_up(t, kg, "fault_suite", t0)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
