"""The load generator and the upstream capture sink of tests/bench (asyncio, standard library).

SMTP: many sessions at once, one connection per message or reused, AUTH PLAIN, each transaction
timestamped from the end of DATA (the final "." written) to its reply. POP3: LIST + RETR of every
message, timestamped per RETR. A prober times NOOP while other load runs. The sink speaks just
enough SMTP (implicit TLS, EHLO, AUTH, MAIL, RCPT, DATA, RSET, NOOP, QUIT) to stand in for the
KIM provider: it counts messages and bytes and answers 250 at once."""
import asyncio
import base64
import ssl
import time
import uuid


def percentile(values, p):
    """The p-th percentile (nearest rank) of values, or 0.0 when there are none."""
    if not values:
        return 0.0
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(p / 100.0 * len(s) + 0.5)) - 1))
    return s[k]


def latency_summary(values_s):
    """p50/p90/p99/max in milliseconds of a list of seconds."""
    return {f"p{p}": round(percentile(values_s, p) * 1000, 2) for p in (50, 90, 99)} | {
        "max": round(max(values_s) * 1000, 2) if values_s else 0.0, "n": len(values_s)}


def client_mail(sender, to, size):
    """A PVS client mail of about `size` bytes (text + base64 attachment); CRLF, dot-stuffed,
    with the placeholder Message-ID <@@MID@@> that each transaction replaces."""
    head = (f"From: Praxis <{sender}>\r\nTo: {', '.join(to)}\r\nSubject: bench\r\n"
            f"Date: Fri, 04 Dec 2026 12:00:00 +0000\r\nMessage-ID: <@@MID@@>\r\n"
            "X-KIM-Sendersystem: kimgate-bench;1.0\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
            "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSehr geehrte Kollegin,\r\nanbei der Befund.\r\n"
            ".line with a leading dot\r\n"
            "--b1\r\nContent-Type: application/pdf; name=befund.pdf\r\nContent-Transfer-Encoding: base64\r\n"
            "Content-Disposition: attachment; filename=befund.pdf\r\n\r\n")
    raw = bytes((i * 7 + 13) & 0xFF for i in range(max(0, (size - len(head) - 40) * 3 // 4)))
    b64 = base64.b64encode(raw).decode()
    body = "\r\n".join(b64[i:i + 76] for i in range(0, len(b64), 76))
    text = head + body + "\r\n--b1--\r\n"
    return "\r\n".join(".." + line[1:] if line.startswith(".") else line
                       for line in text.split("\r\n")).encode()


# The largest client mail that kimgated does not send through the KAS (konnektor_document =
# 15 MiB), less room for the headers: S6's 15 MiB row and R7's largest mails.
LARGEST_PLAIN = (15 << 20) - (64 << 10)

_contexts = {}


def pvs_tls(client_cert=None):
    """The PVS's TLS client context (no peer check, optionally a client certificate), made once
    per certificate and shared: ssl.create_default_context() loads the system CA store, ~30 ms of
    the generator's CPU per call, which per connection was the generator's largest cost (S1)."""
    key = tuple(client_cert) if client_cert else None
    ctx = _contexts.get(key)
    if ctx is None:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        if client_cert:
            ctx.load_cert_chain(*client_cert)
        _contexts[key] = ctx
    return ctx


async def read_reply(reader):
    """(code, text) of one SMTP reply; (0, why) when the connection ended."""
    lines = []
    while True:
        line = await reader.readline()
        if not line:
            return 0, "connection closed"
        lines.append(line)
        if len(line) < 4 or line[3:4] != b"-":
            break
    try:
        return int(lines[-1][:3]), b"".join(lines).decode(errors="replace")
    except ValueError:
        return 0, b"".join(lines).decode(errors="replace")


async def command(reader, writer, line):
    writer.write(line.encode() + b"\r\n")
    await writer.drain()
    return await read_reply(reader)


class SmtpLoad:
    """Sends `count` copies of `mail` over `sessions` concurrent sessions to host:port (implicit
    TLS). reuse: one connection per session for all its messages; else a new one per message."""

    def __init__(self, port, user, password, sender, rcpts, mail, count, sessions, reuse=False, tls=True,
                 host="127.0.0.1", timeout=300):
        self.port, self.user, self.password, self.sender, self.rcpts = port, user, password, sender, rcpts
        self.mail, self.count, self.sessions, self.reuse, self.tls, self.host = mail, count, sessions, reuse, tls, host
        self.timeout = timeout
        self.latencies, self.errors, self.replies = [], 0, {}
        self.elapsed = 0.0
        self._left = count
        self.client_cert = None  # (cert, key) to present, for the world's providers
        self.stagger = 0.0  # seconds between the starts of sessions
        self.guard_refusals = 0

    def _take(self):
        if self._left <= 0:
            return False
        self._left -= 1
        return True

    async def _open(self):
        ctx = pvs_tls(self.client_cert) if self.tls else None
        reader, writer = await asyncio.open_connection(self.host, self.port, ssl=ctx, limit=1 << 20)
        try:
            code, _ = await read_reply(reader)
            if code != 220:
                raise ConnectionError(f"greeting {code}")
            code, _ = await command(reader, writer, "EHLO pvs.bench.test")
            if self.user:
                plain = base64.b64encode(f"\0{self.user}\0{self.password}".encode()).decode()
                code, text = await command(reader, writer, "AUTH PLAIN " + plain)
                if code != 235:
                    raise ConnectionError(f"AUTH {code} {text.strip()}")
        except BaseException:
            await self._close(reader, writer)  # a refused session must not hold its connection
            raise
        return reader, writer

    async def _transaction(self, reader, writer):
        code, text = await command(reader, writer, f"MAIL FROM:<{self.sender}>")
        if code == 250:
            for r in self.rcpts:
                code, text = await command(reader, writer, f"RCPT TO:<{r}>")
                if code != 250:
                    break
        if code == 250:
            code, text = await command(reader, writer, "DATA")
        if code != 354:
            self.errors += 1
            self.replies[code] = self.replies.get(code, 0) + 1
            await command(reader, writer, "RSET")
            return
        writer.write(self.mail.replace(b"@@MID@@", f"{uuid.uuid4()}@bench.test".encode()))
        writer.write(b"\r\n.\r\n")
        await writer.drain()
        t0 = time.monotonic()
        code, text = await read_reply(reader)
        self.replies[code] = self.replies.get(code, 0) + 1
        if code == 250:
            self.latencies.append(time.monotonic() - t0)
        else:
            self.errors += 1

    async def _close(self, reader, writer):
        try:
            await asyncio.wait_for(command(reader, writer, "QUIT"), 10)
        except (OSError, asyncio.TimeoutError, ssl.SSLError):
            pass
        writer.close()
        try:
            await writer.wait_closed()
        except (OSError, ssl.SSLError):
            pass

    async def _session(self, index=0):
        conn = None
        await asyncio.sleep(index * self.stagger)
        while self._take():
            try:
                if conn is None:
                    conn = await self._open()
                await asyncio.wait_for(self._transaction(*conn), self.timeout)
                if not self.reuse:
                    await self._close(*conn)
                    conn = None
            except (OSError, ConnectionError, asyncio.TimeoutError, ssl.SSLError, asyncio.IncompleteReadError) as e:
                if conn is not None:
                    conn[1].close()  # a transaction that broke: the connection goes with it
                if "AUTH 454" in str(e):
                    # kimgated's login guard counts logins in flight per mailbox and address; a PVS
                    # retries later. Counted, not lost.
                    self.guard_refusals += 1
                    self._left += 1
                    conn = None
                    await asyncio.sleep(0.05)
                    continue
                self.errors += 1
                why = f"{type(e).__name__}: {e}"[:80]
                self.replies[why] = self.replies.get(why, 0) + 1
                conn = None
        if conn is not None:
            await self._close(*conn)

    async def run(self):
        t0 = time.monotonic()
        await asyncio.gather(*(self._session(i) for i in range(self.sessions)))
        self.elapsed = time.monotonic() - t0
        return self

    def rate(self):
        return len(self.latencies) / self.elapsed if self.elapsed > 0 else 0.0


class Pop3Load:
    """`sessions` concurrent POP3 sessions (implicit TLS) that each log in and RETR messages
    1..per_session of the mailbox; per-RETR latency from the command to the end of the answer."""

    def __init__(self, port, user, password, sessions, per_session, host="127.0.0.1", tls=True):
        self.port, self.user, self.password, self.sessions, self.per_session = port, user, password, sessions, per_session
        self.host, self.tls = host, tls
        self.latencies, self.login_latencies, self.errors, self.bytes = [], [], 0, 0
        self.elapsed = 0.0
        self.stat = None
        self.client_cert = None  # (cert, key), for the world's Dovecot

    async def _line(self, reader):
        line = await reader.readline()
        if not line:
            raise ConnectionError("connection closed")
        return line

    async def _cmd(self, reader, writer, line):
        writer.write(line.encode() + b"\r\n")
        await writer.drain()
        return await self._line(reader)

    async def _multiline(self, reader):
        """The size of a multi-line answer's data (dot-stuffed, with line ends). Read in one
        readuntil, not line by line: 150 readline awaits per 10 KB mail had made the generator,
        not the server, the limit of S5 (Dovecot plain RETR at ~180/s)."""
        first = await self._line(reader)
        if first == b".\r\n":
            return 0
        rest = await reader.readuntil(b"\n.\r\n")
        return len(first) + len(rest) - 3

    async def login(self):
        t0 = time.monotonic()
        ctx = pvs_tls(self.client_cert) if self.tls else None
        reader, writer = await asyncio.open_connection(self.host, self.port, ssl=ctx, limit=64 << 20)
        await self._line(reader)
        await self._cmd(reader, writer, f"USER {self.user}")
        ok = await self._cmd(reader, writer, f"PASS {self.password}")
        if not ok.startswith(b"+OK"):
            raise ConnectionError(f"PASS {ok!r}")
        return reader, writer, t0

    async def _session(self, index):
        await asyncio.sleep(index * 0.1)  # kimgated's login guard counts logins in flight per mailbox
        try:
            reader, writer, _ = await self.login()
            stat = await self._cmd(reader, writer, "STAT")
            count = int(stat.split()[1])
            self.stat = count
            for k in range(self.per_session):
                n = 1 + (index * self.per_session + k) % max(1, count)
                t0 = time.monotonic()
                first = await self._cmd(reader, writer, f"RETR {n}")
                if not first.startswith(b"+OK"):
                    self.errors += 1
                    continue
                self.bytes += await self._multiline(reader)
                self.latencies.append(time.monotonic() - t0)
            await self._cmd(reader, writer, "QUIT")
            writer.close()
        except (OSError, ConnectionError, ssl.SSLError, ValueError, IndexError):
            self.errors += 1

    async def run(self):
        t0 = time.monotonic()
        await asyncio.gather(*(self._session(i) for i in range(self.sessions)))
        self.elapsed = time.monotonic() - t0
        return self

    def rate(self):
        return len(self.latencies) / self.elapsed if self.elapsed > 0 else 0.0


async def pop3_login_stat_uidl(port, user, password, uidl=True, host="127.0.0.1", tls=True, client_cert=None):
    """Seconds for login + STAT (+ UIDL) + QUIT of one session, and the message count."""
    load = Pop3Load(port, user, password, 1, 0, host=host, tls=tls)
    load.client_cert = client_cert
    t0 = time.monotonic()
    reader, writer, _ = await load.login()
    stat = await load._cmd(reader, writer, "STAT")
    if uidl:
        first = await load._cmd(reader, writer, "UIDL")
        if first.startswith(b"+OK"):
            await load._multiline(reader)
    await load._cmd(reader, writer, "QUIT")
    writer.close()
    return time.monotonic() - t0, int(stat.split()[1])


class NoopProbe:
    """One authenticated SMTP session that sends NOOP every `interval` seconds until stopped and
    keeps each round-trip time."""

    def __init__(self, port, user, password, interval=0.02, tls=True):
        self.load = SmtpLoad(port, user, password, "", [], b"", 0, 1, tls=tls)
        self.interval, self.latencies, self._stop = interval, [], False

    async def run(self):
        reader, writer = await self.load._open()
        while not self._stop:
            t0 = time.monotonic()
            code, _ = await command(reader, writer, "NOOP")
            if code == 250:
                self.latencies.append(time.monotonic() - t0)
            await asyncio.sleep(self.interval)
        await self.load._close(reader, writer)

    def stop(self):
        self._stop = True


class NoopProbeProcess:
    """A NoopProbe in a process of its own, as a second PVS would be: its round trips do not wait
    for the load generator's event loop (which is busy with the large mails it sends)."""

    def __init__(self, port, user, password, interval=0.02):
        import os
        import subprocess
        import sys
        import tempfile
        self.dir = tempfile.mkdtemp(prefix="noop-probe-")
        self.out = os.path.join(self.dir, "latencies.json")
        env = dict(os.environ, KIMGATE_PROBE_PASSWORD=password)
        self.proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "noop", str(port), user,
                                      str(interval), self.out], env=env)
        self.latencies = []
        t_end = time.monotonic() + 30
        while not os.path.exists(self.out + ".ready"):
            if self.proc.poll() is not None or time.monotonic() > t_end:
                raise RuntimeError("the NOOP probe did not log in")
            time.sleep(0.05)

    def stop(self):
        import json
        import os
        import signal
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)
        with open(self.out) as f:
            self.latencies = json.load(f)
        import shutil
        shutil.rmtree(self.dir, ignore_errors=True)


