#!/usr/bin/env python3
"""Acceptance test of the kimgate test world (CTest: world.acceptance).

Runs against a world started by tests/world/up and checks every "done when"
point of the issue with the real clients: swaks, curl, ldapsearch,
pkcs11-tool, openssl ocsp. Ends with down / nothing left / up again, so the
world is up when it returns (the world.down fixture stops it).

Stdlib only. Waits poll with deadlines; there are no fixed sleeps.
"""
from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORLD = Path(os.environ.get("KIMGATE_WORLD_DIR") or HERE.parent.parent / "build" / "world")
ENV = dict(os.environ, KIMGATE_WORLD_DIR=str(WORLD),
           PATH=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")

failures: list[str] = []


def check(cond: bool, what: str, detail: str = "") -> None:
    print(f"{'ok  ' if cond else 'FAIL'} {what}", flush=True)
    if not cond:
        failures.append(what)
        if detail:
            print("     " + detail.strip().replace("\n", "\n     ")[-3000:], flush=True)


def run(*args: str, timeout: float = 60, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), capture_output=True, text=True, timeout=timeout,
                          env=env or ENV, errors="replace")


def load_world() -> dict:
    return json.loads((WORLD / "world.json").read_text(encoding="utf-8"))


def swaks(w: dict, provider: str, *, user: str | None, password: str | None, mail_from: str,
          rcpt: str, subject: str, body: str, cert: bool = True) -> subprocess.CompletedProcess:
    fd = w["providers"][provider]
    args = ["swaks", "--server", fd["host"], "--port", str(fd["smtps_port"]), "--tls-on-connect",
            "--tls-ca-path", w["pki"]["ca_bundle_pem"], "--tls-verify",
            "--from", mail_from, "--to", rcpt, "--header", f"Subject: {subject}", "--body", body,
            "--timeout", "30"]
    if cert:
        args += ["--tls-cert", w["client_module"]["cert_pem"], "--tls-key", w["client_module"]["key_pem"]]
    if user is not None:
        args += ["--auth", "PLAIN", "--auth-user", user, "--auth-password", password or ""]
    return run(*args)


def pop3(w: dict, provider: str, who: dict, path: str = "/") -> subprocess.CompletedProcess:
    fd = w["providers"][provider]
    url = f"pop3s://{fd['tls_server_name']}:{fd['pop3s_port']}{path}"
    return run("curl", "-sS", "--max-time", "20", "--cacert", w["pki"]["ca_bundle_pem"],
               "--cert", w["client_module"]["cert_pem"], "--key", w["client_module"]["key_pem"],
               "--resolve", f"{fd['tls_server_name']}:{fd['pop3s_port']}:{fd['host']}",
               "-u", f"{who['kim_address']}:{who['mailbox_password']}", url)


def wait_for_mail(w: dict, provider: str, who: dict, token: str, deadline_s: float = 60) -> str | None:
    """Poll the mailbox until a message containing token is there."""
    deadline = time.monotonic() + deadline_s
    seen: set[str] = set()
    while time.monotonic() < deadline:
        listing = pop3(w, provider, who)
        if listing.returncode == 0:
            for line in listing.stdout.splitlines():
                n = line.split()[0] if line.split() else ""
                if n.isdigit() and n not in seen:
                    msg = pop3(w, provider, who, f"/{n}")
                    if token in msg.stdout:
                        return msg.stdout
                    seen.add(n)
        time.sleep(0.2)
    return None


# --- the checks ------------------------------------------------------------------
def test_status() -> None:
    r = run(str(HERE / "status"))
    check(r.returncode == 0, "status reports every component up", r.stdout + r.stderr)


