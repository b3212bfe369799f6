#!/usr/bin/env python3
"""Tracking of routed submissions (issue 18) against the test world with real clients: practice A
sends four 1-Click deliveries to kv-1click@route.kimgate.invalid marked TRACK-OK, TRACK-WARNING,
TRACK-ERROR and TRACK-SILENT, and an eAU marked TRACK-REFUSE to eau-<IK>@; the world's answering
participants (tests/world/lib/answerer.py: KV Hessen's data acceptance point and the insurer, each
fetching and answering through this kimgated with its own account) answer with MDNs, Rückprotokolle
with a Vorgangsnummer and eAU;Fehler-Kasse. The practice fetches through kimgated; `kimctl track list
--json` then shows OK, WARNING, ERROR (with Vorgangsnummern), the silent one overdue, the eAU ERROR;
the overdue/ERROR notice arrives in the practice's own mailbox as a KIM message (signed and encrypted at the
provider, decrypted and verified through kimgated's POP3). Finally 200 routed submissions are
sent concurrently and kimgated is killed with SIGKILL in the middle: after a restart every
submission that got 250 is a Vorgang."""
import concurrent.futures
import os
import re
import subprocess
import sys
import threading
import time
import uuid

from harness import (Failures, Kimgated, begleitdatei, kimctl_runner, letter, load_world, provider_mailbox, retrieve,
                     wait_until, world_test_args, wrap_up)

DOMAIN = "route.kimgate.invalid"
DEADLINE_S = 60  # the 24 h of a Rückprotokoll, scaled down
NOTICE_SUBJECT = "Answer overdue or ERROR"


def one_click(sender, bsnr, marker):
    m = letter(sender, [f"kv-1click@{DOMAIN}"], f"1ClickAbrechnung-Lieferung {marker}")
    guid = str(uuid.uuid4())
    kvdt = f"Z01{bsnr}.con.xkm"
    m.add_attachment(begleitdatei(guid, bsnr, [kvdt]), maintype="application", subtype="xml",
                     filename="begleitdatei.xml")
    m.add_attachment(os.urandom(2000), maintype="application", subtype="octet-stream", filename=kvdt)
    return m, guid


