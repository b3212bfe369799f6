#!/usr/bin/env python3
"""kimgated's lifecycle with real clients: READY over NOTIFY_SOCKET, TLS greetings on the
SMTP and POP3 listeners (implicit TLS and STARTTLS/STLS) with smtplib, poplib and swaks,
the self-signed PVS certificate and its logged fingerprint, SIGHUP reload, SIGTERM with
STOPPING and a clean exit, detached start with a pid file, and a bad configuration."""
import argparse
import base64
import hashlib
import os
import poplib
import re
import shutil
import signal
import smtplib
import socket
import ssl
import stat
import subprocess
import sys

from harness import Failures, NotifySocket, free_ports, run, tempdir, wait_until, write_config

CONFIG = """
[daemon]
state_dir = "{state}"
hostname = "kimgate.test"
control_socket = "{state}/control.sock"

[log]
level = "{level}"
target = "console"

[pvs]
plaintext_on_loopback = false

[[pvs.listener]]
protocol = "smtp"
address = "127.0.0.1"
port = {smtps}

[[pvs.listener]]
protocol = "pop3"
address = "127.0.0.1"
port = {pop3s}

[[pvs.listener]]
protocol = "smtp"
address = "127.0.0.1"
port = {smtp}
tls = "starttls"

[[pvs.listener]]
protocol = "pop3"
address = "127.0.0.1"
port = {pop3}
tls = "starttls"

[[konnektor]]
id = "K1"
kind = "soap"
sds_url = "https://127.0.0.1:1/connector.sds"
tls_auth = "server-only"
server_pin_sha256 = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

[timeouts]
shutdown = "{shutdown}"
"""


