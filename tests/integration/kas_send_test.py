#!/usr/bin/env python3
"""Large mails through the KIM Attachment Service (§4.10), against the test world's KAS: a letter
above 15 MiB from practice A to practice B (KIM 1.5+) goes up to A's KAS sealed and comes to B as
a KIM 1.5 message with the x-kas reference; the KAS saw the multipart form the yaml prescribes; a
recipient registered with 1.0 is dropped with DSN 4001, and alone gets 451; a KAS that refuses the
upload gives 451, one whose quota is exhausted 521, and nothing reaches the recipient; when the
provider then refuses the KIM message, the uploaded data is deleted from the KAS."""
import email
import email.policy
import json
import os
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reliability"))
from harness import (kas_control, Failures, Kimgated, arrived, letter, load_world, smtp_error,  # noqa: E402
                     world_test_args, wrap_up)
from fault_suite import Provider  # noqa: E402

BIG = 16 * 1024 * 1024  # an attachment of 16 MiB: a client mail of about 22 MiB


def main():
    args = world_test_args()
    t = Failures()
    t0 = time.monotonic()
    w = load_world()
    a, b, kk = w["participants"]["praxis_a"], w["participants"]["praxis_b"], w["participants"]["kasse"]
    A, B, KK = a["kim_address"], b["kim_address"], kk["kim_address"]
    kas_a = w["providers"]["fd-a"]["kas"]
    kg = Kimgated(args.kimgated, args.source, w)
    try:
        t.check(kg.start(), "kimgated is ready")
        kas_control(kas_a, "/reset", {})

        def send(to, subject, size=BIG):
            m = letter(A, to, subject, os.urandom(size))
            s = kg.smtp(a)
            e = smtp_error(lambda: s.send_message(m))
            s.close()
            return m, e

        # A -> B: sealed, uploaded, referenced.
        m, e = send([B], f"Grosser Befund {uuid.uuid4()}")
        t.check(e is None, f"a 22 MiB letter to a 1.5+ mailbox is accepted ({e})")
        got = arrived(w, b, m["Message-ID"], 120)
        kim = email.message_from_bytes(got or b"", policy=email.policy.compat32)
        t.check(got is not None and kim["X-KOM-LE-Version"] == "1.5", "B gets a KIM message with X-KOM-LE-Version 1.5")
        t.check(got is not None and len(got) < 64 * 1024, "the KIM message carries only the reference (small)")
        objects = kas_control(kas_a, "/objects")
        mine = [o for o in objects.get("objects", objects) if B in o.get("recipients", [])]
        t.check(len(mine) == 1, f"A's KAS holds one object for B ({len(mine)})")
        requests = kas_control(kas_a, "/requests")
        uploads = [r for r in requests.get("requests", requests) if r.get("method") == "POST"]
        pairs = uploads[-1].get("form", []) if uploads else []
        form = {"messageID": next((v for n, v in pairs if n == "messageID"), None),
                "recipients": [v for n, v in pairs if n == "recipients"],
                "expires": next((v for n, v in pairs if n == "expires"), "")}
        t.check(bool(uploads), "kimgated called addMailData")
        print(json.dumps(uploads[-1] if uploads else {}, indent=1)[:2000], flush=True)
        t.check(form.get("messageID") == m["Message-ID"].strip("<>"), "messageID is the mail's Message-ID")
        t.check(form["recipients"] == [B], f"one recipients part for B ({form['recipients']})")
        t.check(len(form["expires"].split()) >= 4 and len(form["expires"].split()[3]) == 4,
                f"expires is an RFC 5322 date with a 4-digit year ({form['expires']})")

        # A -> [B, Kasse (1.0)]: Kasse dropped with DSN 4001.
        m2, e2 = send([B, KK], f"Grosser Befund an zwei {uuid.uuid4()}")
        t.check(e2 is None, f"with a 1.0 recipient beside B the letter is accepted ({e2})")
        dsn = arrived(w, a, m2["Message-ID"].strip("<>"), 120)
        t.check(dsn is not None and b"X-KIM-Fehlermeldung: 4001" in dsn and KK.encode() in dsn,
                "A gets a DSN with X-KIM-Fehlermeldung 4001 naming the 1.0 recipient")

        # Only a 1.0 recipient: 451.
        _, e3 = send([KK], f"Grosser Befund nur Kasse {uuid.uuid4()}")
        t.check(e3 is not None and e3[0] == 451, f"a large letter only to a 1.0 mailbox gets 451 ({e3})")

        # The KAS refuses the upload: 451; quota exhausted: 521.
        kas_control(kas_a, "/fail", {"op": "add", "status": 500, "count": 1})
        m4, e4 = send([B], f"KAS 500 {uuid.uuid4()}")
        t.check(e4 is not None and e4[0] == 451 and "4002" in e4[1], f"an upload refused with 500 gets 451 ({e4})")
        kas_control(kas_a, "/fail", {"op": "add", "status": 507, "count": 1})
        m5, e5 = send([B], f"KAS 507 {uuid.uuid4()}")
        t.check(e5 is not None and e5[0] == 521, f"an upload refused with 507 gets 521 ({e5})")
        t.check(arrived(w, b, m4["Message-ID"], 3) is None and arrived(w, b, m5["Message-ID"], 3) is None,
                "nothing reached B for the refused uploads")

        # The upload succeeds, then provider A refuses the KIM message: the KAS data is deleted.
        provider = Provider(w, "fd-a")
        try:
            provider.set(recipient={B: "REJECT 5.7.1 test: recipient refused"})
            m6, e6 = send([B], f"Abgelehnt {uuid.uuid4()}")
        finally:
            provider.restore()
        t.check(e6 is not None and e6[0] >= 500, f"the provider refused the KIM message: {e6}")
        mine = [o for o in kas_control(kas_a, "/objects")["objects"] if o.get("message_id", "").strip("<>") ==
                m6["Message-ID"].strip("<>")]
        deletes = [r for r in kas_control(kas_a, "/requests")["requests"] if r.get("op") == "delete"]
        t.check(len(mine) == 1 and mine[0].get("deleted"), f"the uploaded data was deleted from the KAS ({mine})")
        t.check(any(r.get("status") == 200 and mine and r.get("path", "").endswith("/" + mine[0]["id"])
                    for r in deletes), "deleteMailData by the uploader answered 200")
    finally:
        wrap_up(t, kg, "kas_send", t0)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
