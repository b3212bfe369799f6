#!/usr/bin/env python3
"""An automatic KIM participant of the test world (issue 18): a KV data acceptance point or an
insurer that fetches its mail through a kimgated (POP3, as its own account, so every message is
decrypted and verified) and answers through the same kimgated (SMTP, signed and encrypted):

- a KV (--role kv) answers each delivery (X-KIM-Dienstkennung ...;Lieferung|Einsendung;...) with
  an MDN Eingangsbestätigung (RFC 8098 multipart/report, Original-Message-ID, In-Reply-To) and,
  after --delay seconds, a Rückprotokoll (the service's Rueckmeldung/Status/Quittung Dienstkennung)
  "Status: OK|WARNING|ERROR" with "Vorgang <nnnn-nnnnnn>" and a "Zusammenfassung:" line; the result
  is chosen by a marker in the delivery's Subject or text: TRACK-OK (also the default),
  TRACK-WARNING, TRACK-ERROR; TRACK-SILENT gets no answer at all;
- an insurer (--role insurer) answers an eAU (eAU;Lieferung;V1.0) that carries TRACK-REFUSE with
  eAU;Fehler-Kasse;V1.0 and stays silent for every other eAU, like a real insurer.

Each message is handled once (by UIDL) and then deleted. Runs until SIGTERM; `--once` handles what
is there and exits. Standard library only. The PVS-side credentials come from world.json.
"""
import argparse
import email
import email.policy
import email.utils
import json
import poplib
import random
import re
import signal
import smtplib
import ssl
import sys
import time
import uuid
from email.message import EmailMessage, Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

ANSWER_TYPE = {"1ClickAbrechnung": "Rueckmeldung", "eDMP": "Quittung", "abD-eHKS": "Quittung",
               "QSPB": "Rueckmeldebericht"}


def pvs_tls():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


