"""Shared helpers for the integration and reliability tests: free ports, a NOTIFY_SOCKET
listener, kimgated against the test world as a child process, the world's mailboxes, PVS
clients, the SOAP test Konnektor, and small assertion helpers. Standard library only."""
import argparse
import email.utils
import hashlib
import http.client
import json
import os
import poplib
import shutil
import smtplib
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from email.message import EmailMessage
from xml.etree import ElementTree


class Failures:
    """Collects check results so that one run reports every failed expectation."""

    def __init__(self):
        self.passed = 0
        self.failed = []

    def check(self, condition, what):
        if condition:
            self.passed += 1
            print(f"ok   {what}", flush=True)
        else:
            self.failed.append(what)
            print(f"FAIL {what}", flush=True)
        return condition

    def finish(self):
        print(f"{self.passed} passed, {len(self.failed)} failed")
        return 0 if not self.failed else 1


def free_ports(n):
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


class NotifySocket:
    """A datagram socket standing in for systemd's NOTIFY_SOCKET."""

    def __init__(self, directory):
        self.path = os.path.join(directory, "notify.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.messages = []

    def wait_for(self, key, deadline_s=30):
        """Waits until a datagram carries KEY (e.g. 'READY=1'); returns that datagram."""
        end = time.monotonic() + deadline_s
        for m in self.messages:
            if key in m.split("\n"):
                self.messages.remove(m)
                return m
        while time.monotonic() < end:
            self.sock.settimeout(max(0.05, end - time.monotonic()))
            try:
                data = self.sock.recv(4096).decode()
            except socket.timeout:
                break
            if key in data.split("\n"):
                return data
            self.messages.append(data)
        return None


def write_config(directory, text):
    path = os.path.join(directory, "kimgate.toml")
    with open(path, "w") as f:
        f.write(text)
    return path


def wait_until(predicate, deadline_s=30, interval_s=0.05):
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(interval_s)
    return predicate()


def tempdir():
    return tempfile.mkdtemp(prefix="kimgate-it-")


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, **kw)


def stop(proc, log):
    """Stops a daemon started with Popen (SIGTERM, wait) and closes its log file."""
    if proc.poll() is None:
        proc.terminate()
    proc.wait(timeout=30)
    log.close()


# --- The test world and kimgated in it (shared by tests/integration and tests/reliability) ---

def world_test_args(*options):
    """The command line of a test that runs kimgated against the world: --kimgated, --source (the
    repository) and the given (flag, keyword arguments of add_argument) pairs."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--kimgated", required=True)
    ap.add_argument("--source", required=True)
    for flag, kw in options:
        ap.add_argument(flag, **kw)
    return ap.parse_args()


def load_world():
    """world.json of the running test world ($KIMGATE_WORLD_DIR, set by the CTest fixture)."""
    with open(os.path.join(os.environ["KIMGATE_WORLD_DIR"], "world.json")) as f:
        return json.load(f)


def provider_tls(w):
    """A client TLS context for the world's providers: their CA bundle, presenting C.CM.TLS-CS."""
    ctx = ssl.create_default_context(cafile=w["pki"]["ca_bundle_pem"])
    ctx.check_hostname = False
    ctx.load_cert_chain(w["client_module"]["cert_pem"], w["client_module"]["key_pem"])
    return ctx


def provider_mailbox(w, p, timeout=30):
    """Participant p's mailbox opened directly at its provider's Dovecot (POP3S with C.CM.TLS-CS)."""
    box = poplib.POP3_SSL("127.0.0.1", w["providers"][p["provider"]]["pop3s_port"], context=provider_tls(w),
                          timeout=timeout)
    box.user(p["kim_address"])
    box.pass_(p["mailbox_password"])
    return box


def pvs_tls():
    """The PVS's TLS context towards kimgated (a self-signed certificate made at first start)."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def kim_user(w, p, protocol="smtp", konnektor="", mandant="Mandant1"):
    """The composite KIM user name (§3) of participant p at its provider."""
    port = w["providers"][p["provider"]]["smtps_port" if protocol == "smtp" else "pop3s_port"]
    u = f"{p['kim_address']}#127.0.0.1:{port}#{mandant}#CS1#WP1"
    return u + (f"#{konnektor}" if konnektor else "")


def letter(sender, to, subject, attachment=b"", extra=None, text=None, filename="befund.pdf"):
    """A PVS's client mail: text (+ a PDF attachment), a fresh Message-ID."""
    m = EmailMessage()
    m["From"] = f"Praxis <{sender}>"
    m["To"] = ", ".join(to)
    m["Subject"] = subject
    m["Date"] = email.utils.formatdate()
    m["Message-ID"] = f"<{uuid.uuid4()}@pvs.test>"
    m["X-KIM-Sendersystem"] = "kimgate-test;1.0"
    for k, v in (extra or {}).items():
        m[k] = v
    m.set_content(text or f"Sehr geehrte Kollegin,\nanbei der Befund.\n.line with leading dot\n{subject}\n")
    if attachment:
        m.add_attachment(attachment, maintype="application", subtype="pdf", filename=filename)
    return m


