#!/usr/bin/env python3
"""The Prometheus endpoint against the test world: kimgated with [metrics] listen, a KIM mail sent
A -> B and fetched by B through kimgated, one wrong password; the scrape taken afterwards shows the
sessions, the mail, the Konnektor operations with their latencies, the VZD, the provider, the login
failure and the sizes moved by what happened, and `promtool check metrics` passes on it. Only GET
and HEAD /metrics are answered."""
import re
import smtplib
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

from harness import Failures, Kimgated, free_ports, letter, load_world, wait_until, world_test_args, wrap_up

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse(text):
    """{(name, frozenset of (label, value)): float} of an exposition."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        if not m:
            raise ValueError(f"not a sample line: {line!r}")
        labels = frozenset(LABEL.findall(m.group(2) or ""))
        out[(m.group(1), labels)] = float(m.group(3))
    return out


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


def total(samples, name, **labels):
    """Sum over every sample of `name` whose labels include `labels`."""
    want = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and want <= set(ls))


def main():
    args = world_test_args(("--promtool", {"default": "promtool"}))
    started = time.monotonic()
    t = Failures()
    w = load_world()
    a, b = w["participants"]["praxis_a"], w["participants"]["praxis_b"]
    (port,) = free_ports(1)
    kg = Kimgated(args.kimgated, args.source, w, extra_config=f'\n[metrics]\nlisten = "127.0.0.1:{port}"\n'
                                                              '\n[limits]\nlogin_failure_delay = "0s"\n')
    url = f"http://127.0.0.1:{port}/metrics"

    def scrape():
        with urllib.request.urlopen(url, timeout=10) as r:
            t.check(r.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8",
                    f"the scrape's Content-Type is the 0.0.4 text format ({r.headers['Content-Type']})")
            return r.read().decode()

    try:
        t.check(kg.start(), "kimgated with [metrics] listen started")
        before_text = scrape()
        before = parse(before_text)
        t.check("# TYPE kimgate_konnektor_call_duration_seconds histogram" in before_text,
                "every family is declared before anything happened")

        # One KIM mail A -> B.
        subject = f"metrics-{uuid.uuid4()}"
        m = letter(a["kim_address"], [b["kim_address"]], subject)
        s = kg.smtp(a)
        s.send_message(m)
        s.quit()
        # One wrong password.
        try:
            kg.smtp(a, password="definitely-wrong")
            t.check(False, "a wrong password is refused")
        except smtplib.SMTPAuthenticationError:
            pass
        # B fetches it through kimgated (decrypted and verified).
        t.check(wait_until(lambda: kg.fetch(b, m["Message-ID"]) is not None, 90, 1), "B fetched the mail through kimgated")
        t.check(wait_until(lambda: value(parse(scrape()), "kimgate_sessions_open", protocol="smtp") == 0
                           and value(parse(scrape()), "kimgate_sessions_open", protocol="pop3") == 0, 20, 0.2),
                "the open-session gauges fall back to 0 when the sessions end")
        text = scrape()
        after = parse(text)

        def moved(name, at_least=1, **labels):
            d = total(after, name, **labels) - total(before, name, **labels)
            t.check(d >= at_least, f"{name}{labels or ''} moved by {d:g} (at least {at_least})")

        moved("kimgate_sessions_total", 2, protocol="smtp")
        moved("kimgate_sessions_total", 1, protocol="pop3")
        moved("kimgate_mails_total", result="sent", code="250")
        t.check(total(after, "kimgate_mails_total", result="refused") == total(before, "kimgate_mails_total",
                                                                                result="refused"),
                "no mail counted as refused")
        moved("kimgate_events_total", event="send_delivered")
        for op in ("SignDocument", "EncryptDocument", "DecryptDocument", "VerifyDocument"):
            moved("kimgate_konnektor_calls_total", operation=op, result="ok")
            moved("kimgate_konnektor_call_duration_seconds_count", operation=op)
        moved("kimgate_card_queue_wait_seconds_count")
        moved("kimgate_vzd_cache_requests_total")
        moved("kimgate_vzd_lookups_total", result="ok")
        moved("kimgate_upstream_duration_seconds_count", 2, protocol="smtp")  # login + transaction
        moved("kimgate_upstream_duration_seconds_count", 1, protocol="pop3")
        moved("kimgate_mail_size_bytes_count", direction="send")
        moved("kimgate_mail_size_bytes_count", direction="receive")
        moved("kimgate_mail_recipients_count")
        t.check(value(after, "kimgate_mail_recipients_bucket", le="1") - value(before, "kimgate_mail_recipients_bucket",
                                                                                le="1") >= 1,
                "the mail with one recipient is in the le=1 bucket")
        moved("kimgate_login_failures_total")
        t.check(a["kim_address"] not in text and b["kim_address"] not in text, "no mail address in any label")

        with open(f"{kg.work}/scrape.txt", "w") as f:
            f.write(text)
        r = subprocess.run([args.promtool, "check", "metrics"], input=text, capture_output=True, text=True,
                           timeout=60)
        t.check(r.returncode == 0, f"promtool check metrics passes (rc={r.returncode}: {r.stdout}{r.stderr})")

        head = urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=10)
        t.check(head.status == 200 and head.read() == b"", "HEAD /metrics: 200 without a body")
        for path, method, code in (("/", "GET", 404), ("/metrics", "POST", 405)):
            try:
                urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                                              data=b"" if method == "POST" else None), timeout=10)
                t.check(False, f"{method} {path} is refused")
            except urllib.error.HTTPError as e:
                t.check(e.code == code, f"{method} {path} answered {e.code} (want {code})")
    finally:
        wrap_up(t, kg, "metrics_test", started)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