class Answerer:
    def __init__(self, world, participant, role, smtp_port, pop3_port, delay, log=print):
        self.w, self.p, self.role = world, world["participants"][participant], role
        self.smtp_port, self.pop3_port, self.delay, self.log = smtp_port, pop3_port, delay, log
        self.seen = set()
        self.pending = []  # (due, message) of Rückprotokolle still to send
        self.counter = random.randint(100000, 899999)

    def user(self, protocol):
        provider = self.w["providers"][self.p["provider"]]
        port = provider["smtps_port" if protocol == "smtp" else "pop3s_port"]
        return f"{self.p['kim_address']}#127.0.0.1:{port}#Mandant1#CS1#WP1"

    def send(self, m):
        s = smtplib.SMTP_SSL("127.0.0.1", self.smtp_port, context=pvs_tls(), timeout=120)
        try:
            s.ehlo("answerer.world.test")
            s.login(self.user("smtp"), self.p["mailbox_password"])
            s.send_message(m)
        finally:
            s.quit()

    def base(self, original, subject, dienstkennung):
        m = EmailMessage()
        m["From"] = self.p["kim_address"]
        m["To"] = email.utils.parseaddr(original["From"])[1]
        m["Subject"] = subject
        m["Date"] = email.utils.formatdate()
        m["Message-ID"] = f"<{uuid.uuid4()}@answerer.test>"
        m["In-Reply-To"] = original["Message-ID"]
        m["References"] = original["Message-ID"]
        m["X-KIM-Dienstkennung"] = dienstkennung
        m["X-KIM-Sendersystem"] = "kimgate-world-answerer;1.0"
        return m

    def mdn(self, original, app):
        m = MIMEMultipart("report", report_type="disposition-notification")
        for k, v in self.base(original, f"{app}-Eingangsbestaetigung", f"{app};Eingangsbestaetigung;V2.0").items():
            m[k] = v
        m.attach(MIMEText("Ihre Lieferung ist eingegangen.\n", "plain", "utf-8"))
        report = Message()
        report["Content-Type"] = "message/disposition-notification"
        report.set_payload(f"Reporting-UA: {self.p['kim_address']}; kimgate-world-answerer\r\n"
                           f"Final-Recipient: rfc822;{self.p['kim_address']}\r\n"
                           f"Original-Message-ID: {original['Message-ID']}\r\n"
                           "Disposition: automatic-action/MDN-sent-automatically;displayed\r\n")
        m.attach(report)
        return m

    def protocol(self, original, app, version, result):
        answer = ANSWER_TYPE.get(app, "Status")
        self.counter += 1
        nummer = f"{time.gmtime().tm_year}-{self.counter:06d}"
        m = self.base(original, f"{app}-{answer}", f"{app};{answer};{version}")
        summary = {"OK": "Lieferung fehlerfrei verarbeitet",
                   "WARNING": "Lieferung verarbeitet, 1 Fehler automatisch korrigiert",
                   "ERROR": "Lieferung abgewiesen, nicht verarbeitet"}[result]
        m.set_content(f"Rückprotokoll zur Lieferung {original['Message-ID']}\n"
                      f"Status: {result}\nVorgang {nummer}\nZusammenfassung: {summary}\n")
        return m, nummer

    def fehler_kasse(self, original):
        m = self.base(original, "eAU Fehlermeldung der Krankenkasse", "eAU;Fehler-Kasse;V1.0")
        m.set_content("Die eAU konnte nicht verarbeitet werden: Versicherter unbekannt.\n"
                      "Status: ERROR\nZusammenfassung: Versicherter unbekannt\n")
        return m

    def handle(self, raw):
        original = email.message_from_bytes(raw, policy=email.policy.default)
        dk = str(original.get("X-KIM-Dienstkennung", ""))
        parts = dk.split(";")
        text = str(original.get("Subject", "")) + "\n" + raw.decode("utf-8", "replace")
        marker = re.search(r"TRACK-(OK|WARNING|ERROR|SILENT|REFUSE)", text)
        marker = marker.group(1) if marker else "OK"
        if original.get("X-KIM-DecryptionResult", "00") != "00" or len(parts) != 3:
            self.log(f"answerer {self.p['kim_address']}: ignored {original['Message-ID']} ({dk}, decryption "
                     f"{original.get('X-KIM-DecryptionResult', '-')})")
            return
        app, kind, version = parts
        if self.role == "insurer":
            if app == "eAU" and kind == "Lieferung" and marker == "REFUSE":
                self.send(self.fehler_kasse(original))
                self.log(f"answerer {self.p['kim_address']}: eAU;Fehler-Kasse for {original['Message-ID']}")
            return
        if kind not in ("Lieferung", "Einsendung") or marker == "SILENT":
            self.log(f"answerer {self.p['kim_address']}: silent for {original['Message-ID']} ({dk})")
            return
        self.send(self.mdn(original, app))
        result = marker if marker in ("OK", "WARNING", "ERROR") else "OK"
        m, nummer = self.protocol(original, app, version, result)
        self.pending.append((time.monotonic() + self.delay, m))
        self.log(f"answerer {self.p['kim_address']}: MDN for {original['Message-ID']}, {result} Vorgang {nummer} "
                 f"in {self.delay} s")

    def poll(self):
        box = poplib.POP3_SSL("127.0.0.1", self.pop3_port, context=pvs_tls(), timeout=120)
        try:
            box.user(self.user("pop3"))
            box.pass_(self.p["mailbox_password"])
            for line in box.uidl()[1]:
                n, uid = line.decode().split()
                if uid in self.seen:
                    continue
                raw = b"\r\n".join(box.retr(int(n))[1]) + b"\r\n"
                self.seen.add(uid)
                try:
                    self.handle(raw)
                finally:
                    box.dele(int(n))
        finally:
            box.quit()

    def flush(self, all_due=False):
        now = time.monotonic()
        keep = []
        for due, m in self.pending:
            if all_due or due <= now:
                self.send(m)
            else:
                keep.append((due, m))
        self.pending = keep

    def run(self, once=False, interval=1.0):
        stop = []
        signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
        while not stop:
            try:
                self.poll()
                self.flush(all_due=once)
            except (OSError, poplib.error_proto, smtplib.SMTPException) as e:
                self.log(f"answerer {self.p['kim_address']}: {type(e).__name__}: {e}")
            if once:
                return
            time.sleep(interval)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--world", required=True, help="world.json")
    ap.add_argument("--participant", required=True, help="e.g. kv_hessen, kasse")
    ap.add_argument("--role", choices=("kv", "insurer"), required=True)
    ap.add_argument("--smtp", type=int, required=True, help="kimgated's SMTPS port")
    ap.add_argument("--pop3", type=int, required=True, help="kimgated's POP3S port")
    ap.add_argument("--delay", type=float, default=5.0, help="seconds between MDN and Rückprotokoll")
    ap.add_argument("--once", action="store_true")
    a = ap.parse_args()
    with open(a.world) as f:
        world = json.load(f)

    def log(line):
        print(line, flush=True)

    Answerer(world, a.participant, a.role, a.smtp, a.pop3, a.delay, log).run(a.once)
    return 0


if __name__ == "__main__":
    sys.exit(main())