def begleitdatei(guid, bsnr, files):
    """A 1-Click begleitdatei.xml (V1.0) naming the GUID, BSNR and attachment file names."""
    anhang = "".join(f'<anhang V="{f}"/>' for f in files)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<einlieferung xmlns="http://www.kv-telematik.de/1-Click/'
            f'Meldung_Einlieferung/2.0.0"><version V="1.0"/><guid V="{guid}"/><bsnr V="{bsnr}"/>'
            f'<testdaten V="false"/><lieferungs_zeitpunkt V="2026-12-04T10:00:00"/><quartal V="2026-4"/>'
            f'{anhang}</einlieferung>').encode()


def smtp_error(fn):
    """(code, text) of the SMTP refusal fn() ran into, or None when it went through."""
    try:
        fn()
    except smtplib.SMTPResponseException as e:
        return e.smtp_code, e.smtp_error.decode(errors="replace")
    except smtplib.SMTPRecipientsRefused as e:
        code, text = list(e.recipients.values())[0]
        return code, text.decode(errors="replace")
    except smtplib.SMTPSenderRefused as e:
        return e.smtp_code, e.smtp_error.decode(errors="replace")
    return None


def find_message(box, needle, newest_first=False):
    """Number of the first message whose header section contains needle (str), or None."""
    count = box.stat()[0]
    for n in (range(count, 0, -1) if newest_first else range(1, count + 1)):
        if needle.encode() in b"\r\n".join(box.top(n, 0)[1]):
            return n
    return None


def retrieve(box, n):
    return b"\r\n".join(box.retr(n)[1]) + b"\r\n"


def fetch_direct(w, p, needle):
    """The raw message in p's provider mailbox whose header section contains needle, or None."""
    box = provider_mailbox(w, p)
    try:
        n = find_message(box, needle)
        return retrieve(box, n) if n else None
    finally:
        box.quit()


def arrived(w, p, needle, deadline_s=60):
    """Waits until a message with needle in its header reaches p's provider mailbox; returns it."""
    found = {}

    def look():
        found["m"] = fetch_direct(w, p, needle)
        return found["m"] is not None

    return found["m"] if wait_until(look, deadline_s, 0.5) else None


class Kimgated:
    """kimgated against the test world: a configuration from scripts/world-config.py on free ports,
    run in the foreground with a NOTIFY_SOCKET; restart with another configuration, SIGKILL."""

    def __init__(self, binary, source, w, extra_config="", work=None, cards=None):
        self.binary, self.w = binary, w
        self.work = work or tempdir()
        self.smtps, self.pop3s, self.smtp_starttls, self.pop3_starttls = free_ports(4)
        world_json = os.path.join(os.environ["KIMGATE_WORLD_DIR"], "world.json")
        r = run([sys.executable, os.path.join(source, "scripts", "world-config.py"), world_json, self.work,
                 "--smtps", str(self.smtps), "--pop3s", str(self.pop3s), "--smtp",
                 str(self.smtp_starttls), "--pop3", str(self.pop3_starttls)] +
                (["--cards", cards] if cards else []))
        if r.returncode != 0:
            raise RuntimeError(f"world-config.py failed: {r.stderr}")
        self.config = r.stdout.strip()
        if extra_config:
            with open(self.config, "a") as f:
                f.write(extra_config)
        with open(self.config) as f:
            self.base_config = f.read()
        self.notify = NotifySocket(self.work)
        self.log_path = os.path.join(self.work, "kimgated.log")
        self.log = open(self.log_path, "a")
        self.env = dict(os.environ, NOTIFY_SOCKET=self.notify.path, SOFTHSM2_CONF=w["softhsm"]["conf"])
        self.proc = None

    def start(self, config_text=None, deadline_s=30):
        """Starts kimgated (with config_text as its configuration if given); True once READY=1."""
        if config_text is not None:
            with open(self.config, "w") as f:
                f.write(config_text)
        self.proc = subprocess.Popen([self.binary, "--config", self.config, "--foreground"], stderr=self.log,
                                     env=self.env)
        return self.notify.wait_for("READY=1", deadline_s) is not None

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def kill9(self):
        self.proc.kill()
        self.proc.wait()

    def restart(self, config_text=None):
        self.stop()
        return self.start(config_text)

    def close(self):
        self.stop()
        self.log.close()

    def log_text(self):
        if not self.log.closed:
            self.log.flush()
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def smtp(self, p, password=None, timeout=120, **kw):
        """An authenticated PVS SMTP session (implicit TLS) as participant p."""
        s = smtplib.SMTP_SSL("127.0.0.1", self.smtps, context=pvs_tls(), timeout=timeout)
        s.ehlo("pvs.praxis.test")
        s.login(kim_user(self.w, p, **kw), password or p["mailbox_password"])
        return s

    def pop3(self, p, password=None, timeout=120):
        """A PVS POP3 session (implicit TLS) through kimgated as participant p."""
        box = poplib.POP3_SSL("127.0.0.1", self.pop3s, context=pvs_tls(), timeout=timeout)
        box.user(kim_user(self.w, p, "pop3"))
        box.pass_(password or p["mailbox_password"])
        return box

    def fetch(self, p, needle, want=None):
        """RETR through kimgated of the newest message whose outer header holds needle (and whose
        result contains want, if given), or None."""
        box = self.pop3(p)
        try:
            for n in range(box.stat()[0], 0, -1):
                if needle.encode() in b"\r\n".join(box.top(n, 0)[1]):
                    body = retrieve(box, n)
                    if want is None or want in body:
                        return body
            return None
        finally:
            box.quit()


