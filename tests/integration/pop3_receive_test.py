#!/usr/bin/env python3
"""The receive path (§5.3-§5.6) through kimgated and its local Konnektor over the test world's
cards, with real clients (poplib, curl, fetchmail). KIM messages from practice A are made with
kim_forge (crypto/ with the world's PKCS#12 keys, also broken on purpose) and planted in provider
B's (and the eHBA account's) mailbox over SMTPS. Each RETR is compared byte for byte with the
mail rebuilt from the spec's texts (kim_mail.py)."""
import argparse
import base64
import json
import os
import poplib
import shutil
import signal
import smtplib
import ssl
import subprocess
import sys
import threading
import urllib.parse
import uuid
from email import message_from_bytes, policy

import kim_mail
from harness import Failures, NotifySocket, free_ports, run, stop, tempdir, wait_until

HBA_USER_ID = "0b2ae8f0-4c4e-4d8e-9a58-6a4c1b0e7d11"  # scripts/world-config.py


def crlf(text):
    return text.replace("\n", "\r\n").encode()


class World:
    def __init__(self, forge):
        self.forge = forge
        self.w = json.load(open(os.path.join(os.environ["KIMGATE_WORLD_DIR"], "world.json")))
        self.p = self.w["participants"]
        self.cm = self.w["client_module"]
        self.work = tempdir()

    def tls(self):
        ctx = ssl.create_default_context(cafile=self.w["pki"]["ca_bundle_pem"])
        ctx.check_hostname = False
        ctx.load_cert_chain(self.cm["cert_pem"], self.cm["key_pem"])
        return ctx

    def deliver(self, to_id, message):
        """SMTPS to provider A as praxis_a (client certificate, AUTH user = MAIL FROM)."""
        a = self.p["praxis_a"]
        fd_a = self.w["providers"]["fd-a"]
        with smtplib.SMTP_SSL("127.0.0.1", fd_a["smtps_port"], context=self.tls(), timeout=30) as s:
            s.login(a["kim_address"], a["mailbox_password"])
            s.sendmail(a["kim_address"], [self.p[to_id]["kim_address"]], message)

    def direct(self, pid):
        p = self.p[pid]
        fd = self.w["providers"][p["provider"]]
        c = poplib.POP3_SSL("127.0.0.1", fd["pop3s_port"], context=self.tls(), timeout=30)
        c.user(p["kim_address"])
        c.pass_(p["mailbox_password"])
        return c

    def seal(self, mode, to_id, client):
        src, out = os.path.join(self.work, f"{uuid.uuid4()}.eml"), os.path.join(self.work, f"{uuid.uuid4()}.kim")
        open(src, "wb").write(client)
        r = run([self.forge, os.path.join(os.environ["KIMGATE_WORLD_DIR"], "world.json"), mode, to_id, src, out])
        if r.returncode != 0:
            raise RuntimeError(f"kim_forge {mode}: {r.stderr}")
        return open(out, "rb").read()


def find(client, token):
    """Message number whose outer header carries `token` (Message-ID), via TOP n 0."""
    for entry in client.list()[1]:  # LIST leaves out what this session deleted
        n = int(entry.split()[0])
        if any(token.encode() in line for line in client.top(n, 0)[1]):
            return n
    return None


def retr(client, n):
    return b"\r\n".join(client.retr(n)[1]) + b"\r\n"


