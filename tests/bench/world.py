"""kimgated, the sink and the anchors in the test world for tests/bench: configurations (SoftHSM
tokens, PKCS#12 software keys, a simulated card service time), process figures from /proc, and
filling a provider mailbox."""
import json
import os
import shutil
import subprocess
import sys
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")


class ProcStats:
    """CPU and memory of a running process, read from /proc."""

    def __init__(self, pid):
        self.pid = pid

    def cpu_s(self):
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime

    def memory_kib(self):
        """{'Rss': kib, 'Pss': kib, ...} from smaps_rollup."""
        out = {}
        with open(f"/proc/{self.pid}/smaps_rollup") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 3 and parts[-1] == "kB":
                    out[parts[0].rstrip(":")] = int(parts[1])
        return out

    def rss_kib(self):
        return self.memory_kib().get("Rss", 0)

    def fds(self):
        return len(os.listdir(f"/proc/{self.pid}/fd"))


def p12_cards(config_text, w):
    """The configuration with every SoftHSM card replaced by the same keys as PKCS#12 files
    (software keys in-process, S2)."""
    out = config_text
    for pid in ("praxis_a", "arzt_a", "praxis_b"):
        p = w["participants"][pid]
        label = p["card"]["token_label"]
        files = ", ".join(f'"{k["p12"]}"' for k in p["keys"].values())
        pass_file = harness.tempdir() + "/p12.pass"
        with open(pass_file, "w") as f:
            f.write(p["card"]["p12_password"] + "\n")
        os.chmod(pass_file, 0o600)
        old = f'pkcs11_module = "{w["softhsm"]["module"]}"\ntoken_label = "{label}"\n'
        new = f"p12_files = [{files}]\np12_password_file = \"{pass_file}\"\n"
        if old not in out:
            raise RuntimeError(f"card {label} not in the configuration")
        out = out.replace(old, new)
    return out


def with_card_time(config_text, service_ms, jitter_ms=0, error_permille=0):
    extra = (f'simulate_service_time = "{service_ms}ms"\nsimulate_jitter = "{jitter_ms}ms"\n'
             f"simulate_error_permille = {error_permille}\n")
    return config_text.replace('id = "local"\n', 'id = "local"\n' + extra, 1)


class Daemon:
    """One kimgated in the world with a chosen key source and card timing."""

    def __init__(self, binary, source, w, keys="token", card_ms=0, jitter_ms=0, error_permille=0, extra="",
                 proxy=False):
        self.kg = harness.Kimgated(binary, source, w, extra_config=extra)
        text = self.kg.base_config.replace('level = "info"', 'level = "warn"')
        if proxy:  # behind HAProxy (send-proxy-v2): the PROXY protocol on the implicit-TLS listeners
            for port in (self.kg.smtps, self.kg.pop3s):
                text = text.replace(f"port = {port}\n", f"port = {port}\nproxy_protocol = true\n", 1)
        if keys == "p12":
            text = p12_cards(text, w)
        if card_ms or jitter_ms or error_permille:
            text = with_card_time(text, card_ms, jitter_ms, error_permille)
        if "[limits]" not in text:
            # One host runs all the bench's PVS sessions (S4: 100 and a NOOP probe); the default
            # per-client limit (100) would answer the 101st with 421.
            text += "\n[limits]\nconnections_per_client = 1000\n"
        self.config_text = text
        self.stats = None

    def start(self):
        if not self.kg.start(self.config_text):
            raise RuntimeError("kimgated did not start:\n" + self.kg.log_text()[-3000:])
        self.stats = ProcStats(self.kg.proc.pid)
        return self

    def close(self):
        self.kg.close()

    @property
    def smtps(self):
        return self.kg.smtps

    @property
    def pop3s(self):
        return self.kg.pop3s


class SinkProcess:
    """loadgen.py's sink in its own process (so the generator's interpreter does not share a core
    lock with it), with the world's provider certificate."""

    def __init__(self, w, work):
        fd = w["providers"]["fd-a"]
        self.port_file = os.path.join(work, "sink.port")
        if os.path.exists(self.port_file):
            os.unlink(self.port_file)
        here = os.path.dirname(os.path.abspath(__file__))
        self.log = open(os.path.join(work, "sink.log"), "a")
        self.proc = subprocess.Popen([sys.executable, os.path.join(here, "loadgen.py"), "sink",
                                      fd["server_fullchain_pem"], fd["server_key_pem"], self.port_file],
                                     stdout=self.log, stderr=self.log)
        if not harness.wait_until(lambda: os.path.exists(self.port_file), 20):
            raise RuntimeError("the sink did not start")
        self.port = int(open(self.port_file).read())
        self.stats = ProcStats(self.proc.pid)

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.log.close()


def user_for_sink(w, p, sink_port, protocol="smtp"):
    """The composite KIM user name of p with the sink as its provider."""
    return f"{p['kim_address']}#127.0.0.1:{sink_port}#Mandant1#CS1#WP1"


def maildir(w, p):
    fd = w["providers"][p["provider"]]
    return os.path.join(fd["maildir_root"], p["kim_address"], "Maildir")


def fill_mailbox(w, p, message, count):
    """Puts `count` copies of `message` (bytes, CRLF) into p's Dovecot maildir as new mail, owned by
    the mail user; returns the paths (for empty_mailbox)."""
    root = maildir(w, p)
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(root, sub), exist_ok=True)
    data = message.replace(b"\r\n", b"\n")
    stamp = int(time.time())
    paths = []
    for i in range(count):
        path = os.path.join(root, "new", f"{stamp}.B{i}x{uuid.uuid4().hex[:8]}.bench")
        with open(path, "wb") as f:
            f.write(data)
        paths.append(path)
    subprocess.run(["chown", "-R", "mail:mail", os.path.dirname(root)], check=False)
    return paths


def empty_mailbox(w, p):
    """Removes everything from p's maildir and Dovecot's index of it."""
    root = maildir(w, p)
    for _ in range(50):  # Postfix may still be delivering into it
        shutil.rmtree(root, ignore_errors=True)
        if not os.path.exists(root):
            return
        time.sleep(0.2)


def load_world():
    with open(os.path.join(os.environ["KIMGATE_WORLD_DIR"], "world.json")) as f:
        return json.load(f)