def wrap_up(t, kg, name, started):
    """Stops kimgated, prints its log's tail when a check failed, and how long the test took."""
    kg.close()
    if t.failed:
        print(kg.log_text()[-5000:])
    print(f"{name} took {time.monotonic() - started:.0f} s")


def without_card(config_text, token_label):
    """The configuration without the [[konnektor.card]] table of that token (the card is pulled)."""
    out, pos = "", 0
    while True:
        start = config_text.find("[[konnektor.card]]", pos)
        if start < 0:
            return out + config_text[pos:]
        end = config_text.find("\n\n", start)
        end = len(config_text) if end < 0 else end + 1
        block = config_text[start:end]
        out += config_text[pos:start] + ("" if f'"{token_label}"' in block else block)
        pos = end


class SoapKonnektor:
    """konnektor_sim serving the configuration's local Konnektor (the world's SoftHSM cards) over
    HTTPS, server-only TLS with a pinned self-signed certificate. local_extra is added to the local
    [[konnektor]] table the simulator serves (e.g. simulate_service_time)."""

    def __init__(self, binary, config_text, work, env, local_extra="", port=0):
        self.work, self.env, self.binary = work, env, binary
        self.sim_config = os.path.join(work, "sim.toml")
        with open(self.sim_config, "w") as f:
            f.write(config_text.replace('id = "local"\n', 'id = "local"\n' + local_extra, 1))
        self.key, self.cert = os.path.join(work, "konnektor.key"), os.path.join(work, "konnektor.pem")
        if not os.path.exists(self.cert):
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj",
                            "/CN=80276883110000000099", "-days", "2", "-keyout", self.key, "-out", self.cert],
                           check=True, capture_output=True, timeout=60)
        der = subprocess.run(["openssl", "x509", "-in", self.cert, "-outform", "DER"], check=True,
                             capture_output=True).stdout
        self.pin = hashlib.sha256(der).hexdigest()
        self.port = port
        self.proc = None
        self.log = open(os.path.join(work, "sim.log"), "a")

    def start(self):
        """Starts the simulator (on the same port as before, if it ran); True once it listens."""
        port_file = os.path.join(self.work, "sim.port")
        if os.path.exists(port_file):
            os.unlink(port_file)
        self.proc = subprocess.Popen([self.binary, "--config", self.sim_config, "--konnektor", "local", "--cert",
                                      self.cert, "--key", self.key, "--tls-auth", "server_only", "--port-file",
                                      port_file, "--listen", f"127.0.0.1:{self.port}"],
                                     stdout=self.log, stderr=self.log, env=self.env)
        if not wait_until(lambda: os.path.exists(port_file) and open(port_file).read().strip(), 30):
            return False
        self.port = int(open(port_file).read())
        return True

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)

    def close(self):
        self.stop()
        self.log.close()

    def kon_version(self):
        """X-KIM-KONVersion as A_21388-01 builds it from the ProductInformation in the Konnektor's
        connector.sds: <ProductName><ProductType><ProductTypeVersion><HWVersion><FWVersion>."""
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=pvs_tls(), timeout=30)
        conn.request("GET", "/connector.sds")
        root = ElementTree.fromstring(conn.getresponse().read())
        conn.close()

        def text(name):
            node = next((e for e in root.iter() if e.tag.rsplit("}", 1)[-1] == name), None)
            return "" if node is None or node.text is None else node.text

        return "".join(f"<{text(n)}>" for n in ("ProductName", "ProductType", "ProductTypeVersion", "HWVersion",
                                                 "FWVersion"))

    def control(self, path, body=""):
        """POST to the simulator's /sim/ control path (server.h); the HTTP status."""
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=pvs_tls(), timeout=30)
        conn.request("POST", path, body=body)
        status = conn.getresponse().status
        conn.close()
        return status

    def kimgate_config(self, config_text):
        """config_text with its local Konnektor replaced by this SOAP Konnektor as the default (its
        time service, sync_Time, on UDP at the same port number as its HTTPS endpoint)."""
        start = config_text.index("[[konnektor]]")
        end = config_text.index("[directory]")
        soap = ("[[konnektor]]\nid = \"soap\"\nkind = \"soap\"\ndefault = true\n"
                f"sds_url = \"https://127.0.0.1:{self.port}/connector.sds\"\ntls_auth = \"server-only\"\n"
                f"server_pin_sha256 = \"{self.pin}\"\ntime_server = \"127.0.0.1:{self.port}\"\n\n")
        return config_text[:start] + soap + config_text[end:]