def test_send_and_fetch(w: dict) -> None:
    a, b = w["participants"]["praxis_a"], w["participants"]["praxis_b"]
    token = f"kimworld-{uuid.uuid4().hex}"
    r = swaks(w, "fd-a", user=a["kim_address"], password=a["mailbox_password"], mail_from=a["kim_address"],
              rcpt=b["kim_address"], subject=f"Test {token}", body=f"Body {token}")
    check(r.returncode == 0 and re.search(r"<~  250 2\.0\.0 Ok: queued", r.stdout) is not None,
          "swaks: practice A sends to practice B over SMTPS with C.CM.TLS-CS and AUTH", r.stdout + r.stderr)
    check("TLS local DN" in r.stdout and "#CM" in r.stdout, "swaks presented the client module certificate",
          r.stdout)
    msg = wait_for_mail(w, "fd-b", b, token)
    check(msg is not None and f"Subject: Test {token}" in msg,
          "curl: the mail arrives at provider B and is fetched over POP3S")
    if msg:
        check("by mx.fd-a.kim.telematik-test" in msg and "by mx.fd-b.kim.telematik-test" in msg,
              "the mail travelled through provider A to provider B (Received headers)", msg[:2000])
    nocert = run("curl", "-sS", "--max-time", "20", "--cacert", w["pki"]["ca_bundle_pem"],
                 "-u", f"{b['kim_address']}:{b['mailbox_password']}",
                 f"pop3s://{w['host']}:{w['providers']['fd-b']['pop3s_port']}/")
    check(nocert.returncode != 0, "POP3S login without a client certificate is refused", nocert.stderr)


def test_refusals(w: dict) -> None:
    a, b, d = w["participants"]["praxis_a"], w["participants"]["praxis_b"], w["participants"]["arzt_a"]
    r = swaks(w, "fd-a", user=a["kim_address"], password=a["mailbox_password"], mail_from=a["kim_address"],
              rcpt=b["kim_address"], subject="no cert", body="x", cert=False)
    check(r.returncode != 0 and "250 2.0.0 Ok" not in r.stdout and
          re.search(r"<~\* 421 4\.7\.1 .*client certificate", r.stdout, re.I) is not None,
          "provider A refuses a session without client certificate (421 4.7.1)", r.stdout + r.stderr)
    r = swaks(w, "fd-a", user=a["kim_address"], password="wrong-password", mail_from=a["kim_address"],
              rcpt=b["kim_address"], subject="bad auth", body="x")
    check(r.returncode != 0 and "<~* 535 5.7.8" in r.stdout, "provider A refuses a failed AUTH (535 5.7.8)",
          r.stdout + r.stderr)
    r = swaks(w, "fd-a", user=a["kim_address"], password=a["mailbox_password"], mail_from=d["kim_address"],
              rcpt=b["kim_address"], subject="mismatch", body="x")
    check(r.returncode != 0 and re.search(r"<~\* 553 5\.7\.1 .*not owned by user", r.stdout) is not None
          and "RCPT TO" not in r.stdout,
          "provider A refuses MAIL FROM different from the AUTH user, at MAIL FROM (553 5.7.1)",
          r.stdout + r.stderr)
    r = swaks(w, "fd-a", user=None, password=None, mail_from=a["kim_address"], rcpt=b["kim_address"],
              subject="no auth", body="x")
    check(r.returncode != 0 and "250 2.0.0 Ok" not in r.stdout, "provider A refuses mail without AUTH",
          r.stdout)


def ldapsearch(w: dict, filt: str, *attrs: str) -> subprocess.CompletedProcess:
    env = dict(ENV, LDAPTLS_CACERT=w["pki"]["ca_bundle_pem"], LDAPTLS_REQCERT="demand",
               LDAPTLS_CERT=w["client_module"]["cert_pem"], LDAPTLS_KEY=w["client_module"]["key_pem"])
    return run("ldapsearch", "-x", "-LLL", "-o", "ldif-wrap=no", "-H", w["vzd"]["ldaps_url"],
               "-b", w["vzd"]["base_dn"], filt, *attrs, env=env)


