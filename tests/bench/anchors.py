"""The anchors of tests/bench, each measured once per run and kept in Context.anchors:
smtp-source -> smtp-sink direct, the world's Postfix as a relay, Dovecot RETR and login, the
project's CMS micro-benchmark (bench_cms) and SoftHSM sign/s, openssl speed."""
import asyncio
import os
import re
import socket
import subprocess
import tempfile
import time

import loadgen
import world


def smtp_sink(port):
    """smtp-sink on 127.0.0.1:port, 256 sessions backlog (as root it must drop to nobody)."""
    user = ["-u", "nobody"] if os.geteuid() == 0 else []
    return subprocess.Popen(["smtp-sink", *user, f"127.0.0.1:{port}", "256"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Context:
    """What the scenarios share in one run: the world, the sink, kimgated instances by
    configuration, the anchors and time series for the charts."""

    def __init__(self, args, w):
        self.args, self.w = args, w
        self.quick = args.quick
        self.work = tempfile.mkdtemp(prefix="kimgate-bench-")
        self.anchors, self.series, self.cache = {}, {}, {}
        self._sink, self._daemon, self._daemon_key = None, None, None
        self.sender = w["participants"]["praxis_a"]
        self.recipient = w["participants"]["praxis_b"]

    # --- shared processes ---
    def sink(self):
        if self._sink is None:
            self._sink = world.SinkProcess(self.w, self.work)
        return self._sink

    def sink_count(self):
        async def ask():
            r, wr = await asyncio.open_connection("127.0.0.1", self.sink().port, ssl=loadgen.pvs_tls())
            await loadgen.read_reply(r)
            code, text = await loadgen.command(r, wr, "XSTAT")
            wr.close()
            return int(text.split()[1])
        return asyncio.run(ask())

    def daemon(self, keys="token", card_ms=0, jitter_ms=0, error_permille=0):
        """kimgated with that configuration (the previous one is stopped when it differs)."""
        key = (keys, card_ms, jitter_ms, error_permille)
        if self._daemon_key != key:
            if self._daemon:
                self._daemon.close()
            self._daemon = world.Daemon(self.args.kimgated, self.args.source, self.w, keys, card_ms, jitter_ms,
                                        error_permille).start()
            self._daemon_key = key
        return self._daemon

    def restart_daemon(self):
        key = self._daemon_key
        self._daemon_key = None
        return self.daemon(*key)

    def smtp_load(self, d, count, sessions, size=10240, reuse=False, upstream_port=None, timeout=300):
        p = self.sender
        port = upstream_port or self.sink().port
        user = world.user_for_sink(self.w, p, port)
        mail = loadgen.client_mail(p["kim_address"], [self.recipient["kim_address"]], size)
        return loadgen.SmtpLoad(d.smtps, user, p["mailbox_password"], p["kim_address"],
                                [self.recipient["kim_address"]], mail, count, sessions, reuse=reuse, timeout=timeout)

    def close(self):
        if self._daemon:
            self._daemon.close()
        if self._sink:
            self._sink.close()

    # --- anchors ---
    def anchor(self, name, fn):
        if name not in self.anchors:
            self.anchors[name] = fn()
        return self.anchors[name]

    def direct_smtp(self, sessions, count, size):
        """smtp-source -> smtp-sink on loopback, plaintext: msg/s (the protocol ceiling)."""
        def run():
            port = free_port()
            sink = smtp_sink(port)
            try:
                time.sleep(0.3)
                t0 = time.monotonic()
                subprocess.run(["smtp-source", "-s", str(sessions), "-m", str(count), "-l", str(size), "-f",
                                "a@bench.test", "-t", "b@bench.test", f"127.0.0.1:{port}"], check=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
                elapsed = time.monotonic() - t0
            finally:
                sink.terminate()
                sink.wait()
            return round(count / elapsed, 1)
        return self.anchor(f"smtp-source->smtp-sink direct {sessions} sessions {count}x{size} B msg/s", run)

    def direct_smtp_latency(self, count, size):
        """The direct round trip, DATA end -> 250, one session on the loadgen against smtp-sink."""
        def run():
            port = free_port()
            sink = smtp_sink(port)
            try:
                time.sleep(0.3)
                mail = loadgen.client_mail("a@bench.test", ["b@bench.test"], size)
                load = loadgen.SmtpLoad(port, "", "", "a@bench.test", ["b@bench.test"], mail, count, 1, reuse=True,
                                        tls=False)
                asyncio.run(load.run())
            finally:
                sink.terminate()
                sink.wait()
            return loadgen.latency_summary(load.latencies)
        return self.anchor(f"smtp-sink direct round trip {size} B (ms)", run)

    def postfix_relay(self, sessions, count, size):
        """The world's Postfix (provider A submission: TLS, client certificate, AUTH) accepting
        mail for provider B: msg/s end-to-end at the submission port."""
        def run():
            p, fd = self.sender, self.w["providers"]["fd-a"]
            mail = loadgen.client_mail(p["kim_address"], [self.recipient["kim_address"]], size)
            load = loadgen.SmtpLoad(fd["smtps_port"], p["kim_address"], p["mailbox_password"], p["kim_address"],
                                    [self.recipient["kim_address"]], mail, count, sessions)
            load.client_cert = (self.w["client_module"]["cert_pem"], self.w["client_module"]["key_pem"])
            asyncio.run(load.run())
            world.empty_mailbox(self.w, self.recipient)
            return round(load.rate(), 1)
        return self.anchor(f"Postfix relay (world fd-a submission) {sessions} sessions {size} B msg/s", run)

    def cms(self):
        """bench_cms: the CMS send/receive rate per core and SoftHSM sign/s with 1 and 2 threads."""
        def run():
            seconds = "1" if self.quick else "3"
            p = self.sender
            r = subprocess.run([self.args.cms_bench, "--world", os.path.join(os.environ["KIMGATE_WORLD_DIR"],
                                                                              "world.json"), "--seconds", seconds],
                               capture_output=True, text=True, timeout=600,
                               env=dict(os.environ, SOFTHSM2_CONF=self.w["softhsm"]["conf"]))
            if r.returncode != 0:
                raise RuntimeError("bench_cms failed: " + r.stderr[-2000:])
            out = {}
            for line in r.stdout.splitlines():
                m = re.match(r"^(\S+)\s+([0-9.]+)", line)
                if m:
                    out[m.group(1)] = float(m.group(2))
            del p
            return out
        return self.anchor("bench_cms (per second)", run)

    def openssl_speed(self):
        def run():
            seconds = "1" if self.quick else "3"
            out = {}
            r = subprocess.run(["openssl", "speed", "-seconds", seconds, "rsa2048"], capture_output=True, text=True,
                               timeout=120)
            m = re.search(r"^rsa 2048 bits\s+\S+\s+\S+\s+([0-9.]+)\s+([0-9.]+)", r.stdout, re.M)
            if m:
                out["rsa2048 sign/s"], out["rsa2048 verify/s"] = float(m.group(1)), float(m.group(2))
            for alg in ("aes-256-gcm", "sha256"):
                r = subprocess.run(["openssl", "speed", "-seconds", seconds, "-evp", alg], capture_output=True,
                                   text=True, timeout=120)
                line = next((x for x in r.stdout.splitlines() if x.lower().startswith(alg.upper().lower())), "")
                nums = re.findall(r"([0-9.]+)k", line)
                if nums:
                    out[f"{alg} 16 KiB MB/s"] = round(float(nums[-1]) / 1000, 1)
            return out
        return self.anchor("openssl speed", run)
