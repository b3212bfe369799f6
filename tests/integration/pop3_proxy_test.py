#!/usr/bin/env python3
"""The POP3 proxy against the test world's provider B with real clients (poplib, curl):
login with the composite user name over implicit TLS with C.CM.TLS-CS, STAT/LIST/UIDL identical to
the provider's, TOP n m as TOP n 0 without MIME-Version, RETR of non-KIM mail byte for byte, a mail marked KIM
but not S/MIME answered with the 02 error mail and kept, DELE committed only by QUIT, and the login failures."""
import base64
import poplib
import sys
import time
import urllib.parse
import uuid

from harness import Failures, Kimgated, load_world, provider_mailbox, pvs_tls, run, wait_until, world_test_args


def main():
    args = world_test_args()
    t = Failures()
    w = load_world()
    a, b = w["participants"]["praxis_a"], w["participants"]["praxis_b"]
    fd_a, fd_b = w["providers"]["fd-a"], w["providers"]["fd-b"]
    cm = w["client_module"]

    def direct():
        return provider_mailbox(w, b)

    def send(subject, extra_headers=()):
        cmd = ["swaks", "--server", "127.0.0.1", "--port", str(fd_a["smtps_port"]), "--tls-on-connect",
               "--tls-cert", cm["cert_pem"], "--tls-key", cm["key_pem"], "--auth", "PLAIN",
               "--auth-user", a["kim_address"], "--auth-password", a["mailbox_password"],
               "--from", a["kim_address"], "--to", b["kim_address"], "--header", f"Subject: {subject}",
               "--header", "MIME-Version: 1.0", "--body", f"body of {subject}\n.leading dot line\n"]
        for h in extra_headers:
            cmd += ["--header", h]
        return run(cmd).returncode == 0

    def find(p, subject):
        count = p.stat()[0]
        for n in range(1, count + 1):
            if any(subject.encode() in l for l in p.top(n, 0)[1]):
                return n
        return None

    plain, kimmsg = f"plain-{uuid.uuid4()}", f"kim-{uuid.uuid4()}"
    t.check(send(plain) and send(kimmsg, ["X-KOM-LE-Version: 1.0"]), "two test mails sent A -> B")
    t.check(wait_until(lambda: (lambda p: (find(p, plain), find(p, kimmsg), p.quit())[:2])(direct()) != (None, None)
                       and all((lambda p: (find(p, plain), find(p, kimmsg), p.quit())[:2])(direct())), 60, 0.5),
            "both arrived in provider B's mailbox")

    kg = Kimgated(args.kimgated, args.source, w)
    pop3s = kg.pop3s
    user = f"{b['kim_address']}#127.0.0.1:{fd_b['pop3s_port']}#Mandant1#CS1#WP1"
    pvs_ctx = pvs_tls()

    def via_kimgate(password=b["mailbox_password"]):
        p = poplib.POP3_SSL("127.0.0.1", pop3s, context=pvs_ctx, timeout=30)
        p.user(user)
        p.pass_(password)
        return p

    try:
        t.check(kg.start(), "kimgated is ready")
        d = direct()
        k = via_kimgate()
        t.check(k.stat() == d.stat(), f"STAT through kimgate equals the provider's: {k.stat()}")
        t.check(k.list()[1] == d.list()[1], "LIST equal")
        t.check(k.uidl()[1] == d.uidl()[1], "UIDL equal")
        n_plain, n_kim = find(d, plain), find(d, kimmsg)
        t.check(k.uidl(n_plain) == d.uidl(n_plain), "UIDL n equal")
        top = k.top(n_plain, 5)[1]
        t.check(any(plain.encode() in l for l in top) and not any(l.startswith(b"body of") for l in top),
                "TOP n 5 returns the headers only (sent upstream as TOP n 0)")
        t.check(not any(l.lower().startswith(b"mime-version:") for l in top), "TOP drops MIME-Version")
        t.check(k.retr(n_plain)[1] == d.retr(n_plain)[1], "RETR of non-KIM mail is byte-identical")
        got = b"\r\n".join(k.retr(n_kim)[1])
        t.check(b"X-KIM-DecryptionResult: 02" in got and b"Content-Type: message/rfc822" in got,
                "a mail marked X-KOM-LE-Version without S/MIME gets the 02 error mail")
        t.check(k.stat() == d.stat(), "the KIM message stays on the server")
        d.quit()
        # DELE without QUIT commits nothing.
        before = k.stat()[0]
        k.dele(n_plain)
        k.sock.close()
        d = direct()
        t.check(d.stat()[0] == before and find(d, plain) is not None, "DELE without QUIT leaves the message")
        d.quit()
        # DELE and QUIT commit.
        k = via_kimgate()
        find_in = n_plain
        k.dele(find_in)
        t.check(k.quit().startswith(b"+OK"), "QUIT is relayed")
        d = direct()
        t.check(find(d, plain) is None and find(d, kimmsg) is not None, f"DELE {find_in} + QUIT removed it")
        d.quit()
        # Login failures.
        try:
            via_kimgate("wrong password")
            t.check(False, "a wrong password is refused")
        except poplib.error_proto as e:
            t.check("-ERR [AUTH] user could not be authenticated" in str(e), f"wrong password: {e}")
        p = poplib.POP3_SSL("127.0.0.1", pop3s, context=pvs_ctx, timeout=30)
        p.user(b["kim_address"] + "#127.0.0.1:1#M1")
        try:
            p.pass_("x")
            t.check(False, "an incomplete user name is refused")
        except poplib.error_proto as e:
            t.check("must contain address and port of the POP3 server" in str(e), f"incomplete user name: {e}")
        p.close()
        # AUTH PLAIN (SASL, RFC 5034) and curl as another client.
        p = poplib.POP3_SSL("127.0.0.1", pop3s, context=pvs_ctx, timeout=30)
        token = base64.b64encode(f"\0{user}\0{b['mailbox_password']}".encode()).decode()
        resp = p._shortcmd(f"AUTH PLAIN {token}")
        t.check(resp.startswith(b"+OK") and p.stat()[0] >= 1, f"AUTH PLAIN logs in: {resp!r}")
        p.quit()
        # curl -u splits at the first colon, and the user name holds host:port: give it URL-encoded.
        creds = f"{urllib.parse.quote(user, safe='')}:{urllib.parse.quote(b['mailbox_password'], safe='')}"
        r = run(["curl", "-sk", "--max-time", "30", f"pop3s://{creds}@127.0.0.1:{pop3s}/"])
        t.check(r.returncode == 0 and len(r.stdout.splitlines()) >= 1, f"curl lists through kimgate ({r.returncode})")
        text = kg.log_text()
        t.check(b["mailbox_password"] not in text, "the mailbox password is not logged")
    finally:
        kg.close()
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
