#!/usr/bin/env python3
"""Large mails received through the KIM Attachment Service (§5.7), against the test world: a
letter above 15 MiB from practice A reaches practice B as a KIM 1.5 message with an x-kas
reference; B's PVS fetches it through kimgated (Python poplib) and gets the original client mail
back, decrypted (00), verified (01), its attachment's SHA-256 as sent. Then each failure of the
sender's KAS gives the spec's mail: 429 -> 4013, HEAD/GET refused -> 4006, data that does not
decrypt -> 4007; and an account whose VZD entry lost the 1.5+ opt-in gets 4018 without any
download."""
import email
import email.policy
import hashlib
import json
import os
import subprocess
import sys
import time
import urllib.request
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Failures, Kimgated, arrived, letter, load_world, smtp_error,  # noqa: E402
                     world_test_args, wrap_up)

BIG = 16 * 1024 * 1024


def control(kas, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(kas["control"] + path, data=data, method="POST" if data is not None else "GET",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read() or b"null")


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


def main():
    args = world_test_args()
    t = Failures()
    t0 = time.monotonic()
    w = load_world()
    a, b = w["participants"]["praxis_a"], w["participants"]["praxis_b"]
    A, B = a["kim_address"], b["kim_address"]
    kas_a = w["providers"]["fd-a"]["kas"]
    kg = Kimgated(args.kimgated, args.source, w)
    try:
        t.check(kg.start(), "kimgated is ready")
        control(kas_a, "/reset", {})

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
            objs = control(kas_a, "/objects")["objects"]
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
        heads = [r for r in control(kas_a, "/requests")["requests"] if r.get("op") == "head"]
        gets = [r for r in control(kas_a, "/requests")["requests"] if r.get("op") == "get"]
        t.check(bool(heads) and bool(gets), "kimgated asked HEAD, then GET")
        t.check(any(n.lower() == "recipient" and v == B for r in gets for n, v in r.get("headers", [])),
                "GET carries the recipient header with B's address")

        # 429 -> 4013; HEAD refused -> 4006; GET 500 -> 4006.
        for op, status, code in (("get", 429, "4013"), ("head", 404, "4006"), ("get", 500, "4006")):
            control(kas_a, "/fail", {"op": op, "status": status, "count": 1})
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
        control(kas_a, "/corrupt", {"id": obj["id"]})
        got = kg.fetch(b, m["Message-ID"])
        err = email.message_from_bytes(got or b"", policy=email.policy.default)
        t.check(err["X-KIM-Fehlermeldung"] == "4007", f"corrupted KAS data: 4007 ({err['X-KIM-Fehlermeldung']})")
        t.check(got is not None and "Abgerufene E-Mail-Daten konnten nicht entschlüsselt werden".encode() in got,
                "the body says the data could not be decrypted")

        # B's account loses the opt-in: 4018 before any download.
        m2, _ = send_large(f"Grosser Befund ohne Freischaltung {uuid.uuid4()}")
        ok, why = set_kom_le(w, b, "1.5")
        t.check(ok, f"B's VZD entry set to 1.5 ({why.strip()})")
        kg.restart()
        before = len([r for r in control(kas_a, "/requests")["requests"] if r.get("op") in ("get", "head")])
        got = kg.fetch(b, m2["Message-ID"])
        err = email.message_from_bytes(got or b"", policy=email.policy.default)
        t.check(err["X-KIM-Fehlermeldung"] == "4018", f"not 1.5+: 4018 ({err['X-KIM-Fehlermeldung']})")
        after = len([r for r in control(kas_a, "/requests")["requests"] if r.get("op") in ("get", "head")])
        t.check(after == before, "nothing was downloaded for it")
        set_kom_le(w, b, "1.5+")
    finally:
        wrap_up(t, kg, "kas_receive", t0)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
