#!/usr/bin/env python3
"""The send path against the test world with real clients (smtplib, swaks, curl): a doctor's
letter from practice A through kimgated (local Konnektor over SoftHSM, the world's VZD) to
provider A, delivered into provider B's Dovecot mailbox as a KIM message with the outer headers
of §4.4, decryptable by B (kimctl message open) with signature result 01/07 and the attachment
byte-identical; partial delivery with a DSN (4003/4004/4005) in A's mailbox; every reply of
Tab_SMTP_Verbindung and §4.11 the world can provoke; the login lock and its expiry."""
import argparse
import base64
import datetime
import email
import email.policy
import os
import re
import smtplib
import subprocess
import sys
import urllib.parse
import uuid
from email.message import EmailMessage

from harness import (Failures, Kimgated, SoapKonnektor, arrived, free_ports, kim_user, letter, load_world,
                     pvs_tls, run, smtp_error, wait_until, without_card)


# A TLS "provider" that greets, accepts EHLO and AUTH, and then never answers again.
HANGING_PROVIDER = r"""
import socket, ssl, sys, threading
port, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
srv = socket.create_server(("127.0.0.1", port))
print("ready", flush=True)
def serve(c):
    f = c.makefile("rwb")
    f.write(b"220 hang ESMTP\r\n"); f.flush()
    for line in f:
        if line.upper().startswith(b"EHLO"):
            f.write(b"250-hang\r\n250 AUTH PLAIN\r\n"); f.flush()
        elif line.upper().startswith(b"AUTH"):
            f.write(b"235 2.7.0 ok\r\n"); f.flush()
        # anything else: silence
while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(ctx.wrap_socket(c, server_side=True),), daemon=True).start()
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kimgated", required=True)
    ap.add_argument("--kimctl", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--sim", required=True,
                    help="konnektor_sim: the Konnektor's product information; the letter through the SOAP Konnektor")
    ap.add_argument("--bc-classes", help="compiled KimInterop (tests/interop): BouncyCastle opens the letter too")
    args = ap.parse_args()
    t = Failures()
    w = load_world()
    P = w["participants"]
    a, b = P["praxis_a"], P["praxis_b"]
    fd_a, fd_b = w["providers"]["fd-a"], w["providers"]["fd-b"]
    kg = Kimgated(args.kimgated, args.source, w, extra_config='\n[limits]\nlogin_lock = "3s"\nlogin_failure_delay = "100ms"\n')
    work, smtps, smtp_port, base_config = kg.work, kg.smtps, kg.smtp_starttls, kg.base_config
    ready = kg.start()
    # The local Konnektor's product information, as the SOAP test Konnektor (serving the same local
    # Konnektor) publishes it in connector.sds: what X-KIM-KONVersion must say.
    sim = SoapKonnektor(args.sim, base_config, work, kg.env)
    sim_ready = sim.start()
    kon_version = sim.kon_version() if sim_ready else "(konnektor_sim did not start)"
    pvs_ctx = pvs_tls()

    def accepted(msg):
        s = kg.smtp(a)
        refused = s.send_message(msg)
        s.quit()
        return refused == {}

    def open_as(p, raw, key="C.HCI.ENC.RSA"):
        path = os.path.join(work, f"in-{uuid.uuid4()}.eml")
        out = path + ".out"
        open(path, "wb").write(raw)
        k = p["keys"][key]
        r = run([args.kimctl, "message", "open", "--p12", k["p12"], "--pass", k["p12_password"], "--address",
                 p["kim_address"], "--trust", w["pki"]["ca_bundle_pem"], "--in", path, "--out", out])
        return r, (open(out, "rb").read() if os.path.exists(out) else b"")

    try:
        t.check(ready, "kimgated is ready")

        # 1. The doctor's letter A -> B, text + PDF, through kimgated.
        pdf = b"%PDF-1.4\n" + os.urandom(200000) + b"\n%%EOF\n"
        subject = f"Befund {uuid.uuid4()}"
        m = letter(a["kim_address"], [b["kim_address"]], subject, pdf)
        t.check(accepted(m), "smtplib: the letter A -> B is accepted with 250")
        raw = arrived(w, b, m["Message-ID"])
        t.check(raw is not None, "the KIM message arrived in provider B's Dovecot mailbox")
        if raw:
            outer = email.message_from_bytes(raw, policy=email.policy.compat32)
            t.check(outer["Subject"] == "KOM-LE-Nachricht", "outer Subject: KOM-LE-Nachricht")
            t.check(outer["X-KOM-LE-Version"] == "1.0", "outer X-KOM-LE-Version: 1.0")
            t.check(outer["Message-ID"] == m["Message-ID"], "outer Message-ID equals the inner one")
            t.check(outer["Date"] == m["Date"], "outer Date copied byte for byte")
            t.check(outer["From"] == m["From"] and outer["To"] == m["To"], "outer From/To mirrored")
            t.check(outer["X-KIM-Dienstkennung"] == "KIM-Mail;Default;V1.0", "default Dienstkennung added")
            t.check(outer["X-KIM-Sendersystem"] == "kimgate-test;1.0", "X-KIM-* headers copied to the outer message")
            cmv = r"[a-zA-Z0-9_]{1,5}_[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{1,2}(-25[0-5]|-2[0-4][0-9]|-[0-1]?[0-9]?[0-9])?"
            ptv = r"[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{1,2}(-25[0-5]|-2[0-4][0-9]|-[0-1]?[0-9]?[0-9])?"
            t.check(re.fullmatch(cmv, outer["X-KIM-CMVersion"] or "") is not None,
                    f"X-KIM-CMVersion matches A_21388-01 ({outer['X-KIM-CMVersion']})")
            t.check(re.fullmatch(ptv, outer["X-KIM-PTVersion"] or "") is not None,
                    f"X-KIM-PTVersion matches A_21388-01 ({outer['X-KIM-PTVersion']})")
            t.check(outer["X-KIM-KONVersion"] == kon_version,
                    f"X-KIM-KONVersion is the Konnektor's product information {kon_version} "
                    f"({outer['X-KIM-KONVersion']})")
            # A_22417-01: Expires = send time + dataTimeToLive (90 days by default), as an RFC 5322 date.
            # (A "-0000" zone parses to a naive datetime: it is UTC.)
            utc = datetime.timezone.utc
            sent = email.utils.parsedate_to_datetime(m["Date"])
            sent = sent if sent.tzinfo else sent.replace(tzinfo=utc)
            expires = email.utils.parsedate_to_datetime(outer["Expires"]) if outer["Expires"] else None
            expires = expires if expires is None or expires.tzinfo else expires.replace(tzinfo=utc)
            t.check(expires is not None and abs((expires - sent) - datetime.timedelta(days=90)) <
                    datetime.timedelta(minutes=5), f"Expires is the send time + 90 days ({outer['Expires']})")
            t.check("authenticated-enveloped-data" in (outer["Content-Type"] or ""),
                    "outer Content-Type: application/pkcs7-mime; smime-type=authenticated-enveloped-data")
            r, plain = open_as(b, raw)
            t.check(r.returncode == 0 and b"X-KIM-DecryptionResult: 00" in plain,
                    f"B decrypts the message with its SMC-B key ({r.stdout.strip()})")
            t.check(re.search(rb"X-KIM-IntegrityCheckResult: 0[17]", plain) is not None,
                    "the signature verifies (integrity result 01 or 07)")
            inner = email.message_from_bytes(plain, policy=email.policy.default)
            att = [p.get_content() for p in inner.iter_attachments()]
            t.check(att and att[0] == pdf, "the PDF attachment arrives byte-identical")
            r2, plain_a = open_as(a, raw)
            t.check(r2.returncode == 0 and b"X-KIM-DecryptionResult: 00" in plain_a,
                    "the sender A can decrypt its own message too (KOM-LE-A_2111-01)")
            if args.bc_classes and os.path.isdir(args.bc_classes):
                path = os.path.join(work, "letter.kim.eml")
                open(path, "wb").write(raw)
                cp = ":".join([args.bc_classes] + [f"/usr/share/java/{j}.jar" for j in ("bcprov", "bcpkix", "bcutil")])
                for who, key in ((b, "C.HCI.ENC.RSA"), (b, "C.HCI.ENC.ECC"), (a, "C.HCI.ENC.RSA")):
                    k = who["keys"][key]
                    r = run(["java", "-cp", cp, "KimInterop", "open", path, k["p12"], who["card"]["p12_password"],
                             who["kim_address"]])
                    t.check(r.returncode == 0, f"BouncyCastle opens and verifies it as {who['id']} with {key} "
                                               f"({(r.stdout + r.stderr).strip()[-200:]})")
            r3, plain_b_ecc = open_as(b, raw, "C.HCI.ENC.ECC")
            t.check(r3.returncode == 0 and b"X-KIM-DecryptionResult: 00" in plain_b_ecc,
                    "B decrypts with its ECC key as well (RSA+ECC recipient)")

        # 2. swaks with AUTH LOGIN, to three recipients on two providers (B, the insurer, A's HBA mailbox).
        subject2 = f"Drei {uuid.uuid4()}"
        arzt, kasse = P["arzt_a"], P["kasse"]
        mid2 = f"<{uuid.uuid4()}@pvs.test>"
        rcpts = [b["kim_address"], kasse["kim_address"], arzt["kim_address"]]
        r = run(["swaks", "--server", "127.0.0.1", "--port", str(smtps), "--tls-on-connect", "--auth", "LOGIN",
                 "--auth-user", kim_user(w, a), "--auth-password", a["mailbox_password"],
                 "--from", a["kim_address"], "--to", ",".join(rcpts),
                 "--header", f"Subject: {subject2}", "--header", f"From: {a['kim_address']}",
                 "--header", f"Message-ID: {mid2}", "--header", f"To: {', '.join(rcpts)}", "--body", "drei\n"])
        t.check(r.returncode == 0 and "250 " in r.stdout, "swaks (AUTH LOGIN): three recipients, 250")
        for who in (b, kasse, arzt):
            got2 = arrived(w, who, mid2)
            t.check(got2 is not None and b"KOM-LE-Nachricht" in got2, f"{who['id']} received the KIM message")

        # 3. curl over the STARTTLS listener.
        subject3 = f"Curl {uuid.uuid4()}"
        body = (f"From: {a['kim_address']}\r\nTo: {b['kim_address']}\r\nSubject: {subject3}\r\n"
                f"Message-ID: <{uuid.uuid4()}@pvs.test>\r\n\r\nvia curl\r\n")
        body_path = os.path.join(work, "curl.eml")
        open(body_path, "w").write(body)
        # The user name holds ':' (host:port), so it goes percent-encoded into the URL, not --user.
        creds = f"{urllib.parse.quote(kim_user(w, a), safe='')}:{urllib.parse.quote(a['mailbox_password'], safe='')}"
        r = run(["curl", "-sS", "-k", "--ssl-reqd", "--max-time", "60", f"smtp://{creds}@127.0.0.1:{smtp_port}",
                 "--mail-from", a["kim_address"],
                 "--mail-rcpt", b["kim_address"], "--upload-file", body_path])
        t.check(r.returncode == 0, f"curl (STARTTLS, AUTH PLAIN) sends a mail ({r.stderr.strip()})")
        raw3 = arrived(w, b, body.split("Message-ID: ")[1].split("\r")[0])
        t.check(raw3 is not None and subject3.encode() not in raw3,
                "the curl mail arrived at B as a KIM message (its subject is not visible outside)")

        # 4. Partial delivery: B fine, twoids (4005), wrongku (4003) and revoked (4003: the Konnektor's
        #    VerifyCertificate asks the world's OCSP responder) dropped, one DSN to A.
        aw = w["awkward"]
        subject4 = f"Teil {uuid.uuid4()}"
        m4 = letter(a["kim_address"], [b["kim_address"], aw["two_telematik_ids"]["kim_address"],
                                       aw["wrong_key_usage"]["kim_address"], aw["revoked"]["kim_address"]], subject4)
        t.check(accepted(m4), "partial delivery is accepted with 250")
        raw4 = arrived(w, b, m4["Message-ID"])
        t.check(raw4 is not None, "the partially delivered message reaches B")
        if raw4:
            outer4 = email.message_from_bytes(raw4, policy=email.policy.compat32)
            to4 = [addr.lower() for _, addr in email.utils.getaddresses(outer4.get_all("To") or [])]
            t.check(to4 == [b["kim_address"].lower()] and outer4["Cc"] is None,
                    f"To holds exactly the recipient that was encrypted for; the dropped ones are removed "
                    f"(A_23174, KOM-LE-A_2028) ({outer4['To']})")
        dsn = arrived(w, a, m4["Message-ID"].strip("<>"))
        t.check(dsn is not None, "a DSN arrived in the sender's own mailbox")
        if dsn:
            d = email.message_from_bytes(dsn, policy=email.policy.compat32)
            codes = d.get_all("X-KIM-Fehlermeldung") or []
            t.check({"4003", "4004", "4005"} <= set(codes), f"DSN X-KIM-Fehlermeldung 4003, 4004, 4005 ({codes})")
            t.check(d.get_content_type() == "multipart/report", "DSN is multipart/report (RFC 3464)")
            t.check(aw["two_telematik_ids"]["kim_address"].encode() in dsn and
                    aw["wrong_key_usage"]["kim_address"].encode() in dsn, "DSN names every dropped recipient")
            t.check(f"Final-Recipient: rfc822; {aw['revoked']['kim_address']}".encode() in dsn,
                    "the recipient with the revoked certificate is dropped and named in the DSN")
            t.check(subject4.encode() not in dsn, "the DSN does not carry the original Subject")
            t.check(b"X-KOM-LE-Version" not in dsn.split(b"\r\n\r\n")[0], "DSN is plain (no X-KOM-LE-Version)")

        # 5. The reply tables.
        def login_error(user, password, mech=None, source=None):
            s = smtplib.SMTP_SSL("127.0.0.1", smtps, context=pvs_ctx, timeout=60,
                                 source_address=(source, 0) if source else None)
            s.ehlo("pvs")
            try:
                if mech:
                    code, text = s.docmd("AUTH", mech)
                    return code, text.decode()
                # One AUTH PLAIN (smtplib's login() would retry with LOGIN and count twice).
                token = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
                code, text = s.docmd("AUTH", "PLAIN " + token)
                return None if code == 235 else (code, text.decode())
            finally:
                s.close()

        e = login_error(a["kim_address"], "x")
        t.check(e and e[0] == 501 and e[1].startswith("5.5.4"), f"bad user name: 501 5.5.4 ({e})")
        e = login_error(None, None, "CRAM-MD5")
        t.check(e and e[0] == 504 and e[1].startswith("5.7.4"), f"CRAM-MD5: 504 5.7.4 ({e})")
        down = f"{a['kim_address']}#127.0.0.1:{free_ports(1)[0]}#Mandant1#CS1#WP1"
        e = login_error(down, a["mailbox_password"])
        t.check(e and e[0] == 454 and e[1].startswith("4.7.0"), f"provider down: 454 4.7.0 ({e})")
        e = login_error(kim_user(w, a, konnektor="nosuch"), a["mailbox_password"])
        t.check(e and e[0] == 501 and "nosuch" in e[1], f"unknown KonnektorId: 501 naming it ({e})")
        e = login_error(kim_user(w, a, mandant="MandantX"), a["mailbox_password"])
        t.check(e and e[0] == 501 and "context" in e[1], f"Konnektor context fault: 501 ({e})")
        s = smtplib.SMTP_SSL("127.0.0.1", smtps, context=pvs_ctx, timeout=60)
        s.ehlo("pvs")
        code, text = s.docmd("MAIL", f"FROM:<{a['kim_address']}>")
        s.close()
        t.check(code == 530 and text.startswith(b"5.7.0"), "MAIL before AUTH: 530 5.7.0")

        def send_error(msg, p=a, mail_from=None, to=None):
            s = kg.smtp(p)
            try:
                return smtp_error(lambda: s.send_message(msg, from_addr=mail_from, to_addrs=to))
            finally:
                s.close()

        e = send_error(letter(a["kim_address"], [aw["expired"]["kim_address"]], "nobody"))
        t.check(e and e[0] == 451 and e[1].startswith("4.7.5"), f"no recipient encryptable: 451 4.7.5 ({e})")
        e = send_error(letter(a["kim_address"], [b["kim_address"]], "wrong from"), mail_from=b["kim_address"])
        t.check(e and e[0] == 553 and "MAIL FROM" in e[1], f"MAIL FROM of someone else: 553 ({e})")
        e = send_error(letter(b["kim_address"], [b["kim_address"]], "forged"), mail_from=a["kim_address"])
        t.check(e and e[0] == 550 and "From" in e[1], f"From differs from MAIL FROM: 550 5.7.1 ({e})")
        kas = letter(a["kim_address"], [b["kim_address"]], "kas")
        kas.add_attachment(b'{"link":"x"}', maintype="text", subtype="plain", disposition="x-kas")
        e = send_error(kas)
        t.check(e and e[0] == 451 and "x-kas" in e[1], f"x-kas part present: 451 ({e})")
        # Above 15 MiB the mail would go through the KAS (integration.kas_send); one that already holds
        # an x-kas part is refused there too, found while it streams from the spool.
        big = letter(a["kim_address"], [b["kim_address"]], "big", os.urandom(16 * 1024 * 1024))
        big.add_attachment(b'{"link":"x"}', maintype="text", subtype="plain", disposition="x-kas")
        e = send_error(big)
        t.check(e and e[0] == 451 and "x-kas" in e[1], f"mail over 15 MiB with an x-kas part: 451 ({e})")
        expired = P["expired"]
        e = send_error(letter(expired["kim_address"], [b["kim_address"]], "no sender cert"), p=expired)
        t.check(e and e[0] == 553, f"sender without ENC certificate: 553 ({e})")

        # 6. Login lock: five wrong passwords from one address lock that address out of A's mailbox;
        #    another address and mailbox B stay usable; the lock expires.
        for i in range(5):
            e = login_error(kim_user(w, a), "wrong-password")
            t.check(e and e[0] == 535 and e[1].startswith("5.7.8"), f"wrong password {i + 1}: 535 5.7.8 ({e})")
        e = login_error(kim_user(w, a), a["mailbox_password"])
        t.check(e and e[0] == 454 and "locked" in e[1], f"sixth try with the right password: locked, 454 ({e})")
        e = login_error(kim_user(w, a), a["mailbox_password"], source="127.0.0.2")
        t.check(e is None, f"another client address of the same mailbox is unaffected by the lock ({e})")
        e = login_error(kim_user(w, b), b["mailbox_password"])
        t.check(e is None, "another mailbox is unaffected by the lock")
        t.check(wait_until(lambda: login_error(kim_user(w, a), a["mailbox_password"]) is None, 20, 0.5),
                "the lock expires after limits.login_lock")

        # 7. An eHBA-bound mailbox sends: signed with the practice's SMC-B, never the HBA.
        arzt = P["arzt_a"]
        m7 = letter(arzt["kim_address"], [b["kim_address"]], f"HBA {uuid.uuid4()}")
        s = kg.smtp(arzt)
        refused = s.send_message(m7)
        s.quit()
        raw7 = arrived(w, b, m7["Message-ID"])
        r7, _ = open_as(b, raw7 or b"")
        t.check(refused == {} and raw7 and "signer-type=C.HCI.OSIG" in r7.stdout,
                f"an eHBA-bound mailbox sends, signed with an SMC-B ({r7.stdout.strip()})")

        # 8. The card: A's SMC-B PIN wrong (locked), then A's SMC-B pulled.
        pin_file = os.path.join(work, f"{a['card']['token_label']}.pin")
        right_pin = open(pin_file).read()
        open(pin_file, "w").write("000000\n")
        t.check(kg.restart(base_config), "kimgated restarted with a wrong PIN for SMCB-A")
        e = send_error(letter(a["kim_address"], [b["kim_address"]], "locked card"))
        t.check(e and e[0] == 451 and e[1].startswith("4.7.0") and "PIN" in e[1], f"card not unlocked: 451 4.7.0 ({e})")
        open(pin_file, "w").write(right_pin)
        t.check(kg.restart(without_card(base_config, a["card"]["token_label"])), "kimgated restarted without SMCB-A")
        e = send_error(letter(a["kim_address"], [b["kim_address"]], "no card"))
        t.check(e and e[0] == 451 and "No SMC-B of the sender's institution" in e[1],
                f"no SMC-B of the sender: 451 naming the TelematikID, not another practice's card ({e})")

        # 9. A provider that stops answering after AUTH: 421 after SMTP_TIMEOUT_SERVER.
        hang_port = free_ports(1)[0]
        fake = subprocess.Popen([sys.executable, "-c", HANGING_PROVIDER, str(hang_port), fd_a["server_cert_pem"],
                                 fd_a["server_key_pem"]], stdout=subprocess.PIPE, text=True)
        fake.stdout.readline()
        t.check(kg.restart(base_config + '\n[timeouts]\nsmtp_server = "2s"\n'), "kimgated restarted, smtp_server = 2s")
        s = smtplib.SMTP_SSL("127.0.0.1", smtps, context=pvs_ctx, timeout=60)
        s.ehlo("pvs")
        s.login(f"{a['kim_address']}#127.0.0.1:{hang_port}#Mandant1#CS1#WP1", "any")
        e = smtp_error(lambda: s.send_message(letter(a["kim_address"], [b["kim_address"]], "timeout")))
        t.check(e and e[0] == 421 and e[1].startswith("4.4.2"), f"provider silent: 421 4.4.2 and close ({e})")
        fake.kill()

        # 10. Forward-to-self (§4.12): B's SMC-B pulled, the letter arrives as the 01 error mail; B
        # forwards it to itself through kimgated; with the card back the next fetch decrypts it.
        t.check(kg.restart(without_card(base_config, b["card"]["token_label"])), "kimgated restarted without SMCB-B")
        m10 = letter(a["kim_address"], [b["kim_address"]], f"Weiterleitung {uuid.uuid4()}")
        t.check(accepted(m10) and arrived(w, b, m10["Message-ID"]) is not None, "a letter for B is on the way")
        got = kg.fetch(b, m10["Message-ID"])
        err_mail = email.message_from_bytes(got or b"", policy=email.policy.default)
        t.check(got is not None and err_mail["X-KIM-DecryptionResult"] == "01" and
                err_mail["Subject"] == "Die Nachricht konnte nicht entschlüsselt werden",
                f"without B's card the PVS gets the 01 error mail ({err_mail['Subject']})")
        if got:
            fwd = EmailMessage()
            fwd["From"] = b["kim_address"]
            fwd["To"] = b["kim_address"]
            fwd["Subject"] = "WG: Die Nachricht konnte nicht entschlüsselt werden"
            fwd["Message-ID"] = f"<{uuid.uuid4()}@pvs.test>"
            fwd.set_content("Weiterleitung an mich selbst")
            fwd.add_attachment(email.message_from_bytes(got, policy=email.policy.compat32), disposition="inline")
            s = kg.smtp(b)
            refused = s.send_message(fwd)
            s.quit()
            t.check(refused == {}, "the PVS forwards the error mail to itself through kimgated (no card needed)")
            t.check(kg.restart(base_config), "kimgated restarted with SMCB-B back")
            again = kg.fetch(b, m10["Message-ID"], want=b"X-KIM-DecryptionResult: 00")
            t.check(again is not None, "the next fetch decrypts the forwarded KIM message (00)")

        # 12. A Konnektor that is not ECC-capable (A_17464/A_17472): only RSA ENC certificates are used.
        rsa_only = base_config.replace('id = "local"\n', 'id = "local"\necc_min_signature_service = "99.0.0"\n', 1)
        t.check(kg.restart(rsa_only), "kimgated restarted with a Konnektor that is not ECC-capable")
        m12 = letter(a["kim_address"], [b["kim_address"]], f"RSA {uuid.uuid4()}")
        raw12 = arrived(w, b, m12["Message-ID"]) if accepted(m12) else None
        r12, plain12 = open_as(b, raw12 or b"")
        r12e, _ = open_as(b, raw12 or b"", "C.HCI.ENC.ECC")
        t.check(raw12 is not None and b"X-KIM-DecryptionResult: 00" in plain12 and "decryption=00" not in r12e.stdout,
                f"RSA-only: B decrypts with its RSA key, its ECC key is not a recipient ({r12e.stdout.strip()[:80]})")

        # 11. The same letter path through the Konnektor SOAP test server (konnektor_sim).
        t.check(sim_ready and kg.restart(sim.kimgate_config(base_config)),
                "kimgated restarted with the SOAP Konnektor")
        m11 = letter(a["kim_address"], [b["kim_address"]], f"SOAP {uuid.uuid4()}", pdf)
        t.check(accepted(m11), "through SOAP: the letter A -> B is accepted")
        raw11 = arrived(w, b, m11["Message-ID"])
        outer11 = email.message_from_bytes(raw11 or b"", policy=email.policy.compat32)
        t.check(outer11["X-KIM-KONVersion"] == kon_version,
                f"through SOAP: X-KIM-KONVersion is the product information of connector.sds "
                f"({outer11['X-KIM-KONVersion']})")
        r11, plain11 = open_as(b, raw11 or b"")
        t.check(raw11 is not None and b"X-KIM-DecryptionResult: 00" in plain11,
                f"through SOAP: B decrypts the message ({r11.stdout.strip()})")
        got11 = kg.fetch(b, m11["Message-ID"])
        t.check(got11 is not None and b"X-KIM-DecryptionResult: 00" in got11 and
                b"X-KIM-IntegrityCheckResult: 01" in got11,
                "through SOAP: kimgated's POP3 delivers it decrypted and verified (00/01)")
        if got11:
            inner = email.message_from_bytes(got11, policy=email.policy.default)
            att = [p_.get_content() for p_ in inner.iter_attachments()]
            t.check(att and att[0] == pdf, "through SOAP: the PDF arrives byte-identical")
        # A revoked recipient through the SOAP Konnektor: its VerifyCertificate says INVALID.
        m13 = letter(a["kim_address"], [b["kim_address"], aw["revoked"]["kim_address"]], f"SOAP-R {uuid.uuid4()}")
        t.check(accepted(m13), "through SOAP: a letter to B and a revoked recipient is accepted for B")
        dsn13 = arrived(w, a, m13["Message-ID"].strip("<>"))
        t.check(dsn13 is not None and
                f"Final-Recipient: rfc822; {aw['revoked']['kim_address']}".encode() in dsn13,
                "through SOAP: the revoked recipient is named in the DSN")
    finally:
        sim.close()
        kg.close()
        if t.failed:
            print(kg.log_text()[-6000:])
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