def main():
    args = world_test_args(("--kimctl", {"required": True}))
    t = Failures()
    t0 = time.monotonic()
    w = load_world()
    P = w["participants"]
    a, kasse, kvh = P["praxis_a"], P["kasse"], P["kv_hessen"]
    # The answering participants fetch and answer through this kimgated: their cards too.
    kg = Kimgated(args.kimgated, args.source, w, cards="praxis_a,arzt_a,praxis_b,kv_hessen,kasse")
    kimctl = kimctl_runner(args.kimctl, kg.config)
    config = kg.base_config + f"\n[tracking]\ndeadline_scale = {DEADLINE_S / 86400:.9f}\n"
    answerers = []
    answerer_log = open(os.path.join(kg.work, "answerers.log"), "a")

    def start_answerer(participant, role):
        script = os.path.join(args.source, "tests", "world", "lib", "answerer.py")
        world_json = os.path.join(os.environ["KIMGATE_WORLD_DIR"], "world.json")
        answerers.append(subprocess.Popen(
            [sys.executable, script, "--world", world_json, "--participant", participant, "--role", role,
             "--smtp", str(kg.smtps), "--pop3", str(kg.pop3s), "--delay", "2"],
            stdout=answerer_log, stderr=answerer_log))

    def stop_answerers():
        for p in answerers:
            p.terminate()
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        answerers.clear()

    def send(m, p=a):
        s = kg.smtp(p)
        try:
            return s.send_message(m) == {}
        finally:
            s.quit()

    fetched = set()

    def drain():
        """The practice's PVS fetches every new message through kimgated (RETR runs the matcher)."""
        box = kg.pop3(a)
        try:
            for line in box.uidl()[1]:
                n, uid = line.decode().split()
                if uid not in fetched:
                    retrieve(box, int(n))
                    fetched.add(uid)
        finally:
            box.quit()

    def vorgaenge():
        r, body = kimctl("track", "list", "--json", "--limit", "1000")
        return {v["message_id"]: v for v in body} if r.returncode == 0 and isinstance(body, list) else {}

    try:
        t.check(kg.start(config), "kimgated starts with [tracking] deadline_scale")
        start_answerer("kv_hessen", "kv")
        start_answerer("kasse", "insurer")

        sent = {}
        for marker in ("TRACK-OK", "TRACK-WARNING", "TRACK-ERROR", "TRACK-SILENT"):
            m, guid = one_click(a["kim_address"], "461234500", marker)
            t.check(send(m), f"1-Click delivery {marker} to kv-1click@ is accepted with 250")
            sent[marker] = (m["Message-ID"], guid)
        eau = letter(a["kim_address"], [f"eau-104612348@{DOMAIN}"], "eAU TRACK-REFUSE")
        t.check(send(eau), "eAU TRACK-REFUSE to eau-104612348@ is accepted with 250")
        sent["eAU"] = (eau["Message-ID"], "")

        v = vorgaenge()
        t.check(all(mid in v for mid, _ in sent.values()),
                f"every routed submission is a Vorgang right after its 250 ({len(v)} listed)")
        one = v.get(sent["TRACK-OK"][0], {})
        t.check(one.get("status") == "sent" and one.get("service") == "1click" and
                one.get("recipient") == kvh["kim_address"].lower() and one.get("guid") == sent["TRACK-OK"][1],
                f"a new Vorgang: sent, 1click, the KV's address, the begleitdatei's GUID ({one})")
        t.check(v.get(sent["eAU"][0], {}).get("deadline") == "",
                "an eAU has no deadline (the insurer answers only when it refuses)")

        def answered():
            drain()
            now = vorgaenge()
            return all(now.get(sent[k][0], {}).get("status") == want for k, want in
                       (("TRACK-OK", "OK"), ("TRACK-WARNING", "WARNING"), ("TRACK-ERROR", "ERROR"), ("eAU", "ERROR")))

        t.check(wait_until(answered, 180, 2), "the answers arrive and are matched: OK, WARNING, ERROR, eAU ERROR")
        v = vorgaenge()
        for marker, status in (("TRACK-OK", "OK"), ("TRACK-WARNING", "WARNING"), ("TRACK-ERROR", "ERROR")):
            x = v.get(sent[marker][0], {})
            t.check(x.get("status") == status and re.fullmatch(r"\d{4}-\d{6}", x.get("vorgangsnummer", "")) and
                    x.get("summary") and x.get("received_at") and x.get("answered_at"),
                    f"{marker}: status {status}, Vorgangsnummer, summary, MDN and answer times ({x})")
        x = v.get(sent["eAU"][0], {})
        t.check(x.get("status") == "ERROR" and "Versicherter unbekannt" in x.get("summary", ""),
                f"eAU;Fehler-Kasse: ERROR with the insurer's summary ({x})")
        x = v.get(sent["TRACK-SILENT"][0], {})
        t.check(x.get("status") == "sent", f"the silent delivery is still sent ({x})")
        r, _ = kimctl("track", "show", sent["TRACK-WARNING"][0])
        t.check(r.returncode == 0 and "WARNING" in r.stdout and "vorgangsnummer:" in r.stdout,
                f"kimctl track show prints the Vorgang ({r.stdout.strip()[-300:]} {r.stderr})")

        silent = sent["TRACK-SILENT"][0]

        def overdue():
            r, body = kimctl("track", "overdue", "--json")
            return r.returncode == 0 and any(o["message_id"] == silent for o in body or [])

        t.check(wait_until(overdue, DEADLINE_S + 60, 2), "the silent delivery becomes overdue after its deadline")
        r, body = kimctl("track", "overdue", "--json")
        t.check([o["message_id"] for o in body or []] == [silent],
                f"only the silent delivery is overdue ({[o.get('message_id') for o in body or []]})")

        def notices():
            """The overdue/ERROR notices in the practice's mailbox after a PVS login (the notices are
            sent at the next one): {Message-ID: (the raw message at the provider, what kimgated's POP3
            gives the PVS)}. A notice is a KIM message from and to the practice itself."""
            drain()
            found = {}
            box = kg.pop3(a)
            try:
                for n in range(1, box.stat()[0] + 1):
                    head = b"\r\n".join(box.top(n, 0)[1]).decode(errors="replace")
                    own = re.search(r"^From: .*" + re.escape(a["kim_address"]), head, re.M | re.I) and \
                        re.search(r"^To: .*" + re.escape(a["kim_address"]), head, re.M | re.I)
                    mid = re.search(r"^Message-ID:\s*(\S+)", head, re.M | re.I)
                    if own and mid and "X-KOM-LE-Version" in head:
                        text = retrieve(box, n).decode("utf-8", errors="replace")
                        if NOTICE_SUBJECT in text:
                            found[mid.group(1)] = text
            finally:
                box.quit()
            raw = provider_mailbox(w, a)
            try:
                out = {}
                for n in range(1, raw.stat()[0] + 1):
                    head = b"\r\n".join(raw.top(n, 0)[1]).decode(errors="replace")
                    mid = re.search(r"^Message-ID:\s*(\S+)", head, re.M | re.I)
                    if mid and mid.group(1) in found:
                        out[mid.group(1)] = (retrieve(raw, n).decode(errors="replace"), found[mid.group(1)])
                return out
            finally:
                raw.quit()

        found = {}

        def noticed():
            found.update(notices())
            text = "\n".join(pvs for _, pvs in found.values())
            return silent in text and "OVERDUE" in text and sent["TRACK-ERROR"][0] in text

        t.check(wait_until(noticed, 90, 3),
                "the practice's mailbox gets the notice naming the overdue and the ERROR Vorgang")
        text = "\n".join(pvs for _, pvs in found.values())
        t.check(sent["TRACK-OK"][0] not in text, "an OK Vorgang is not announced")
        for mid, (raw, pvs) in found.items():
            raw_head = raw.split("\r\n\r\n", 1)[0]
            t.check(re.search(r"^Content-Type:\s*application/pkcs7-mime", raw_head, re.M | re.I) and
                    re.search(r"^Subject:\s*KOM-LE-Nachricht", raw_head, re.M) and
                    re.search(r"^X-KIM-Dienstkennung:\s*KIM-Mail;Default;V1\.0", raw_head, re.M) and
                    NOTICE_SUBJECT not in raw and silent not in raw and "OVERDUE" not in raw,
                    f"the notice {mid} reaches the provider as an encrypted KIM message, no plain text in it")
            t.check(re.search(r"^X-KIM-DecryptionResult:\s*00", pvs, re.M) and
                    re.search(r"^X-KIM-IntegrityCheckResult:\s*01", pvs, re.M) and
                    "Für die folgenden Sendungen dieses Postfachs ist die erwartete Rückmeldung" in pvs,
                    f"kimgated's POP3 gives the notice {mid} decrypted and verified, with the German text")
        count_before = text.count(silent)
        t.check(count_before == 1, f"the overdue Vorgang is announced once ({count_before} times)")
        time.sleep(3)
        again = "\n".join(pvs for _, pvs in notices().values())
        t.check(again.count(silent) == 1 and again.count(sent["TRACK-ERROR"][0]) == 1,
                "each Vorgang is announced once, also after another login")
        stop_answerers()

        # kill -9 during a burst of 200 routed submissions: every 250 is a Vorgang after the restart.
        accepted, lock, stop = [], threading.Lock(), threading.Event()

        def sender(k):
            s = None
            try:
                s = kg.smtp(a, timeout=60)
                for i in range(20):
                    if stop.is_set():
                        return
                    m = letter(a["kim_address"], [f"eau-104612348@{DOMAIN}"], f"eAU burst {k}-{i}")
                    if s.send_message(m) == {}:
                        with lock:
                            accepted.append(m["Message-ID"])
            except Exception:  # the kill ends the sessions
                return
            finally:
                try:
                    s and s.quit()
                except Exception:
                    pass

        with concurrent.futures.ThreadPoolExecutor(10) as pool:
            futures = [pool.submit(sender, k) for k in range(10)]
            wait_until(lambda: len(accepted) >= 60, 600, 0.05)
            kg.kill9()
            stop.set()
            concurrent.futures.wait(futures)
        t.check(len(accepted) >= 60, f"{len(accepted)} submissions got 250 before the kill")
        t.check(kg.start(config), "kimgated starts again after SIGKILL")
        v = vorgaenge()
        missing = [mid for mid in accepted if mid not in v]
        t.check(not missing, f"every submission that got 250 is a Vorgang after the restart ({len(missing)} missing)")
        db = os.path.join(kg.work, "state", "track.sqlite")
        t.check(os.path.exists(db) and os.stat(db).st_mode & 0o777 == 0o600,
                "the tracking database is <state_dir>/track.sqlite, mode 0600")
        log = kg.log_text()
        t.check("event=track_recorded" in log and "event=track_answer " in log and "event=track_notice_sent" in log,
                "recording, matching and the notice are logged")
    finally:
        stop_answerers()
        answerer_log.close()
        if t.failed:
            print(open(os.path.join(kg.work, "answerers.log")).read()[-3000:])
        wrap_up(t, kg, "track", t0)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
