#!/usr/bin/env python3
"""Receive filtering by application (issue 18) with real clients: three PVS modules of practice B
fetch the same mailbox through kimgated, each from its own workplace. The eAU module
(WorkplaceId WP-EAU) sees only eAU messages, the billing module (WP-ABR) only 1-Click ones, the
practice's inbox (WP-INBOX, unclaimed = true) the rest, and a workplace no filter names the whole
mailbox. Two filtered sessions open at the same time each delete their own message; neither can
reach, let alone delete, the other's, and the inbox's message stays on the server."""
import poplib
import sys
import time

from harness import (Failures, Kimgated, arrived, letter, load_world, provider_mailbox, pvs_tls, wrap_up,
                     world_test_args)


def main():
    started = time.monotonic()
    args = world_test_args()
    t = Failures()
    w = load_world()
    a, b = w["participants"]["praxis_a"], w["participants"]["praxis_b"]
    fd_b = w["providers"]["fd-b"]
    filters = f"""
[[receive_filter]]
mailbox = "{b['kim_address']}"
workplace = "WP-EAU"
applications = ["eAU"]

[[receive_filter]]
mailbox = "{b['kim_address']}"
workplace = "WP-ABR"
applications = ["1ClickAbrechnung"]

[[receive_filter]]
mailbox = "{b['kim_address']}"
workplace = "WP-INBOX"
unclaimed = true
"""
    kg = Kimgated(args.kimgated, args.source, w, extra_config=filters)

    def login(workplace):
        box = poplib.POP3_SSL("127.0.0.1", kg.pop3s, context=pvs_tls(), timeout=120)
        box.user(f"{b['kim_address']}#127.0.0.1:{fd_b['pop3s_port']}#Mandant1#CS1#{workplace}")
        box.pass_(b["mailbox_password"])
        return box

    def headers(box):
        """{Message-ID: (number, Dienstkennung)} of every message the login sees."""
        seen = {}
        for n in range(1, box.stat()[0] + 1):
            fields = {}
            for line in box.top(n, 0)[1]:
                name, _, value = line.decode(errors="replace").partition(":")
                fields.setdefault(name.strip().lower(), value.strip())
            seen[fields.get("message-id", f"#{n}")] = (n, fields.get("x-kim-dienstkennung"))
        return seen

    try:
        t.check(kg.start(), "kimgated is ready with three receive filters for practice B")
        sent = {}
        with kg.smtp(a) as s:
            for kind, dk in (("eau", "eAU;Fehler-Kasse;V1.0"), ("abr", "1ClickAbrechnung;Rueckmeldung;V2.0"),
                             ("letter", None)):
                m = letter(a["kim_address"], [b["kim_address"]], f"filter test {kind}",
                           extra={"X-KIM-Dienstkennung": dk} if dk else None)
                s.send_message(m)
                sent[kind] = m["Message-ID"]
        for kind, mid in sent.items():
            t.check(arrived(w, b, mid) is not None, f"the {kind} message reached B's mailbox")

        eau, abr, inbox, whole = (headers(login(wp)) for wp in ("WP-EAU", "WP-ABR", "WP-INBOX", "WP1"))
        t.check(sent["eau"] in eau and sent["abr"] not in eau and sent["letter"] not in eau,
                "the eAU module sees the eAU message and not the others")
        t.check(all((dk or "").startswith("eAU;") for _, dk in eau.values()),
                f"everything the eAU module sees is eAU: {sorted({dk for _, dk in eau.values()})}")
        t.check(sent["abr"] in abr and sent["eau"] not in abr and sent["letter"] not in abr,
                "the billing module sees the 1-Click message only")
        t.check(all((dk or "").startswith("1ClickAbrechnung;") for _, dk in abr.values()),
                "everything the billing module sees is 1-Click")
        t.check(sent["letter"] in inbox and sent["eau"] not in inbox and sent["abr"] not in inbox,
                "the inbox (unclaimed) sees the letter and neither claimed message")
        t.check(inbox.get(sent["letter"], (0, None))[1] == "KIM-Mail;Default;V1.0",
                "the letter carries the default Dienstkennung the sending client module inserted")
        t.check(all(mid in whole for mid in sent.values()), "a workplace no filter names sees the whole mailbox")
        t.check(len(eau) + len(abr) + len(inbox) == len(whole),
                f"the three views split the mailbox: {len(eau)} + {len(abr)} + {len(inbox)} = {len(whole)}")
        t.check([n for n, _ in sorted(eau.values())] == list(range(1, len(eau) + 1)),
                "a filtered login numbers its messages 1..n")
        log = kg.log_text()
        t.check("event=view messages=" in log and "event=pop3_filter mailbox=" in log, "the views are logged")

        # Two modules at once, each deleting its own message.
        box_eau, box_abr = login("WP-EAU"), login("WP-ABR")
        n_eau, n_abr = headers(box_eau)[sent["eau"]][0], headers(box_abr)[sent["abr"]][0]
        body = b"\r\n".join(box_eau.retr(n_eau)[1])
        t.check(b"filter test eau" in body and b"X-KIM-DecryptionResult: 00" in body,
                "the eAU module retrieves its message decrypted")
        too_far = box_abr.stat()[0] + 1
        try:
            box_abr.dele(too_far)
            refused = None
        except poplib.error_proto as e:
            refused = e.args[0].decode()
        t.check(refused == "-ERR no such message", f"a number beyond the view is refused: {refused}")
        t.check(box_eau.dele(n_eau).startswith(b"+OK message"), "the eAU module deletes its message")
        t.check(box_abr.dele(n_abr).startswith(b"+OK message"), "the billing module deletes its message")
        box_eau.quit()
        box_abr.quit()
        direct = provider_mailbox(w, b)
        try:
            left = set()
            for n in range(1, direct.stat()[0] + 1):
                left.add(b"\r\n".join(direct.top(n, 0)[1]))
        finally:
            direct.quit()
        gone = [k for k, mid in sent.items() if not any(mid.encode() in h for h in left)]
        t.check(gone == ["eau", "abr"], f"the provider deleted exactly the two modules' own messages: {gone}")
        final_inbox = headers(login("WP-INBOX"))
        t.check(sent["letter"] in final_inbox, "the inbox's letter is still there for the inbox")
    finally:
        wrap_up(t, kg, "pop3_filter", started)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
