#!/usr/bin/env python3
"""Forward-to-self (§4.12, KOM-LE-A_2029) with a large mail: A sends B a letter of about 14 MiB
(a 10 MiB attachment) while B's SMC-B is pulled; B's PVS fetches it through kimgated and gets the
01 error mail carrying the KIM message as message/rfc822; it forwards that (about 20 MiB) to its
own address through kimgated, which passes the embedded KIM message upstream unchanged; with the
card back, the next fetch decrypts it: X-KIM-DecryptionResult 00, a clean integrity result, and
the attachment's SHA-256 as sent. A small letter goes the same way first, so that a failure of
the size alone is told apart from one of the round trip."""
import email
import email.policy
import hashlib
import os
import sys
import time
import uuid
from email.message import EmailMessage

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import (Failures, Kimgated, arrived, find_message, letter, load_world, provider_mailbox,  # noqa: E402
                     retrieve, smtp_error, wait_until, without_card, world_test_args, wrap_up)

ATTACHMENT = 10 * 1024 * 1024 + 300 * 1024   # base64 in a MIME part: a client mail of about 14 MiB


def body_of(raw):
    return raw.split(b"\r\n\r\n", 1)[1]


def copies(w, p, message_id, fetch_last=False):
    """How many messages in p's provider mailbox hold message_id in their header; with
    fetch_last, also the raw bytes of the newest of them."""
    box = provider_mailbox(w, p, timeout=120)
    try:
        found = [n for n in range(1, box.stat()[0] + 1) if message_id.encode() in b"\r\n".join(box.top(n, 0)[1])]
        return len(found), (retrieve(box, found[-1]) if fetch_last and found else None)
    finally:
        box.quit()


def main():
    args = world_test_args()
    t = Failures()
    t0 = time.monotonic()
    w = load_world()
    a, b = w["participants"]["praxis_a"], w["participants"]["praxis_b"]
    A, B = a["kim_address"], b["kim_address"]
    kg = Kimgated(args.kimgated, args.source, w)
    card_pulled = without_card(kg.base_config, b["card"]["token_label"])

    def round_trip(name, size):
        step = time.monotonic()
        attachment = os.urandom(size)
        m = letter(A, [B], f"Weiterleitung {name} {uuid.uuid4()}", attachment)
        client_mail = m.as_bytes(policy=email.policy.SMTP)
        print(f"{name}: client mail {len(client_mail)} octets", flush=True)
        mid = m["Message-ID"]
        # B's card is pulled: the letter is sent, and B's PVS gets the 01 error mail.
        t.check(kg.restart(card_pulled), f"{name}: kimgated without SMCB-B")
        s = kg.smtp(a)
        e = smtp_error(lambda: s.send_message(m))
        s.close()
        t.check(e is None, f"{name}: A's letter to B is accepted ({e})")
        original = arrived(w, b, mid, 120)
        t.check(original is not None, f"{name}: the KIM message reached B's mailbox")
        got = kg.fetch(b, mid)
        err = email.message_from_bytes(got or b"", policy=email.policy.compat32)
        t.check(got is not None and err["X-KIM-DecryptionResult"] == "01",
                f"{name}: without the card B's PVS gets the 01 error mail ({err['X-KIM-DecryptionResult']})")
        if got is None or original is None:
            return
        # Like a PVS, B deletes what it retrieved (the error mail stands for it): only the forwarded
        # copy will be left to decrypt.
        box = kg.pop3(b)
        n = find_message(box, mid, newest_first=True)
        box.dele(n)
        box.quit()
        t.check(copies(w, b, mid)[0] == 0, f"{name}: the PVS deleted the original after retrieving it")
        embedded = next((p for p in err.walk() if p.get_content_type() == "message/rfc822"), None)
        t.check(embedded is not None, f"{name}: the error mail carries the KIM message as message/rfc822")
        # The PVS forwards the error mail to itself (message/rfc822 inline, a new Message-ID).
        fwd = EmailMessage()
        fwd["From"] = B
        fwd["To"] = B
        fwd["Subject"] = "WG: Die Nachricht konnte nicht entschlüsselt werden"
        fwd["Message-ID"] = f"<{uuid.uuid4()}@pvs.test>"
        fwd["Date"] = email.utils.formatdate()
        fwd.set_content("Weiterleitung an mich selbst")
        fwd.add_attachment(email.message_from_bytes(got, policy=email.policy.compat32), disposition="inline")
        wrapper = fwd.as_bytes(policy=email.policy.SMTP)
        print(f"{name}: forwarded wrapper {len(wrapper)} octets", flush=True)
        s = kg.smtp(b)
        e = smtp_error(lambda: s.sendmail(B, [B], wrapper))
        s.close()
        t.check(e is None, f"{name}: the forwarded error mail ({len(wrapper)} octets) is accepted ({e})")
        # The embedded KIM message goes upstream unchanged: the same CMS arrives in B's mailbox again.
        if e is None:
            t.check(wait_until(lambda: copies(w, b, mid)[0] >= 1, 120, 0.5), f"{name}: the KIM message arrived again")
            _, again = copies(w, b, mid, fetch_last=True)
            t.check(again is not None and body_of(again) == body_of(original),
                    f"{name}: kimgated passed the embedded KIM message upstream unchanged (same CMS)")
        # The card is back: the next fetch decrypts it.
        t.check(kg.restart(kg.base_config), f"{name}: kimgated with SMCB-B back")
        plain = kg.fetch(b, mid, want=b"X-KIM-DecryptionResult: 00")
        inner = email.message_from_bytes(plain or b"", policy=email.policy.default)
        t.check(plain is not None, f"{name}: the next fetch decrypts it (X-KIM-DecryptionResult: 00)")
        t.check(inner["X-KIM-IntegrityCheckResult"] == "01",
                f"{name}: a clean integrity result, 01 (§5.6) ({inner['X-KIM-IntegrityCheckResult']})")
        att = [p.get_content() for p in inner.iter_attachments() if p.get_filename() == "befund.pdf"]
        digest = hashlib.sha256(attachment).hexdigest()
        t.check(att and hashlib.sha256(att[0]).hexdigest() == digest,
                f"{name}: the attachment's SHA-256 matches ({digest[:16]}…)")
        print(f"{name}: {time.monotonic() - step:.1f} s", flush=True)

    try:
        t.check(kg.start(), "kimgated is ready")
        round_trip("small", 20000)
        round_trip("14MiB", ATTACHMENT)
    finally:
        wrap_up(t, kg, "forward_to_self_14mib", t0)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
