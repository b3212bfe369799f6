#!/usr/bin/env python3
"""PROXY protocol v2 on the PVS listeners, with Debian's HAProxy (TCP mode, send-proxy-v2, health
checks with check-send-proxy) in front of kimgated's implicit-TLS SMTP and POP3 listeners:
- clients that bind 127.0.0.5 and 127.0.0.6 reach kimgated through HAProxy (127.0.0.1);
- kimgated's log names the clients (peer=127.0.0.5:...), not HAProxy;
- wrong passwords from 127.0.0.5 lock 127.0.0.5 out of the mailbox (the refusal names
  127.0.0.5), while 127.0.0.6 logs in with the right password through the same HAProxy;
- a mail sent and fetched through HAProxy works end to end;
- a connection to the listener that bypasses HAProxy (no PROXY header) is closed and logged as
  event=proxy_header_rejected, and HAProxy's health checks (LOCAL) are not rejected."""
import poplib
import re
import shutil
import smtplib
import socket
import sys
import time
import urllib.request
import uuid

from harness import (Failures, HAProxy, Kimgated, free_ports, kim_user, letter, load_world, pvs_tls, retrieve,
                     wait_until, with_proxy_protocol, world_test_args, wrap_up)


class SourcePOP3(poplib.POP3_SSL):
    """POP3S from a chosen source address (poplib has no source_address)."""

    def __init__(self, host, port, source, **kw):
        self._source = source
        super().__init__(host, port, **kw)

    def _create_socket(self, timeout):
        sock = socket.create_connection((self.host, self.port), timeout, source_address=(self._source, 0))
        return self.context.wrap_socket(sock, server_hostname=self.host)