def secret_file(directory, name, value):
    """value as the first line of directory/name (mode 0600): a --password-file for kimctl."""
    os.makedirs(directory, mode=0o700, exist_ok=True)
    path = os.path.join(directory, name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(value + "\n")
    return path


def kas_control(kas, path, body=None):
    """The test world's KAS control API (tests/world/README.md): GET without a body, POST with one."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(kas["control"] + path, data=data, method="POST" if data is not None else "GET",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read() or b"null")


def kimctl_runner(kimctl, config):
    """A function running `kimctl --config <config> ARGV...`: (CompletedProcess, parsed JSON or None)."""
    def run_kimctl(*argv, timeout=180):
        r = subprocess.run([kimctl, "--config", config, *argv], capture_output=True, text=True, timeout=timeout)
        body = None
        if "--json" in argv:
            try:
                body = json.loads(r.stdout)
            except ValueError:
                body = None
        return r, body
    return run_kimctl


def listening(port, host="127.0.0.1"):
    """Whether something accepts TCP connections on host:port."""
    try:
        socket.create_connection((host, port), 1).close()
        return True
    except OSError:
        return False


def with_proxy_protocol(config_text, kg):
    """kg's configuration with proxy_protocol = true on its implicit-TLS SMTP and POP3 listeners."""
    for port in (kg.smtps, kg.pop3s):
        config_text = config_text.replace(f"port = {port}\n", f"port = {port}\nproxy_protocol = true\n", 1)
    return config_text


class HAProxy:
    """Debian's HAProxy in TCP mode in front of kimgated instances: one frontend per entry of
    `fronts` ({name: (front port, [backend ports])}), each balanced round robin over its backend
    ports with send-proxy-v2 and `server_options` (health checks with check-send-proxy by default)."""

    def __init__(self, work, fronts, server_options="check check-send-proxy inter 1s", binary=None):
        self.fronts = fronts
        self.binary = binary or shutil.which("haproxy") or "/usr/sbin/haproxy"
        self.config_path = os.path.join(work, f"haproxy-{len(os.listdir(work))}.cfg")
        self.log_path = self.config_path[:-4] + ".log"
        lines = ["global", "    maxconn 400", "defaults", "    mode tcp", "    timeout connect 2s",
                 "    timeout client 120s", "    timeout server 120s", "    option redispatch", "    retries 3"]
        for name, (front, backends) in fronts.items():
            lines += [f"frontend {name}", f"    bind 127.0.0.1:{front}", f"    default_backend {name}_servers",
                      f"backend {name}_servers", "    balance roundrobin"]
            lines += [f"    server kg{i} 127.0.0.1:{port} send-proxy-v2 {server_options}"
                      for i, port in enumerate(backends, 1)]
        with open(self.config_path, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.proc = None

    def start(self, deadline_s=20):
        """Starts HAProxy; True once every frontend accepts connections."""
        self.log = open(self.log_path, "a")
        self.proc = subprocess.Popen([self.binary, "-db", "-f", self.config_path], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        return wait_until(lambda: all(listening(front) for front, _ in self.fronts.values()), deadline_s, 0.1)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None:
            self.log.close()

    def log_text(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()