def test_vzd(w: dict) -> None:
    b, kk, kv = (w["participants"][x] for x in ("praxis_b", "kasse", "kv_hessen"))
    r = ldapsearch(w, f"(mail={b['kim_address']})", "mail", "telematikID", "komLeData", "userCertificate;binary")
    certs = [base64.b64decode(v) for v in re.findall(r"^userCertificate;binary:: (\S+)$", r.stdout, re.M)]
    want = {Path(k["cert_der"]).read_bytes() for k in b["keys"].values() if k["in_vzd"]}
    check(r.returncode == 0 and len(certs) == 2 and set(certs) == want,
          "ldapsearch over LDAPS finds practice B's two ENC certificates (RSA + ECC) by mail",
          r.stdout[:500] + r.stderr)
    check(f"komLeData: 1.5+,{b['kim_address']}" in r.stdout, "practice B is opted in to large mails (1.5+)",
          r.stdout[:800])
    r = ldapsearch(w, f"(&(domainID={kk['ik']})(entryType=5))", "mail", "telematikID")
    check(r.returncode == 0 and f"mail: {kk['kim_address']}" in r.stdout and r.stdout.count("dn: ") == 1,
          "ldapsearch finds the insurer with (&(domainID=<IK>)(entryType=5))", r.stdout + r.stderr)
    r = ldapsearch(w, "(professionOID=1.2.276.0.76.4.255)", "mail")
    check(r.returncode == 0 and f"mail: {kv['kim_address']}" in r.stdout,
          "ldapsearch finds the KV data acceptance point by profession OID", r.stdout + r.stderr)
    r = ldapsearch(w, f"(mail={w['awkward']['two_telematik_ids']['kim_address']})", "telematikID")
    ids = re.findall(r"^telematikID: (\S+)$", r.stdout, re.M)
    check(len(set(ids)) == 2, "the two-TelematikID address resolves to two different TelematikIDs", r.stdout)


def test_cards(w: dict) -> None:
    a = w["participants"]["praxis_a"]
    card = a["card"]
    env = dict(ENV, SOFTHSM2_CONF=w["softhsm"]["conf"])
    base = ["pkcs11-tool", "--module", w["softhsm"]["module"], "--token-label", card["token_label"],
            "--login", "--pin", card["user_pin"]]
    r = run(*base, "--list-objects", env=env)
    labels = set(re.findall(r"label:\s+(\S+)", r.stdout))
    check(r.returncode == 0 and labels == set(a["keys"]),
          "pkcs11-tool lists the SMC-B A keys and certificates", r.stdout + r.stderr)
    for label, k in a["keys"].items():
        block = re.findall(rf"(Private Key Object.*?\n(?:  .*\n)+)", r.stdout)
        hit = [x for x in block if f"label:      {label}\n" in x and f"ID:         {k['cka_id']}\n" in x]
        if not hit:
            check(False, f"private key {label} with CKA_ID {k['cka_id']} on the token", r.stdout)
            return
    osig = a["keys"]["C.HCI.OSIG.RSA"]
    with tempfile.TemporaryDirectory() as tmp:
        data, sig, pub = Path(tmp) / "data", Path(tmp) / "sig", Path(tmp) / "pub.pem"
        data.write_bytes(b"KIM test world: sign me with RSASSA-PSS\n")
        r = run(*base, "--sign", "-m", "SHA256-RSA-PKCS-PSS", "--id", osig["cka_id"],
                "-i", str(data), "-o", str(sig), env=env)
        check(r.returncode == 0 and sig.exists(), "pkcs11-tool signs with RSASSA-PSS on the SMC-B token",
              r.stdout + r.stderr)
        run("openssl", "x509", "-in", osig["cert_pem"], "-pubkey", "-noout", "-out", str(pub))
        v = run("openssl", "dgst", "-sha256", "-verify", str(pub), "-sigopt", "rsa_padding_mode:pss",
                "-sigopt", "rsa_pss_saltlen:32", "-signature", str(sig), str(data))
        check(v.returncode == 0 and "Verified OK" in v.stdout,
              "the PSS signature verifies with the C.HCI.OSIG certificate (salt 32)", v.stdout + v.stderr)


def test_ocsp(w: dict) -> None:
    rv = w["participants"][w["awkward"]["revoked"]["participants"][0]]["keys"]["C.HCI.ENC.RSA"]
    good = w["participants"]["praxis_a"]["keys"]["C.HCI.ENC.RSA"]
    ca = w["pki"]["cas"][rv["issuer_ca"]]
    r = run("openssl", "ocsp", "-issuer", ca["cert_pem"], "-cert", rv["cert_pem"], "-cert", good["cert_pem"],
            "-url", ca["ocsp_url"], "-CAfile", w["pki"]["ca_bundle_pem"], timeout=30)
    out = r.stdout + r.stderr
    check(r.returncode == 0 and "Response verify OK" in out and f"{rv['cert_pem']}: revoked" in out
          and f"{good['cert_pem']}: good" in out,
          "the OCSP responder says 'revoked' for the revoked certificate (and 'good' for a good one)", out)
    crl = run("openssl", "crl", "-in", ca["crl_pem"], "-noout", "-text")
    check(rv["serial"].upper() in crl.stdout.replace(":", "").upper(), "the CRL lists the revoked certificate",
          crl.stdout[:800])


