#!/usr/bin/env python3
"""Large mails received through the KIM Attachment Service (§5.7), against the test world: a
letter above 15 MiB from practice A reaches practice B as a KIM 1.5 message with an x-kas
reference; B's PVS fetches it through kimgated (Python poplib) and gets the original client mail
back, decrypted (00), verified (01), its attachment's SHA-256 as sent. Then each failure of the
sender's KAS gives the spec's mail: 429 -> 4013, HEAD/GET refused -> 4006, data that does not
decrypt -> 4007; a KIM message whose x-kas hash does not match the data (made with
`kimctl message seal` from the reference of a real one) -> 4012 with the security warning; and an
account whose VZD entry lost the 1.5+ opt-in gets 4018 without any download."""
import email
import email.policy
import hashlib
import base64
import json
import os
import re
import smtplib
import ssl
import subprocess
import sys
import time
import uuid
import email.utils

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (kas_control, Failures, Kimgated, arrived, fetch_direct, letter, load_world, smtp_error,  # noqa: E402
                     tempdir, world_test_args, wrap_up)

BIG = 16 * 1024 * 1024


def attachment_digest(raw):
    m = email.message_from_bytes(raw or b"", policy=email.policy.default)
    for part in m.walk():
        if part.get_filename() == "befund.pdf":
            return hashlib.sha256(part.get_content()).hexdigest()
    return None


def set_kom_le(w, p, value):
    """komLeData of p's VZD entry ("<version>,<mail>")."""
    v = w["vzd"]
    dn = p.get("vzd_dn") or p.get("dn")
    ldif = f"dn: {dn}\nchangetype: modify\nreplace: komLeData\nkomLeData: {value},{p['kim_address']}\n"
    r = subprocess.run(["ldapmodify", "-x", "-H", v["ldap_url"], "-D", v["admin_dn"], "-w", v["admin_password"]],
                       input=ldif, text=True, capture_output=True)
    return r.returncode == 0, r.stderr


