#!/usr/bin/env python3
"""The SOAP Konnektor client against the test Konnektor (konnektor_sim), which answers from the
local Konnektor over the test world's SoftHSM cards: every operation with RSA and ECC card keys
in each TLS mode (client certificate, HTTP Basic, server only; RSA and brainpool server
certificates); a wrong client certificate, wrong Basic credentials and an unpinned server
certificate refused with sentences that say which; faults 4004-4006, 4085 and a vendor code
typed at the caller; a Konnektor that stops answering ends in a timeout error, not a hang."""
import argparse
import base64
import hashlib
import http.client
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import time

from harness import Failures, NotifySocket, free_ports, run, tempdir, wait_until

ICCSN_KONNEKTOR = "80276883110000000042"


def openssl(*args, cwd):
    r = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)}: {r.stderr}")
    return r.stdout


def make_pki(work):
    """Konnektor server certificates (RSA and brainpoolP256r1, CN = an ICCSN, self-signed), a
    client CA with the client module's certificate, and an unrelated CA's certificate."""
    pki = os.path.join(work, "pki")
    os.makedirs(pki)
    subj = f"/CN={ICCSN_KONNEKTOR}"
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", subj, "-days", "2", "-keyout", "srv-rsa.key",
            "-out", "srv-rsa.pem", "-addext", "subjectAltName=DNS:konnektor.konlan", cwd=pki)
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:brainpoolP256r1", "-nodes", "-subj", subj,
            "-days", "2", "-keyout", "srv-ecc.key", "-out", "srv-ecc.pem", cwd=pki)
    for name in ("ca", "otherca"):
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN=Konnektor {name}", "-days", "2",
                "-keyout", f"{name}.key", "-out", f"{name}.pem", cwd=pki)
    for name, ca in (("client", "ca"), ("wrong", "otherca")):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN=kimgate {name}", "-keyout", f"{name}.key",
                "-out", f"{name}.csr", cwd=pki)
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key", "-CAcreateserial",
                "-days", "2", "-out", f"{name}.pem", cwd=pki)
        openssl("pkcs12", "-export", "-in", f"{name}.pem", "-inkey", f"{name}.key", "-passout", "pass:geheim", "-out",
                f"{name}.p12", cwd=pki)
    with open(os.path.join(pki, "p12.pass"), "w") as f:
        f.write("geheim\n")
    with open(os.path.join(pki, "basic.pass"), "w") as f:
        f.write("KonnektorBasic1\n")
    with open(os.path.join(pki, "wrong-basic.pass"), "w") as f:
        f.write("falsch\n")
    pins = {}
    for kind in ("rsa", "ecc"):
        der = subprocess.run(["openssl", "x509", "-in", os.path.join(pki, f"srv-{kind}.pem"), "-outform", "DER"],
                             capture_output=True, check=True).stdout
        pins[kind] = hashlib.sha256(der).hexdigest()
    return pki, pins