# --- lifecycle --------------------------------------------------------------------

PID_FILES = ("fd-a/queue/pid/master.pid", "fd-a/dovecot/run/master.pid", "fd-b/queue/pid/master.pid",
             "fd-b/dovecot/run/master.pid", "vzd/slapd.pid", "run/pkihttp.pid", "run/kas-fd-a.pid",
             "run/kas-fd-b.pid", "run/dnsmasq.pid")


def world_sessions() -> set[int]:
    """Session ids of this world's daemons (each runs in its own session, see lib/common.sh)."""
    sids = set()
    for rel in PID_FILES:
        try:
            pid = int((WORLD / rel).read_text().strip())
            stat = (Path("/proc") / str(pid) / "stat").read_text()
            sids.add(int(stat.rsplit(")", 1)[1].split()[3]))
        except (OSError, ValueError, IndexError):
            continue
    return sids


def leftover_processes(sids: set[int]) -> list[str]:
    """Live (non-zombie) processes in this world's sessions or naming its state directory.
    Scoped to this world, so another world on the same machine does not count."""
    out = []
    r = run("ps", "-e", "-o", "pid=,sid=,stat=,comm=,args=")
    for line in r.stdout.splitlines():
        parts = line.split(None, 4)
        if len(parts) < 5 or parts[2].startswith("Z") or int(parts[0]) == os.getpid():
            continue
        if int(parts[1]) in sids or str(WORLD) in parts[4]:
            out.append(line.strip())
    return out


def listening_world_ports(w: dict) -> list[int]:
    r = run("ss", "-H", "-ltn")
    used = {int(m) for m in re.findall(r":(\d+)\s", r.stdout)}
    return sorted(used & set(w["ports"].values()))


def test_lifecycle(w: dict) -> None:
    sids = world_sessions()
    check(len(sids) >= 5, "the world's daemons run in their own sessions", str(sids))
    r = run(str(HERE / "down"), timeout=120)
    check(r.returncode == 0, "down succeeds", r.stderr)
    procs = leftover_processes(sids)
    check(not procs, "no postfix/dovecot/slapd/openssl/pkihttp/kas/dnsmasq process is left after down",
          "\n".join(procs))
    ports = listening_world_ports(w)
    check(not ports, "no world port listens after down", str(ports))
    t0 = time.monotonic()
    r = run(str(HERE / "up"), timeout=240)
    check(r.returncode == 0, f"up again works ({time.monotonic() - t0:.1f}s)", r.stdout + r.stderr)
    test_status()
    w2 = load_world()
    check(w2["ports"] == w["ports"], "world.json is stable across down/up")
    a, b = w2["participants"]["arzt_a"], w2["participants"]["praxis_b"]
    token = f"kimworld-again-{uuid.uuid4().hex}"
    r = swaks(w2, "fd-a", user=a["kim_address"], password=a["mailbox_password"], mail_from=a["kim_address"],
              rcpt=b["kim_address"], subject=f"Again {token}", body=token)
    check(r.returncode == 0 and wait_for_mail(w2, "fd-b", b, token) is not None,
          "after up again: doctor A reaches practice B")


def main() -> int:
    if not (WORLD / "world.json").exists():
        print(f"no world at {WORLD}: run tests/world/up first", file=sys.stderr)
        return 1
    w = load_world()
    print(f"world at {WORLD}", flush=True)
    test_status()
    test_send_and_fetch(w)
    test_refusals(w)
    test_vzd(w)
    test_cards(w)
    test_ocsp(w)
    test_lifecycle(w)
    print(f"\n{len(failures)} failure(s)" + (": " + "; ".join(failures) if failures else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