def forged_hash_message(w, kimctl, kim_raw, work):
    """A KIM message from A to B with the x-kas reference of `kim_raw` (opened with B's key) but
    another hash, signed and encrypted offline like a client module that computed it wrong."""
    a, b = w["participants"]["praxis_a"], w["participants"]["praxis_b"]
    key = lambda p, k, f: p["keys"][k][f]  # noqa: E731
    kim_file, opened = os.path.join(work, "in.kim.eml"), os.path.join(work, "opened.eml")
    open(kim_file, "wb").write(kim_raw)
    for k in ("C.HCI.ENC.RSA", "C.HCI.ENC.ECC"):
        r = subprocess.run([kimctl, "message", "open", "--p12", key(b, k, "p12"), "--pass", b["card"]["p12_password"],
                            "--address", b["kim_address"], "--trust", w["pki"]["ca_bundle_pem"], "--in", kim_file,
                            "--out", opened], capture_output=True, text=True)
        if r.returncode == 0:
            break
    found = re.search(rb'\{"link".*?\}', open(opened, "rb").read()) if os.path.exists(opened) else None
    if not found:
        return None, f"kimctl message open: {r.returncode} {r.stderr[-300:]}"
    ref = json.loads(found.group(0))
    ref["hash"] = base64.b64encode(hashlib.sha256(b"other data").digest()).decode()
    client = os.path.join(work, "forged.eml")
    mid = f"<{uuid.uuid4()}@pvs.test>"
    open(client, "wb").write((
        f"From: {a['kim_address']}\r\nTo: {b['kim_address']}\r\nSubject: Hash falsch\r\nMessage-ID: {mid}\r\n"
        f"Date: {email.utils.formatdate()}\r\nX-KIM-Dienstkennung: KIM-Mail;Default;V1.0\r\n"
        f"X-KIM-KAS-Size: {ref['size']}\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Disposition: x-kas\r\n\r\n{json.dumps(ref, separators=(',', ':'))}\r\n").encode())
    sealed = os.path.join(work, "forged.kim.eml")
    r = subprocess.run([kimctl, "message", "seal", "--signer-p12", key(a, "C.HCI.OSIG.RSA", "p12"), "--signer-pass",
                        a["card"]["p12_password"], "--sender",
                        f"{a['kim_address']}={key(a, 'C.HCI.ENC.RSA', 'cert_pem')}", "--recipient",
                        f"{b['kim_address']}={key(b, 'C.HCI.ENC.RSA', 'cert_pem')}", "--in", client, "--out", sealed],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return None, f"kimctl message seal: {r.stderr[-300:]}"
    return (mid, open(sealed, "rb").read()), ""


def submit_direct(w, p, to, raw):
    """SMTPS to p's provider as p (client certificate C.CM.TLS-CS, AUTH), bypassing kimgated."""
    ctx = ssl.create_default_context(cafile=w["pki"]["ca_bundle_pem"])
    ctx.check_hostname = False
    ctx.load_cert_chain(w["client_module"]["cert_pem"], w["client_module"]["key_pem"])
    with smtplib.SMTP_SSL("127.0.0.1", w["providers"][p["provider"]]["smtps_port"], context=ctx, timeout=60) as s:
        s.login(p["kim_address"], p["mailbox_password"])
        s.sendmail(p["kim_address"], [to], raw)


def main():
    args = world_test_args(("--kimctl", {"required": True}))
    t = Failures()
    t0 = time.monotonic()
    w = load_world()
    a, b = w["participants"]["praxis_a"], w["participants"]["praxis_b"]
    A, B = a["kim_address"], b["kim_address"]
    kas_a = w["providers"]["fd-a"]["kas"]
    kg = Kimgated(args.kimgated, args.source, w)
    try:
        t.check(kg.start(), "kimgated is ready")
        kas_control(kas_a, "/reset", {})

        def send_large(subject):
            payload = os.urandom(BIG)
            m = letter(A, [B], subject, payload)
            s = kg.smtp(a)
            e = smtp_error(lambda: s.send_message(m))
            s.close()
            t.check(e is None, f"{subject}: A's 22 MiB letter is accepted ({e})")
            t.check(arrived(w, b, m["Message-ID"], 120) is not None, f"{subject}: the KIM message reached B")
            return m, hashlib.sha256(payload).hexdigest()

        def newest_object():
            objs = kas_control(kas_a, "/objects")["objects"]
            return max(objs, key=lambda o: o.get("created", 0)) if objs else None

        # The good case.
        m, digest = send_large(f"Grosser Befund {uuid.uuid4()}")
        got = kg.fetch(b, m["Message-ID"])
        mail = email.message_from_bytes(got or b"", policy=email.policy.compat32)
        t.check(got is not None and mail["X-KIM-DecryptionResult"] == "00", "B's PVS gets the mail decrypted (00)")
        t.check(mail["X-KIM-IntegrityCheckResult"] == "01", f"verified (01) ({mail['X-KIM-IntegrityCheckResult']})")
        t.check(got is not None and len(got) > BIG, f"the PVS gets the whole client mail ({len(got or b'')} octets)")
        t.check(attachment_digest(got) == digest, "the attachment's SHA-256 is what A sent")
        t.check(got is not None and b"x-kas" not in got.split(b"\r\n\r\n", 1)[0].lower(),
                "the x-kas reference is not delivered as the mail")
        t.check(mail["Subject"] is not None and "Grosser Befund" in mail["Subject"], "the client mail's Subject")
        heads = [r for r in kas_control(kas_a, "/requests")["requests"] if r.get("op") == "head"]
        gets = [r for r in kas_control(kas_a, "/requests")["requests"] if r.get("op") == "get"]
        t.check(bool(heads) and bool(gets), "kimgated asked HEAD, then GET")
        t.check(any(n.lower() == "recipient" and v == B for r in gets for n, v in r.get("headers", [])),
                "GET carries the recipient header with B's address")

        # 429 -> 4013; HEAD refused -> 4006; GET 500 -> 4006.
        for op, status, code in (("get", 429, "4013"), ("head", 404, "4006"), ("get", 500, "4006")):
            kas_control(kas_a, "/fail", {"op": op, "status": status, "count": 1})
            got = kg.fetch(b, m["Message-ID"])
            err = email.message_from_bytes(got or b"", policy=email.policy.default)
            t.check(err["X-KIM-Fehlermeldung"] == code, f"{op} answered {status}: X-KIM-Fehlermeldung {code} "
                                                       f"({err['X-KIM-Fehlermeldung']})")
            t.check(err["Subject"] == "Die E-Mail-Daten konnten nicht abgerufen werden", f"{op} {status}: subject")
            t.check(any(p.get_content_type() == "message/rfc822" for p in err.walk()),
                    f"{op} {status}: the KIM message is embedded for forwarding to oneself")
        # Again without a fault: the download is repeated and works.
        t.check(attachment_digest(kg.fetch(b, m["Message-ID"])) == digest, "the next fetch downloads it again")

        # Data that does not decrypt -> 4007.
        obj = newest_object()
        kas_control(kas_a, "/corrupt", {"id": obj["id"]})
        got = kg.fetch(b, m["Message-ID"])
        err = email.message_from_bytes(got or b"", policy=email.policy.default)
        t.check(err["X-KIM-Fehlermeldung"] == "4007", f"corrupted KAS data: 4007 ({err['X-KIM-Fehlermeldung']})")
        t.check(got is not None and "Abgerufene E-Mail-Daten konnten nicht entschlüsselt werden".encode() in got,
                "the body says the data could not be decrypted")

        # A hash that does not match the data -> 4012 with the security warning, nothing delivered.
        m3, digest3 = send_large(f"Grosser Befund fuer falschen Hash {uuid.uuid4()}")
        forged, why = forged_hash_message(w, args.kimctl, fetch_direct(w, b, m3["Message-ID"]) or b"", tempdir())
        t.check(forged is not None, f"a KIM message with a wrong x-kas hash was made offline ({why})")
        if forged:
            submit_direct(w, a, B, forged[1])
            t.check(arrived(w, b, forged[0], 60) is not None, "the forged KIM message reached B")
            got = kg.fetch(b, forged[0])
            err = email.message_from_bytes(got or b"", policy=email.policy.default)
            t.check(err["X-KIM-Fehlermeldung"] == "4012", f"hash mismatch: 4012 ({err['X-KIM-Fehlermeldung']})")
            t.check(got is not None and "Sicherheitsverletzung".encode() in got and attachment_digest(got) is None,
                    "the security warning replaces the body; the data is not delivered")

        # B's account loses the opt-in: 4018 before any download.
        m2, _ = send_large(f"Grosser Befund ohne Freischaltung {uuid.uuid4()}")
        ok, why = set_kom_le(w, b, "1.5")
        t.check(ok, f"B's VZD entry set to 1.5 ({why.strip()})")
        kg.restart()
        before = len([r for r in kas_control(kas_a, "/requests")["requests"] if r.get("op") in ("get", "head")])
        got = kg.fetch(b, m2["Message-ID"])
        err = email.message_from_bytes(got or b"", policy=email.policy.default)
        t.check(err["X-KIM-Fehlermeldung"] == "4018", f"not 1.5+: 4018 ({err['X-KIM-Fehlermeldung']})")
        after = len([r for r in kas_control(kas_a, "/requests")["requests"] if r.get("op") in ("get", "head")])
        t.check(after == before, "nothing was downloaded for it")
        set_kom_le(w, b, "1.5+")
    finally:
        wrap_up(t, kg, "kas_receive", t0)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
