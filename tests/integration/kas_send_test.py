#!/usr/bin/env python3
"""Large mails through the KIM Attachment Service (§4.10), against the test world's KAS: a letter
above 15 MiB from practice A to practice B (KIM 1.5+) goes up to A's KAS sealed and comes to B as
a KIM 1.5 message with the x-kas reference; the KAS saw the multipart form the yaml prescribes; a
recipient registered with 1.0 is dropped with DSN 4001, and alone gets 451; a KAS that refuses the
upload gives 451, one whose quota is exhausted 521, and nothing reaches the recipient; when the
provider then refuses the KIM message, the uploaded data is deleted from the KAS. A large mail to a
routing address (kv-edoku-qshlt@route.kimgate.invalid) is routed by its header section to KV Hessen's
KIM address, goes through the KAS and is a Vorgang in `kimctl track list`; the rules that read
attachments run on the mail's skeleton from the spool: a large 1-Click delivery with its
begleitdatei.xml is routed and tracked with its GUID, a large QS sonography delivery with an .exe is
refused with 554 5.6.0 naming the file."""
import email
import email.policy
import json
import os
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reliability"))
from harness import (kas_control, Failures, Kimgated, arrived, begleitdatei, kimctl_runner, letter,  # noqa: E402
                     load_world, smtp_error, world_test_args, wrap_up)
from fault_suite import Provider  # noqa: E402

BIG = 16 * 1024 * 1024  # an attachment of 16 MiB: a client mail of about 22 MiB
ROUTE = "route.kimgate.invalid"


def main():
    args = world_test_args(("--kimctl", {"required": True}))
    t = Failures()
    t0 = time.monotonic()
    w = load_world()
    a, b, kk = w["participants"]["praxis_a"], w["participants"]["praxis_b"], w["participants"]["kasse"]
    A, B, KK = a["kim_address"], b["kim_address"], kk["kim_address"]
    kas_a = w["providers"]["fd-a"]["kas"]
    kg = Kimgated(args.kimgated, args.source, w)
    kimctl = kimctl_runner(args.kimctl, kg.config)
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

        # Routing and tracking of a large mail (issue 18): kv-edoku-qshlt@ is resolved by the header
        # section alone (practice A's BSNR -> KV Hessen, a 1.5+ mailbox), the mail goes through the
        # KAS to the KV's KIM address, and it is a Vorgang before the 250.
        kvh = w["participants"]["kv_hessen"]
        m7, e7 = send([f"kv-edoku-qshlt@{ROUTE}"], f"Grosse eDoku-Lieferung {uuid.uuid4()}")
        t.check(e7 is None, f"a 22 MiB eDoku delivery to kv-edoku-qshlt@{ROUTE} is accepted ({e7})")
        got7 = arrived(w, kvh, m7["Message-ID"], 120)
        kim7 = email.message_from_bytes(got7 or b"", policy=email.policy.compat32)
        t.check(got7 is not None and kim7["X-KOM-LE-Version"] == "1.5" and kvh["kim_address"] in (kim7["To"] or "")
                and ROUTE not in (kim7["To"] or "") and len(got7) < 64 * 1024,
                f"KV Hessen gets it via the KAS, addressed to its KIM address ({kim7['To']})")
        t.check(kim7["X-KIM-Dienstkennung"] == "eDokumentation-QSHLT;Lieferung;V2.0",
                f"with the service's Dienstkennung ({kim7['X-KIM-Dienstkennung']})")
        uploads7 = [r for r in kas_control(kas_a, "/requests")["requests"] if r.get("method") == "POST"]
        form7 = [v for n, v in (uploads7[-1].get("form", []) if uploads7 else []) if n == "recipients"]
        t.check(form7 == [kvh["kim_address"]], f"the KAS upload names the resolved recipient ({form7})")
        r7, listed = kimctl("track", "list", "--json", "--limit", "1000")
        mine7 = [v for v in listed or [] if v.get("message_id") == m7["Message-ID"]]
        t.check(r7.returncode == 0 and len(mine7) == 1 and mine7[0].get("service") == "edoku-qshlt" and
                mine7[0].get("recipient") == kvh["kim_address"].lower() and mine7[0].get("status") == "sent",
                f"kimctl track list shows the large delivery as a Vorgang ({mine7} {r7.stderr.strip()})")
        # Routing that reads the attachments runs on the mail's skeleton (file names, small files)
        # read from the spool: a 1-Click delivery with its begleitdatei.xml and a 16 MiB KVDT file.
        guid = str(uuid.uuid4())
        kvdt = "Z01461234500.con.xkm"
        m8 = letter(A, [f"kv-1click@{ROUTE}"], f"1ClickAbrechnung-Lieferung gross {uuid.uuid4()}", os.urandom(BIG),
                    filename=kvdt)
        m8.add_attachment(begleitdatei(guid, "461234500", [kvdt]), maintype="application", subtype="xml",
                          filename="begleitdatei.xml")
        s8 = kg.smtp(a)
        e8 = smtp_error(lambda: s8.send_message(m8))
        s8.close()
        t.check(e8 is None, f"a 22 MiB 1-Click delivery with its begleitdatei.xml is accepted ({e8})")
        got8 = arrived(w, kvh, m8["Message-ID"], 120)
        t.check(got8 is not None and b"X-KOM-LE-Version: 1.5" in got8, "KV Hessen gets it via the KAS")
        _, listed = kimctl("track", "list", "--json", "--limit", "1000")
        mine8 = [v for v in listed or [] if v.get("message_id") == m8["Message-ID"]]
        t.check(len(mine8) == 1 and mine8[0].get("guid") == guid and mine8[0].get("service") == "1click",
                f"its Vorgang carries the begleitdatei's GUID ({mine8})")
        # A large QS sonography delivery with a file type the rule does not allow: 554 naming the file.
        m9 = letter(A, [f"kv-qs-sono@{ROUTE}"], f"QS Sono gross {uuid.uuid4()}", os.urandom(BIG), filename="serie.dcm")
        m9.add_attachment(b"MZ" + os.urandom(100), maintype="application", subtype="octet-stream",
                          filename="viewer.exe")
        s9 = kg.smtp(a)
        e9 = smtp_error(lambda: s9.send_message(m9))
        s9.close()
        t.check(e9 is not None and e9[0] == 554 and e9[1].startswith("5.6.0") and "viewer.exe" in e9[1] and
                "serie.dcm" not in e9[1], f"a large QS sonography delivery with an .exe is refused, naming it ({e9})")

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