def noop_main(args):
    import json
    import os
    import signal
    port, user, interval, out = int(args[0]), args[1], float(args[2]), args[3]
    probe = NoopProbe(port, user, os.environ["KIMGATE_PROBE_PASSWORD"], interval)

    async def main():
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, probe.stop)
        task = asyncio.ensure_future(probe.run())
        while not probe.latencies and not task.done():
            await asyncio.sleep(0.01)
        open(out + ".ready", "w").close()
        await task

    asyncio.run(main())
    with open(out, "w") as f:
        json.dump(probe.latencies, f)


class Sink:
    """The upstream KIM provider stand-in: implicit TLS with the given certificate, counts the
    messages and bytes it was given. A capture sink: keeps no content."""

    def __init__(self, cert, key, port=0):
        self.ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ctx.load_cert_chain(cert, key)
        self.port, self.messages, self.bytes, self.server = port, 0, 0, None

    async def _serve(self, reader, writer):
        try:
            writer.write(b"220 sink.bench.test ESMTP\r\n")
            while True:
                line = await reader.readline()
                if not line:
                    break
                verb = line[:4].upper()
                if verb in (b"EHLO", b"HELO"):
                    writer.write(b"250-sink.bench.test\r\n250-AUTH PLAIN LOGIN\r\n250-SIZE 734003200\r\n"
                                 b"250-8BITMIME\r\n250 ENHANCEDSTATUSCODES\r\n")
                elif verb == b"AUTH":
                    writer.write(b"235 2.7.0 ok\r\n")
                elif verb == b"DATA":
                    writer.write(b"354 go\r\n")
                    await writer.drain()
                    data = await reader.readuntil(b"\r\n.\r\n")
                    self.messages += 1
                    self.bytes += len(data)
                    writer.write(b"250 2.0.0 queued\r\n")
                elif line.upper().startswith(b"XSTAT"):
                    writer.write(f"250 {self.messages} {self.bytes}\r\n".encode())
                elif verb == b"QUIT":
                    writer.write(b"221 2.0.0 bye\r\n")
                    await writer.drain()
                    break
                else:
                    writer.write(b"250 2.0.0 ok\r\n")
                await writer.drain()
        except (OSError, ssl.SSLError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        writer.close()

    async def start(self):
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port, ssl=self.ctx,
                                                 limit=1 << 30)
        self.port = self.server.sockets[0].getsockname()[1]
        return self.port


def sink_main(argv):
    """python3 loadgen.py sink CERT KEY PORT_FILE: runs the sink in its own process until killed;
    "XSTAT" on a session answers "250 <messages> <bytes>"."""
    cert, key, port_file = argv

    async def main():
        sink = Sink(cert, key)
        port = await sink.start()
        with open(port_file + ".tmp", "w") as f:
            f.write(str(port))
        import os
        os.replace(port_file + ".tmp", port_file)
        await asyncio.Event().wait()

    asyncio.run(main())


if __name__ == "__main__":
    import sys
    if len(sys.argv) > 1 and sys.argv[1] == "sink":
        sink_main(sys.argv[2:])
    elif len(sys.argv) > 1 and sys.argv[1] == "noop":
        noop_main(sys.argv[2:])