def client_tls():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # PVSs pin the fingerprint; we compare it below
    return ctx


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kimgated", required=True)
    ap.add_argument("--kimctl", required=True)
    args = ap.parse_args()
    t = Failures()
    work = tempdir()
    state = os.path.join(work, "state")
    smtps, pop3s, smtp, pop3 = free_ports(4)
    values = dict(state=state, smtps=smtps, pop3s=pop3s, smtp=smtp, pop3=pop3, level="info", shutdown="10s")
    config = write_config(work, CONFIG.format(**values))
    notify = NotifySocket(work)
    log_path = os.path.join(work, "kimgated.log")
    log = open(log_path, "w")
    env = dict(os.environ, NOTIFY_SOCKET=notify.path)
    proc = subprocess.Popen([args.kimgated, "--config", config, "--foreground"], stderr=log, env=env)
    try:
        ready = notify.wait_for("READY=1")
        t.check(ready is not None and "STATUS=listening" in ready, f"READY=1 with a STATUS line: {ready!r}")

        # The self-signed PVS certificate: created, key private, fingerprint logged.
        crt, key = os.path.join(state, "pvs-tls.crt"), os.path.join(state, "pvs-tls.key")
        t.check(os.path.exists(crt) and os.path.exists(key), "self-signed certificate created in state_dir")
        t.check(stat.S_IMODE(os.stat(key).st_mode) == 0o600, "its key file is mode 0600")
        logged = re.search(r"event=tls_identity source=self-signed-created .* fingerprint_sha256=([0-9A-F:]+)",
                           open(log_path).read())
        t.check(logged is not None, "the SHA-256 fingerprint is logged for PVS pinning")

        # SMTP, implicit TLS (smtplib): greeting, EHLO keywords, QUIT; certificate = the logged one.
        s = smtplib.SMTP_SSL("127.0.0.1", smtps, context=client_tls(), timeout=10)
        der = s.sock.getpeercert(binary_form=True)
        fp = ":".join(f"{b:02X}" for b in hashlib.sha256(der).digest())
        t.check(logged is not None and fp == logged.group(1), "the served certificate has the logged fingerprint")
        code, msg = s.ehlo("pvs.local")
        features = msg.decode()
        t.check(code == 250 and "ENHANCEDSTATUSCODES" in features and "AUTH LOGIN PLAIN" in features
                and "8BITMIME" in features and "DSN" in features, f"EHLO over implicit TLS: {features!r}")
        size = re.search(r"SIZE (\d+)", features)
        t.check(size is not None and int(size.group(1)) >= 35882577, "EHLO SIZE >= 35882577")
        code, msg = s.docmd("MAIL FROM:<praxis@fd-a.kim.telematik-test>")
        t.check(code == 530 and msg.startswith(b"5.7.0"), f"MAIL before AUTH: {code} {msg!r}")
        code, msg = s.docmd("AUTH", "PLAIN " + base64.b64encode(
            b"\0praxis@fd-a.kim.telematik-test#127.0.0.1:1#M#C#W\0Geheim-Passwort-123!").decode())
        t.check(code == 454 and msg.startswith(b"4.7.0"), f"AUTH PLAIN without a send path: {code} {msg!r}")
        code, msg = s.docmd("QUIT")
        t.check(code == 221, f"QUIT: {code}")
        s.close()

        # SMTP with STARTTLS (smtplib).
        s = smtplib.SMTP("127.0.0.1", smtp, timeout=10)
        code, msg = s.ehlo("pvs.local")
        t.check("STARTTLS" in msg.decode() and "AUTH" not in msg.decode(), "EHLO before STARTTLS offers no AUTH")
        code, msg = s.starttls(context=client_tls())
        t.check(code == 220, f"STARTTLS: {code}")
        code, msg = s.ehlo("pvs.local")
        t.check("AUTH LOGIN PLAIN" in msg.decode(), "EHLO after STARTTLS offers AUTH")
        s.quit()

        # swaks, a real mail client, over implicit TLS.
        if shutil.which("swaks"):
            r = run(["swaks", "--server", "127.0.0.1", "--port", str(smtps), "--tls-on-connect",
                     "--quit-after", "EHLO", "--ehlo", "pvs.local", "--timeout", "10"])
            t.check(r.returncode == 0 and "ESMTP" in r.stdout and "221 2.0.0" in r.stdout,
                    "swaks --tls-on-connect: greeting and QUIT")
        else:
            t.check(False, "swaks is installed")

        # POP3, implicit TLS (poplib).
        p = poplib.POP3_SSL("127.0.0.1", pop3s, context=client_tls(), timeout=10)
        t.check(p.getwelcome().startswith(b"+OK"), f"POP3 greeting: {p.getwelcome()!r}")
        capa = p.capa()
        t.check(all(k in capa for k in ("TOP", "USER", "SASL", "UIDL")) and capa.get("SASL") == ["PLAIN"],
                f"CAPA: {capa}")
        try:
            p.stat()
            t.check(False, "STAT before login is refused")
        except poplib.error_proto as e:
            t.check(str(e).startswith("b'-ERR"), "STAT before login is refused with -ERR")
        t.check(p.quit().startswith(b"+OK"), "POP3 QUIT")

        # POP3 with STLS (poplib).
        p = poplib.POP3("127.0.0.1", pop3, timeout=10)
        t.check("STLS" in p.capa(), "CAPA offers STLS before TLS")
        p.stls(context=client_tls())
        t.check("STLS" not in p.capa(), "no STLS after TLS")
        p.quit()

        # SIGHUP: the log level is applied, a listener change needs a restart.
        values.update(level="debug", smtp=free_ports(1)[0])
        write_config(work, CONFIG.format(**values))
        proc.send_signal(signal.SIGHUP)
        t.check(notify.wait_for("RELOADING=1") is not None, "SIGHUP: RELOADING=1")
        t.check(notify.wait_for("READY=1") is not None, "SIGHUP: READY=1 again")
        text = open(log_path).read()
        t.check("event=reload section=log result=applied" in text, "reload applies the log level")
        t.check("event=reload section=pvs.listener result=needs_restart" in text,
                "reload reports that listeners need a restart")
        # A broken file on SIGHUP keeps the running configuration.
        with open(config, "a") as f:
            f.write("\n[timeouts]\nbogus = 1\n")
        proc.send_signal(signal.SIGHUP)
        t.check(notify.wait_for("READY=1") is not None, "broken reload: still READY")
        t.check(wait_until(lambda: "event=reload_rejected" in open(log_path).read(), 10),
                "broken reload is rejected with the diagnostic")
        s = smtplib.SMTP_SSL("127.0.0.1", smtps, context=client_tls(), timeout=10)
        t.check(s.noop()[0] == 250, "still serving after a rejected reload")
        s.quit()

        # SIGTERM with an idle session open: STOPPING=1, the session hears 421, exit 0.
        idle = smtplib.SMTP_SSL("127.0.0.1", smtps, context=client_tls(), timeout=10)
        idle.ehlo("pvs.local")
        proc.send_signal(signal.SIGTERM)
        stopping = notify.wait_for("STOPPING=1")
        t.check(stopping is not None, f"SIGTERM: STOPPING=1 ({stopping!r})")
        reply = idle.getreply()
        t.check(reply[0] == 421 and reply[1].startswith(b"4.3.2"), f"idle session is told 421 4.3.2: {reply}")
        rc = proc.wait(timeout=30)
        t.check(rc == 0, f"clean exit code 0 (got {rc})")
        text = open(log_path).read()
        t.check("Geheim-Passwort-123!" not in text and "R2VoZWlt" not in text, "no password in the log")
        t.check(re.search(r"session=[0-9a-f]{8} proto=smtp peer=127\.0\.0\.1:\d+ event=connect", text) is not None,
                "key=value log lines with a per-session id")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()

    # Detached start: the parent returns 0 only once the daemon listens; the pid file names it.
    pid_file = os.path.join(work, "kimgated.pid")
    values.update(level="info")
    write_config(work, CONFIG.format(**values))
    r = run([args.kimgated, "--config", config, "--pid-file", pid_file], stdin=subprocess.DEVNULL)
    t.check(r.returncode == 0, f"detached start returns 0: {r.stderr.strip()}")
    ok = wait_until(lambda: os.path.exists(pid_file), 10)
    t.check(ok, "pid file written")
    if ok:
        pid = int(open(pid_file).read())
        s = smtplib.SMTP_SSL("127.0.0.1", smtps, context=client_tls(), timeout=10)
        t.check(s.noop()[0] == 250, "the detached daemon serves")
        s.quit()
        os.kill(pid, signal.SIGTERM)
        t.check(wait_until(lambda: not os.path.exists(f"/proc/{pid}"), 20), "the detached daemon stops on SIGTERM")

    # A port already in use: start fails with a sentence, exit 1.
    blocker = socket.socket()
    blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # the port may still be in TIME_WAIT
    blocker.bind(("127.0.0.1", smtps))
    blocker.listen()
    r = run([args.kimgated, "--config", config, "--foreground"])
    t.check(r.returncode == 1 and f"cannot listen on 127.0.0.1:{smtps} for smtp" in r.stderr,
            f"port in use: exit 1 with a sentence ({r.returncode})")
    blocker.close()

    # A broken configuration: no start, file:line:col, exit 78 (EX_CONFIG).
    bad = write_config(work, "[timeouts]\nsmtp_server = 300\n")
    r = run([args.kimgated, "--config", bad, "--foreground"])
    t.check(r.returncode == 78 and re.search(r"kimgate\.toml:2:15: timeouts\.smtp_server must be", r.stderr),
            f"bad config: exit 78 with file:line:col ({r.returncode}, {r.stderr.strip()[:120]})")
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