def main():
    args = world_test_args(("--haproxy", {"default": shutil.which("haproxy") or "/usr/sbin/haproxy"}))
    started = time.monotonic()
    t = Failures()
    w = load_world()
    a, b = w["participants"]["praxis_a"], w["participants"]["praxis_b"]
    (metrics_port,) = free_ports(1)
    kg = Kimgated(args.kimgated, args.source, w,
                  extra_config='\n[limits]\nlogin_failures = 2\nlogin_lock = "60s"\nlogin_failure_delay = "0s"\n'
                               f'\n[metrics]\naddress = "127.0.0.1"\nport = {metrics_port}\n')
    config = with_proxy_protocol(kg.base_config, kg)
    smtps_front, pop3s_front = free_ports(2)
    hap = HAProxy(kg.work, {"smtps": (smtps_front, [kg.smtps]), "pop3s": (pop3s_front, [kg.pop3s])},
                  binary=args.haproxy)
    try:
        t.check(kg.start(config), "kimgated with proxy_protocol on the implicit-TLS listeners started")
        t.check(hap.start(), "HAProxy listens")

        def smtp_from(source, p, password):
            s = smtplib.SMTP_SSL("127.0.0.1", smtps_front, context=pvs_tls(), timeout=60,
                                 source_address=(source, 0))
            s.ehlo("pvs.praxis.test")
            s.login(kim_user(w, p), password)
            return s

        # 1. Wrong passwords from 127.0.0.5 lock 127.0.0.5 out of A's mailbox.
        refusals = []
        for _ in range(3):
            try:
                smtp_from("127.0.0.5", a, "wrong-password").quit()
                refusals.append("accepted")
            except smtplib.SMTPAuthenticationError as e:
                refusals.append(f"{e.smtp_code} {e.smtp_error.decode(errors='replace')}")
            except smtplib.SMTPResponseException as e:
                refusals.append(f"{e.smtp_code} {e.smtp_error.decode(errors='replace')}")
        t.check(refusals[-1].startswith("454") and "127.0.0.5" in refusals[-1],
                f"after 2 failures 127.0.0.5 is locked out, and the refusal names it ({refusals})")
        try:
            smtp_from("127.0.0.5", a, a["mailbox_password"]).quit()
            t.check(False, "the locked address is refused even with the right password")
        except smtplib.SMTPResponseException as e:
            t.check(e.smtp_code == 454, f"the locked address is refused even with the right password ({e.smtp_code})")

        # 2. Another client behind the same HAProxy is not locked: it sends a mail A -> B.
        subject = f"proxied-{uuid.uuid4()}"
        mail = letter(a["kim_address"], [b["kim_address"]], subject)
        needle = mail["Message-ID"]
        try:
            s = smtp_from("127.0.0.6", a, a["mailbox_password"])
            s.send_message(mail)
            s.quit()
            t.check(True, "127.0.0.6 logs in through HAProxy and sends while 127.0.0.5 is locked")
        except (smtplib.SMTPException, OSError) as e:
            t.check(False, f"127.0.0.6 logs in through HAProxy and sends while 127.0.0.5 is locked ({e})")

        # 3. B fetches it through HAProxy's POP3 frontend from 127.0.0.6.
        def fetched():
            box = SourcePOP3("127.0.0.1", pop3s_front, "127.0.0.6", context=pvs_tls(), timeout=60)
            try:
                box.user(kim_user(w, b, "pop3"))
                box.pass_(b["mailbox_password"])
                for n in range(box.stat()[0], 0, -1):
                    if needle.encode() in b"\r\n".join(box.top(n, 0)[1]):
                        return b"X-KIM-DecryptionResult" in retrieve(box, n)
                return False
            finally:
                box.quit()

        t.check(wait_until(fetched, 90, 1), "B fetches the decrypted mail through HAProxy (POP3)")

        # 4. Bypassing HAProxy: no PROXY header, the connection is closed.
        raw = socket.create_connection(("127.0.0.1", kg.smtps), 10)
        raw.sendall(b"\x16\x03\x01\x00\x05hello")  # what a TLS client would send first
        raw.settimeout(10)
        try:
            closed = raw.recv(100) == b""
        except ConnectionResetError:
            closed = True
        raw.close()
        t.check(closed, "a connection without a PROXY header is closed")
        t.check(wait_until(lambda: "event=proxy_header_rejected" in kg.log_text(), 10, 0.2),
                "... and logged as event=proxy_header_rejected")
        with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10) as r:
            scrape = r.read().decode()
        t.check('kimgate_proxy_header_rejected_total{protocol="smtp"} 1\n' in scrape,
                "... and counted on /metrics (kimgate_proxy_header_rejected_total)")
        t.check('kimgate_login_locks_total 1\n' in scrape, "one lock is counted on /metrics")
        checks = re.search(r'^kimgate_proxy_health_checks_total\{protocol="smtp"\} (\d+)$', scrape, re.M)
        t.check(checks is not None and int(checks.group(1)) >= 1,
                f"HAProxy's health checks are counted ({checks.group(0) if checks else 'none'})")

        log = kg.log_text()
        t.check("proto=smtp peer=127.0.0.5:" in log, "the SMTP sessions from 127.0.0.5 log it as their peer")
        t.check("proto=smtp peer=127.0.0.6:" in log and "proto=pop3 peer=127.0.0.6:" in log,
                "the SMTP and POP3 sessions from 127.0.0.6 log it as their peer")
        rejected = [l for l in log.splitlines() if "event=proxy_header_rejected" in l]
        t.check(len(rejected) == 1, f"HAProxy's health checks (PROXY LOCAL) are not rejected ({len(rejected)} rejected)")
        t.check(any("peer=127.0.0.5:" in l and "event=auth" in l and "result=locked" in l for l in log.splitlines()),
                "the lock is logged for peer 127.0.0.5")
        t.check(not any("peer=127.0.0.1:" in l and "event=auth" in l for l in log.splitlines()),
                "no login is logged with HAProxy's address")
        probes = [l for l in log.splitlines() if "peer=127.0.0.1:" in l and "event=tls_failed" in l]
        t.check(len(probes) <= len(hap.fronts),
                f"the health checks are not sessions: event=tls_failed from 127.0.0.1 only for HAProxy.start()'s "
                f"probe of each frontend ({len(probes)})")
    finally:
        hap.stop()
        if t.failed:
            print(hap.log_text()[-3000:])
        wrap_up(t, kg, "proxy_protocol_test", started)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