class ConnectProxy:
    """A minimal HTTP CONNECT proxy on 127.0.0.1 that records the targets it was asked for."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.targets = []
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.tunnel, args=(conn,), daemon=True).start()

    def tunnel(self, conn):
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(4096)
            if not chunk:
                conn.close()
                return
            data += chunk
        method, target, _ = data.split(b"\r\n")[0].decode().split(" ")
        self.targets.append(target)
        host, port = target.rsplit(":", 1)
        if method != "CONNECT" or host != "127.0.0.1":
            conn.sendall(b"HTTP/1.1 403 Forbidden\r\n\r\n")
            conn.close()
            return
        up = socket.create_connection((host, int(port)), timeout=30)
        conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")

        def pump(src, dst):
            try:
                while True:
                    chunk = src.recv(65536)
                    if not chunk:
                        break
                    dst.sendall(chunk)
            except OSError:
                pass
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

        threading.Thread(target=pump, args=(conn, up), daemon=True).start()
        pump(up, conn)

    def close(self):
        self.sock.close()


def log_count(path, event):
    with open(path) as f:
        return sum(1 for line in f if f"event={event}" in line)


class Sim:
    def __init__(self, binary, config, pki, work, auth, server_key, env, name=""):
        self.pki = pki
        self.port_file = os.path.join(work, f"sim-{auth}-{server_key}{name}.port")
        self.log_path = os.path.join(work, f"sim-{auth}-{server_key}{name}.log")
        if os.path.exists(self.port_file):
            os.unlink(self.port_file)
        self.log = open(self.log_path, "w")
        cmd = [binary, "--config", config, "--konnektor", "local", "--cert", os.path.join(pki, f"srv-{server_key}.pem"),
               "--key", os.path.join(pki, f"srv-{server_key}.key"), "--tls-auth", auth, "--port-file", self.port_file]
        if auth == "certificate":
            cmd += ["--client-ca", os.path.join(pki, "ca.pem")]
        if auth == "basic":
            cmd += ["--basic-user", "kim", "--basic-password-file", os.path.join(pki, "basic.pass")]
        self.auth = auth
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=self.log, env=env)
        self.port = None
        if wait_until(lambda: os.path.exists(self.port_file), 30):
            self.port = int(open(self.port_file).read())

    def control(self, path, body=""):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        if self.auth == "certificate":
            ctx.load_cert_chain(os.path.join(self.pki, "client.pem"), os.path.join(self.pki, "client.key"))
        headers = {}
        if self.auth == "basic":
            headers["Authorization"] = "Basic " + base64.b64encode(b"kim:KonnektorBasic1").decode()
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=ctx, timeout=30)
        conn.request("POST", path, body=body, headers=headers)
        status = conn.getresponse().status
        conn.close()
        return status

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self.log.close()


def soap_section(port, pki, auth, pin, p12="client.p12", basic_pass="basic.pass", proxy=None):
    lines = ['[[konnektor]]', 'id = "soap"', 'kind = "soap"', f'sds_url = "https://127.0.0.1:{port}/connector.sds"',
             f'tls_auth = "{auth.replace("_", "-")}"', f'server_pin_sha256 = "{pin}"']
    if proxy:
        lines.append(f'proxy = "http://127.0.0.1:{proxy}"')
    if auth == "certificate":
        lines += [f'client_p12 = "{os.path.join(pki, p12)}"',
                  f'client_p12_password_file = "{os.path.join(pki, "p12.pass")}"']
    if auth == "basic":
        lines += ['basic_user = "kim"', f'basic_password_file = "{os.path.join(pki, basic_pass)}"']
    return "\n".join(lines) + "\n"


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def tool(args, config, *extra, env):
    r = subprocess.run([args.tool, config, "soap", *extra], capture_output=True, text=True, timeout=240, env=env)
    lines = [json.loads(l) for l in r.stdout.splitlines() if l.startswith("{")]
    return r, lines


def first_op(lines, op):
    return next((l for l in lines if l.get("op") == op), {})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sim", required=True)
    ap.add_argument("--tool", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--kimgated", help="also start kimgated with the SOAP Konnektor configured")
    ap.add_argument("--seal", nargs=2, metavar=("OUT", "RSA|ECC"),
                    help="only write a KIM message made through the SOAP client (for the interop test)")
    args = ap.parse_args()
    t = Failures()
    world_json = os.path.join(os.environ["KIMGATE_WORLD_DIR"], "world.json")
    w = json.load(open(world_json))
    env = dict(os.environ, SOFTHSM2_CONF=w["softhsm"]["conf"])
    work = tempdir()
    ports = free_ports(4)
    r = run([sys.executable, os.path.join(args.source, "scripts", "world-config.py"), world_json, work, "--smtps",
             str(ports[0]), "--pop3s", str(ports[1]), "--smtp", str(ports[2]), "--pop3", str(ports[3])])
    t.check(r.returncode == 0, f"world config written ({r.stderr.strip()})")
    # Cards visible to one workplace only, so that a wrong WorkplaceId is a 4006.
    base = open(r.stdout.strip()).read().replace('contexts = ["Mandant1/CS1/*"]', 'contexts = ["Mandant1/CS1/WP1"]')
    local_config = write(os.path.join(work, "local.toml"), base)
    pki, pins = make_pki(work)
    if args.seal:
        return seal(t, args, local_config, base, pki, pins, work, env)

    for auth, server_key in (("certificate", "rsa"), ("basic", "ecc"), ("server_only", "rsa")):
        sim = Sim(args.sim, local_config, pki, work, auth, server_key, env)
        try:
            if not t.check(sim.port is not None, f"konnektor_sim {auth}/{server_key} listens"):
                continue
            config = write(os.path.join(work, f"{auth}.toml"), base + soap_section(sim.port, pki, auth, pins[server_key]))
            connections, requests = log_count(sim.log_path, "sim_connection"), log_count(sim.log_path, "sim_request")
            r, lines = tool(args, config, "all", env=env)
            failed = [l for l in lines if l.get("ok") is False]
            checks = [l for l in lines if "check" in l]
            t.check(r.returncode == 0 and len(checks) >= 20 and not failed,
                    f"every operation, RSA and ECC keys, tls_auth={auth}, {server_key} server certificate: "
                    f"{len(checks)} checks, failed {failed} {r.stderr.strip()[-400:]}")
            wait_until(lambda: log_count(sim.log_path, "sim_request") - requests >= 20, 10)
            connections = log_count(sim.log_path, "sim_connection") - connections
            requests = log_count(sim.log_path, "sim_request") - requests
            t.check(requests >= 20 and connections == 1,
                    f"kept-alive connections: {requests} SOAP requests over {connections} TLS connection(s)")
            def refused(name, section, sentence, what):
                """GetCards with a section that must be refused; the sentence says which side refused what."""
                r, lines = tool(args, write(os.path.join(work, name), base + section), "get_cards", env=env)
                text = first_op(lines, "GetCards").get("text", "")
                t.check(r.returncode != 0 and sentence in text, f"{what}: {text}")

            if auth == "certificate":
                refused("wrong-cert.toml", soap_section(sim.port, pki, auth, pins[server_key], p12="wrong.p12"),
                        "refused our TLS client certificate", "a wrong client certificate is refused")
                refused("unpinned.toml", soap_section(sim.port, pki, auth, "ab" * 32),
                        f"{pins[server_key]}) is not trusted", "an unpinned server certificate is refused")
                faults(t, args, sim, config, env)
                if args.kimgated:
                    daemon(t, args, config, work, sim.port, env)
            if auth == "basic":
                refused("wrong-basic.toml",
                        soap_section(sim.port, pki, auth, pins[server_key], basic_pass="wrong-basic.pass"),
                        'refused the HTTP Basic credentials of user "kim"', "wrong Basic credentials are refused")
            if auth == "server_only":
                proxy = ConnectProxy()
                via = write(os.path.join(work, "proxy.toml"),
                            base + soap_section(sim.port, pki, auth, pins[server_key], proxy=proxy.port))
                r, lines = tool(args, via, "get_cards", env=env)
                t.check(r.returncode == 0 and f"127.0.0.1:{sim.port}" in proxy.targets,
                        f"through the HTTP CONNECT proxy: {first_op(lines, 'GetCards')} targets={proxy.targets}")
                proxy.close()
        finally:
            sim.stop()
    injected(t, args, base, pki, pins, work, env)
    return t.finish()


def injected(t, args, base, pki, pins, work, env):
    """The local Konnektor's error injection (simulate_error_permille) reaches the SOAP client as a fault."""
    failing = write(os.path.join(work, "failing.toml"),
                    base.replace('kind = "local"\n', 'kind = "local"\nsimulate_error_permille = 1000\n', 1))
    sim = Sim(args.sim, failing, pki, work, "server_only", "rsa", env, name="-failing")
    try:
        config = write(os.path.join(work, "failing-soap.toml"),
                       base + soap_section(sim.port, pki, "server_only", pins["rsa"]))
        r, lines = tool(args, config, "all", env=env)
        got = first_op(lines, "ExternalAuthenticate")
        t.check(r.returncode != 0 and got.get("code") == 4045 and "simulated" in got.get("text", ""),
                f"simulate_error_permille = 1000 answers card operations with fault 4045: {got}")
    finally:
        sim.stop()


