#!/usr/bin/env python3
"""Metrics and logs (issue 20) against the test world: kimgated with [metrics] address and port, a KIM mail
sent A -> B and fetched by B through kimgated, one wrong password; the scrape taken afterwards
shows the sessions, the mail, the Konnektor operations with their latencies, the VZD, the provider,
the login failure and the sizes moved by what happened, and `promtool check metrics` passes on it.
Only GET and HEAD /metrics are answered. The same run's log names no mail address, only the
pseudonyms `kimctl log pseudonym` gives; a second kimgated with [log] target = "file" writes
today's file (0640) and deletes its files past log.retention, and no other file."""
import datetime
import os
import re
import smtplib
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

from harness import (Failures, Kimgated, free_ports, kimctl_runner, letter, load_world, wait_until, world_test_args,
                     wrap_up)

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
    args = world_test_args(("--promtool", {"default": "promtool"}), ("--kimctl", {"required": True}))
    started = time.monotonic()
    t = Failures()
    w = load_world()
    a, b = w["participants"]["praxis_a"], w["participants"]["praxis_b"]
    (port,) = free_ports(1)
    kg = Kimgated(args.kimgated, args.source, w, extra_config=f'\n[metrics]\naddress = "127.0.0.1"\nport = {port}\n'
                                                              '\n[limits]\nlogin_failure_delay = "0s"\n')
    url = f"http://127.0.0.1:{port}/metrics"

    def scrape():
        with urllib.request.urlopen(url, timeout=10) as r:
            t.check(r.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8",
                    f"the scrape's Content-Type is the 0.0.4 text format ({r.headers['Content-Type']})")
            return r.read().decode()

    try:
        t.check(kg.start(), "kimgated with [metrics] address and port started")
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
        kg.stop()
        check_log_privacy(t, args, kg, (a, b), m["Message-ID"])
    finally:
        wrap_up(t, kg, "metrics_test", started)
    check_log_files(t, args, w, a)
    return t.finish()


def check_log_privacy(t, args, kg, participants, message_id):
    log = kg.log_text()
    for p in participants:
        address = p["kim_address"]
        t.check(address.split("@")[0] not in log, f"the log does not name {address} (nor its local part)")
        r, _ = kimctl_runner(args.kimctl, kg.config)("log", "pseudonym", address)
        seen = r.stdout.split()[-1] if r.returncode == 0 and r.stdout.split() else ""
        t.check(seen.startswith("p-") and seen.endswith("@" + address.split("@")[1]) and seen in log,
                f"kimctl log pseudonym gives {seen!r} for it, and the log's lines carry that ({r.stderr.strip()})")
    t.check(message_id.strip("<>") in log, "the mail's Message-ID is kept in the log")


def check_log_files(t, args, w, sender):
    kg = Kimgated(args.kimgated, args.source, w)
    logs = os.path.join(kg.work, "logs")
    os.makedirs(logs)
    today = datetime.datetime.now(datetime.timezone.utc).date()
    old = f"kimgated-{today - datetime.timedelta(days=3):%Y-%m-%d}.log"
    recent = f"kimgated-{today - datetime.timedelta(days=1):%Y-%m-%d}.log"
    for name in (old, recent, "other.log"):
        with open(os.path.join(logs, name), "w") as f:
            f.write("earlier\n")
    config = kg.base_config.replace('[log]\nlevel = "info"\n',
                                    f'[log]\nlevel = "info"\ntarget = "file"\ndirectory = "{logs}"\n'
                                    'retention = "2d"\n')
    try:
        t.check(config != kg.base_config and kg.start(config), "kimgated with [log] target = \"file\" started")
        s = kg.smtp(sender)
        s.quit()
        kg.stop()
        name = f"kimgated-{today:%Y-%m-%d}.log"
        path = os.path.join(logs, name)
        text = open(path).read() if os.path.exists(path) else ""
        t.check("event=ready" in text and "event=auth" in text, f"today's file {name} holds the start and the login")
        t.check(os.path.exists(path) and os.stat(path).st_mode & 0o777 == 0o640, "it is mode 0640")
        t.check(sender["kim_address"] not in text, "it names no mail address")
        t.check(sorted(os.listdir(logs)) == sorted([name, recent, "other.log"]),
                f"the file of 3 days ago is deleted (retention 2d), yesterday's and other.log stay ({os.listdir(logs)})")
        t.check(kg.log_text().strip() == "", "nothing went to stderr")
    finally:
        kg.close()


if __name__ == "__main__":
    sys.exit(main())