def client_mail(to, token, attachment=None, subject=None):
    a = "praxis.a@fd-a.kim.telematik-test"
    head = (f"From: Praxis A <{a}>\nTo: {to}\nSubject: {subject or 'Befund ' + token}\n"
            f"Date: Tue, 01 Dec 2026 10:00:00 +0100\nMessage-ID: <{token}@kim.local>\n"
            "X-KIM-Dienstkennung: Arztbrief;VHitG-Versand;V1.2\nX-KIM-Sendersystem: Test-PVS;V1.0\nMIME-Version: 1.0\n")
    if attachment is None:
        return crlf(head + "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
                    f"Guten Tag,\n.eine Zeile mit Punkt\nGrüße {token}\n")
    b64 = base64.encodebytes(attachment).decode()
    return crlf(head + 'Content-Type: multipart/mixed; boundary="b-' + token + '"\n\n'
                f"--b-{token}\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
                f"Anbei der Befund {token}.\n--b-{token}\nContent-Type: application/pdf; name=\"befund.pdf\"\n"
                "Content-Transfer-Encoding: base64\nContent-Disposition: attachment; filename=\"befund.pdf\"\n\n"
                f"{b64}--b-{token}--\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kimgated", required=True)
    ap.add_argument("--kim-forge", required=True)
    ap.add_argument("--source", required=True)
    args = ap.parse_args()
    t = Failures()
    wd = World(args.kim_forge)
    w, p = wd.w, wd.p
    b_addr, arzt_addr = p["praxis_b"]["kim_address"], p["arzt_a"]["kim_address"]
    run_id = uuid.uuid4().hex[:12]
    tok = {k: f"{k}-{run_id}" for k in ("ok", "plain", "hba", "other", "locked", "cms", "tamper", "from", "emails",
                                        "version", "nonkim", "busy1", "busy2")}
    pdf = os.urandom(40000)

    # Plant the messages.
    inner = {"ok": client_mail(b_addr, tok["ok"], pdf), "plain": client_mail(b_addr, tok["plain"]),
             "locked": client_mail(b_addr, tok["locked"]), "tamper": client_mail(b_addr, tok["tamper"]),
             "from": client_mail(b_addr, tok["from"]), "emails": client_mail(b_addr, tok["emails"]),
             "hba": client_mail(arzt_addr, tok["hba"]), "other": client_mail(arzt_addr, tok["other"]),
             "busy1": client_mail(b_addr, tok["busy1"]), "busy2": client_mail(b_addr, tok["busy2"])}
    sealed = {k: wd.seal("good", "arzt_a" if k in ("hba", "other") else "praxis_b", v) for k, v in inner.items()
              if k not in ("tamper", "emails")}
    sealed["tamper"] = wd.seal("tamper", "praxis_b", inner["tamper"])
    sealed["emails"] = wd.seal("emails", "praxis_b", inner["emails"])
    sealed["from"] = sealed["from"].replace(b"From: Praxis A <praxis.a@", b"From: Praxis A <anna.aurich@", 1)
    der = bytearray(base64.b64decode(kim_mail.body(sealed["ok"])))
    der[len(der) // 2] ^= 0x20
    sealed["cms"] = sealed["ok"].split(b"\r\n\r\n", 1)[0].replace(tok["ok"].encode(), tok["cms"].encode()) + \
        b"\r\n\r\n" + base64.encodebytes(bytes(der)).replace(b"\n", b"\r\n")
    sealed["version"] = sealed["plain"].replace(b"X-KOM-LE-Version: 1.0", b"X-KOM-LE-Version: 2.0").replace(
        tok["plain"].encode(), tok["version"].encode())
    sealed["nonkim"] = crlf(f"From: praxis.a@fd-a.kim.telematik-test\nTo: {b_addr}\nSubject: Abwesend {tok['nonkim']}\n"
                            f"Message-ID: <{tok['nonkim']}@kim.local>\n\n.Urlaub\nbis Montag\n")
    for k, m in sealed.items():
        wd.deliver("arzt_a" if k in ("hba",) else "praxis_b", m)

    def arrived():
        d, h = wd.direct("praxis_b"), wd.direct("arzt_a")
        ok = all(find(d, tok[k]) for k in sealed if k != "hba") and find(h, tok["hba"]) is not None
        d.quit()
        h.quit()
        return ok

    t.check(wait_until(arrived, 90, 0.5), "all test messages arrived at provider B and at the eHBA mailbox")

    smtps, pop3s, smtp, pop3 = free_ports(4)
    world_json = os.path.join(os.environ["KIMGATE_WORLD_DIR"], "world.json")
    r = run([sys.executable, os.path.join(args.source, "scripts", "world-config.py"), world_json, wd.work,
             "--smtps", str(smtps), "--pop3s", str(pop3s), "--smtp", str(smtp), "--pop3", str(pop3)])
    config = r.stdout.strip()
    pin_file = os.path.join(wd.work, p["praxis_b"]["card"]["token_label"] + ".pin")
    right_pin = open(pin_file).read()
    log_path = os.path.join(wd.work, "kimgated.log")
    env = dict(os.environ, SOFTHSM2_CONF=w["softhsm"]["conf"])
    pvs = ssl.create_default_context()
    pvs.check_hostname = False
    pvs.verify_mode = ssl.CERT_NONE
    fd_b, fd_a = w["providers"]["fd-b"], w["providers"]["fd-a"]
    user_b = f"{b_addr}#127.0.0.1:{fd_b['pop3s_port']}#Mandant1#CS1#WP1"

    def start(config=config):
        notify = NotifySocket(tempdir())
        log = open(log_path, "a")
        proc = subprocess.Popen([args.kimgated, "--config", config, "--foreground"], stderr=log,
                                env=dict(env, NOTIFY_SOCKET=notify.path))
        t.check(notify.wait_for("READY=1") is not None, "kimgated is ready")
        return proc, log

    def login(user, password):
        c = poplib.POP3_SSL("127.0.0.1", pop3s, context=pvs, timeout=60)
        c.user(user)
        c.pass_(password)
        return c

    proc, log = start()
    try:
        d = wd.direct("praxis_b")
        outer = {k: retr(d, find(d, tok[k])) for k in sealed if k != "hba"}
        # The card's PIN is wrong before anything unlocked it: 01, and the message stays.
        open(pin_file, "w").write("000000\n")
        k = login(user_b, p["praxis_b"]["mailbox_password"])
        got = retr(k, find(k, tok["locked"]))
        t.check(got == kim_mail.decryption_error(outer["locked"], "01", b_addr, kim_mail.message_id(got)),
                "card locked (PIN rejected): the 01 mail, byte for byte")
        open(pin_file, "w").write(right_pin)
        got = retr(k, find(k, tok["locked"]))
        t.check(b"X-KIM-DecryptionResult: 00\r\n" in got, "the same message decrypts on the next RETR once the PIN is right")

        got = retr(k, find(k, tok["ok"]))
        t.check(got == kim_mail.delivered(outer["ok"], inner["ok"], "01", "b-" + tok["ok"]),
                "multipart letter: 00/01, trace fields, notes part, byte for byte")
        parts = [pt for pt in message_from_bytes(got, policy=policy.default).walk()
                 if pt.get_filename() == "befund.pdf"]
        t.check(len(parts) == 1 and parts[0].get_content() == pdf, "the attachment is byte-identical")
        got = retr(k, find(k, tok["plain"]))
        t.check(got == kim_mail.delivered(outer["plain"], inner["plain"], "01"),
                "text/plain letter: notes appended to the text, byte for byte")
        got = retr(k, find(k, tok["other"]))
        t.check(got == kim_mail.decryption_error(outer["other"], "01", b_addr, kim_mail.message_id(got)),
                "addressed to someone else: 01, byte for byte")
        got = retr(k, find(k, tok["cms"]))
        t.check(got == kim_mail.decryption_error(outer["cms"], "02", b_addr, kim_mail.message_id(got)),
                "corrupted CMS: 02, byte for byte")
        got = retr(k, find(k, tok["version"]))
        t.check(got == kim_mail.version_error(outer["version"], "2.0", kim_mail.message_id(got)),
                "X-KOM-LE-Version 2.0: the 4008 mail, byte for byte")
        tampered = bytearray(inner["tamper"])
        tampered[inner["tamper"].index(b"\r\n\r\n") + 4] ^= 0x01
        got = retr(k, find(k, tok["tamper"]))
        t.check(got == kim_mail.integrity_error(outer["tamper"], bytes(tampered), "02", kim_mail.message_id(got)),
                "tampered signed content: integrity 02 warning mail, byte for byte")
        got = retr(k, find(k, tok["from"]))
        t.check(got == kim_mail.integrity_error(outer["from"], inner["from"], "08", kim_mail.message_id(got)),
                "outer From changed: integrity 08 warning mail, byte for byte")
        got = retr(k, find(k, tok["emails"]))
        t.check(got == kim_mail.integrity_error(outer["emails"], inner["emails"], "09", kim_mail.message_id(got)),
                "recipient-emails differ: integrity 09 warning mail, byte for byte")
        n = find(k, tok["nonkim"])
        t.check(retr(k, n) == outer["nonkim"], "non-KIM mail passes byte-identical")
        top = k.top(find(k, tok["ok"]), 10)[1]
        t.check(b"Subject: KOM-LE-Nachricht" in top and not any(b"Anbei" in line for line in top),
                "TOP returns the outer headers only")
        t.check(k.stat() == d.stat(), "every processed message stays upstream")
        k.quit()

        # curl (pop3s) fetches the same decrypted letter.
        n = find(d, tok["ok"])
        creds = (f"{urllib.parse.quote(user_b, safe='')}:"
                 f"{urllib.parse.quote(p['praxis_b']['mailbox_password'], safe='')}")
        r = subprocess.run(["curl", "-sk", "--max-time", "60", f"pop3s://{creds}@127.0.0.1:{pop3s}/{n}"],
                           capture_output=True, timeout=90)
        t.check(r.returncode == 0 and r.stdout == kim_mail.delivered(outer["ok"], inner["ok"], "01", "b-" + tok["ok"]),
                f"curl RETR gets the decrypted letter byte for byte ({r.returncode})")

        # The eHBA account decrypts only with its UserId.
        h = wd.direct("arzt_a")
        outer_hba = retr(h, find(h, tok["hba"]))
        h.quit()
        user_hba = f"{arzt_addr}#127.0.0.1:{fd_a['pop3s_port']}#Mandant1#CS1#WP1"
        k = login(user_hba, p["arzt_a"]["mailbox_password"])
        got = retr(k, find(k, tok["hba"]))
        t.check(got == kim_mail.decryption_error(outer_hba, "01", arzt_addr, kim_mail.message_id(got)),
                "eHBA account without UserId: 01")
        k.quit()
        k = login(user_hba + "#*#local", p["arzt_a"]["mailbox_password"])
        got = retr(k, find(k, tok["hba"]))
        t.check(got == kim_mail.decryption_error(outer_hba, "01", arzt_addr, kim_mail.message_id(got)),
                "eHBA account with a placeholder UserId and KonnektorId: 01")
        k.quit()
        k = login(f"{user_hba}#{HBA_USER_ID}", p["arzt_a"]["mailbox_password"])
        got = retr(k, find(k, tok["hba"]))
        t.check(got == kim_mail.delivered(outer_hba, inner["hba"], "01"), "eHBA account with its UserId: 00/01")
        k.quit()

        # Login refusals: an unknown KonnektorId, a call context the Konnektor does not know.
        for user, expect in ((user_b + "#*#Konn_9", 'unknown KonnektorId "Konn_9"'),
                             (f"{b_addr}#127.0.0.1:{fd_b['pop3s_port']}#Mandant9#CS1#WP1",
                              "the Konnektor refused the call context: 4004")):
            try:
                login(user, p["praxis_b"]["mailbox_password"])
                t.check(False, f"login refused: {expect}")
            except poplib.error_proto as e:
                t.check(expect in str(e), f"login refused: {e}")

        # fetchmail into an mbox, keeping everything upstream.
        if shutil.which("fetchmail"):
            home = tempdir()
            mbox = os.path.join(home, "mbox")
            rc = os.path.join(home, "fetchmailrc")
            with open(os.open(rc, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
                f.write(f'poll 127.0.0.1 service {pop3s} protocol pop3 auth password\n'
                        f'  user "{user_b}" password "{p["praxis_b"]["mailbox_password"]}"\n'
                        f'  ssl no sslcertck keep fetchall mda "/bin/sh -c \'cat >> {mbox}\'"\n')
            r = subprocess.run(["fetchmail", "-f", rc, "--nosyslog", "-s"], capture_output=True, text=True,
                               timeout=300, env=dict(os.environ, FETCHMAILHOME=home, HOME=home))
            data = open(mbox, "rb").read() if os.path.exists(mbox) else b""
            t.check(r.returncode == 0 and f"Anbei der Befund {tok['ok']}.".encode() in data
                    and b"X-KIM-DecryptionResult: 00" in data and kim_mail.DECRYPTED.encode() in data,
                    f"fetchmail delivers the decrypted letter into an mbox (exit {r.returncode})")
        else:
            t.check(False, "fetchmail is installed (scripts/deps/base.txt)")

        # A kimgated killed in the middle of a session commits no DELE.
        before = d.stat()[0]
        d.quit()
        k = login(user_b, p["praxis_b"]["mailbox_password"])
        for key in ("ok", "plain", "nonkim"):
            k.dele(find(k, tok[key]))
        retr(k, find(k, tok["tamper"]))
        proc.send_signal(signal.SIGKILL)
        stop(proc, log)
        proc, log = start()
        d = wd.direct("praxis_b")
        t.check(d.stat()[0] == before and all(find(d, tok[key]) for key in ("ok", "plain", "nonkim")),
                "after kimgated was killed mid-session every message is still upstream")
        k = login(user_b, p["praxis_b"]["mailbox_password"])
        t.check(k.stat() == d.stat(), "a new session sees them all")
        k.quit()
        t.check(p["praxis_b"]["mailbox_password"] not in open(log_path).read(), "no password in the log")
        # A card that does not answer within KONNEKTOR_TIMEOUT: two sessions decrypt with the same
        # SMC-B at once, the card takes 8 s per key operation and the timeout is 1 s, so whichever
        # comes second gets the 03 mail and the other the letter.
        stop(proc, log)
        slow = open(config).read().replace("trust_anchors =", 'simulate_service_time = "8s"\ntrust_anchors =', 1)
        slow_config = os.path.join(wd.work, "slow.toml")
        open(slow_config, "w").write(slow + '\n[timeouts]\nkonnektor = "1s"\n')
        proc, log = start(slow_config)
        sessions = [login(user_b, p["praxis_b"]["mailbox_password"]) for _ in range(2)]
        numbers = [find(sessions[0], tok["busy1"]), find(sessions[1], tok["busy2"])]
        results = [None, None]
        barrier = threading.Barrier(2)

        def fetch(i):
            barrier.wait()
            results[i] = retr(sessions[i], numbers[i])

        threads = [threading.Thread(target=fetch, args=(i,)) for i in range(2)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(120)
        codes = sorted(kim_mail.header(r, "X-KIM-DecryptionResult") for r in results if r)
        t.check(codes == ["00", "03"], f"a card busy past KONNEKTOR_TIMEOUT: one letter, one 03 mail ({codes})")
        for i, key in enumerate(("busy1", "busy2")):
            if results[i] and kim_mail.header(results[i], "X-KIM-DecryptionResult") == "03":
                t.check(results[i] == kim_mail.decryption_error(outer[key], "03", b_addr,
                                                                kim_mail.message_id(results[i])),
                        "the 03 mail, byte for byte")
        for c in sessions:
            c.quit()
        # Tidy up: this run's messages leave the mailboxes.
        for key in sealed:
            if key != "hba":
                d.dele(find(d, tok[key]))
        d.quit()
        h = wd.direct("arzt_a")
        h.dele(find(h, tok["hba"]))
        h.quit()
    finally:
        stop(proc, log)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