def seal(t, args, local_config, base, pki, pins, work, env):
    out, signer = args.seal
    sim = Sim(args.sim, local_config, pki, work, "certificate", "rsa", env)
    try:
        t.check(sim.port is not None, "konnektor_sim listens")
        config = write(os.path.join(work, "seal.toml"), base + soap_section(sim.port, pki, "certificate", pins["rsa"]))
        r, lines = tool(args, config, "seal", out, signer, env=env)
        t.check(r.returncode == 0 and os.path.exists(out), f"KIM message sealed through SOAP ({signer}): {lines[-3:]}")
    finally:
        sim.stop()
    return t.finish()


def daemon(t, args, config, work, port, env):
    """kimgated opens the SOAP Konnektor through make_konnektor and reads its connector.sds at start."""
    notify = NotifySocket(work)
    log_path = os.path.join(work, "kimgated.log")
    with open(log_path, "w") as log:
        proc = subprocess.Popen([args.kimgated, "--config", config, "--foreground"], stdout=log, stderr=log,
                                env=dict(env, NOTIFY_SOCKET=notify.path))
        try:
            t.check(notify.wait_for("READY=1") is not None, "kimgated with a SOAP Konnektor is ready")
            found = wait_until(lambda: "event=konnektor_discovered konnektor=soap" in open(log_path).read(), 30)
            line = next((l for l in open(log_path) if "konnektor_discovered" in l), "")
            t.check(found and 'product="kimgate local Konnektor"' in line and "signature_service=7.5.5" in line,
                    f"kimgated read connector.sds of the SOAP Konnektor on port {port}: {line.strip()[-200:]}")
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def faults(t, args, sim, config, env):
    for context, code in (("Mandant9/CS1/WP1", 4004), ("Mandant1/CS9/WP1", 4005), ("Mandant1/CS1/WP9", 4006)):
        r, lines = tool(args, config, "get_cards", context, env=env)
        got = first_op(lines, "GetCards")
        t.check(got.get("code") == code and got.get("kind") == "context" and got.get("text"),
                f"{context}: fault {code} typed as a context error: {got}")
    t.check(sim.control("/sim/reinsert") == 200, "cards re-inserted (locked again)")
    r, lines = tool(args, config, "sign", env=env)
    got = first_op(lines, "SignDocument")
    t.check(got.get("code") == 4085 and got.get("kind") == "pin", f"SignDocument on a locked card: 4085: {got}")
    t.check(sim.control("/sim/fault", "12345 Herstellerspezifischer Fehler") == 200, "vendor fault armed")
    r, lines = tool(args, config, "get_cards", env=env)
    got = first_op(lines, "GetCards")
    t.check(got.get("code") == 12345 and got.get("kind") == "other" and got.get("text") == "Herstellerspezifischer Fehler",
            f"an unknown code reaches the caller with its text: {got}")
    # A Konnektor that stops answering: KONNEKTOR_TIMEOUT of 3 s, then a timeout error.
    short = write(config.replace(".toml", "-timeout.toml"), open(config).read() + '\n[timeouts]\nkonnektor = "3s"\n')
    t.check(sim.control("/sim/stop-answering") == 200, "the Konnektor stops answering")
    started = time.monotonic()
    r, lines = tool(args, short, "get_cards", env=env)
    waited = time.monotonic() - started
    got = first_op(lines, "GetCards")
    t.check(got.get("kind") == "timeout" and got.get("code") == 1 and "did not answer" in got.get("text", "") and
            waited >= 3, f"timeout error after the configured 3 s (returned after {waited:.1f} s): {got}")
    sim.control("/sim/answer")
    # In one process: a communication error drops the cached connector.sds, the next call reads it again.
    sds_before = log_count(sim.log_path, "sim_sds")
    proc = subprocess.Popen([args.tool, short, "soap", "steps"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, env=env)

    def step():
        proc.stdin.write("get_cards\n")
        proc.stdin.flush()
        for line in proc.stdout:  # the Konnektor's own log lines come first
            if line.startswith("{"):
                return json.loads(line)
        return {}

    first = step()
    sim.control("/sim/stop-answering")
    second = step()
    sim.control("/sim/answer")
    third = step()
    proc.stdin.close()
    proc.wait(timeout=60)
    wait_until(lambda: log_count(sim.log_path, "sim_sds") - sds_before >= 2, 10)
    sds = log_count(sim.log_path, "sim_sds") - sds_before
    t.check(first.get("ok") and second.get("kind") == "timeout" and third.get("ok") and sds == 2,
            f"connector.sds read again after a communication error: {first} {second} {third}, {sds} readings")


if __name__ == "__main__":
    sys.exit(main())
