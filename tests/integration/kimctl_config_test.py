#!/usr/bin/env python3
"""`kimctl config check` on broken configurations (file:line:col and a sentence, non-zero exit)
and on the example configuration (exit 0); `kimctl config show` marks defaults and masks secrets."""
import argparse
import os
import re
import sys

from harness import Failures, run, tempdir

BASE = """[daemon]
state_dir = "/tmp/kimgate-it"
[[pvs.listener]]
protocol = "smtp"
address = "127.0.0.1"
port = 10465
[[konnektor]]
id = "K1"
kind = "soap"
sds_url = "https://127.0.0.1/connector.sds"
tls_auth = "basic"
basic_user = "kim"
basic_password = "Sehr-Geheim-42"
server_pin_sha256 = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
"""

# name -> (appended text, expected line:col, a part of the sentence)
BROKEN = {
    "unknown_key": ("[limits]\nmax_recipient = 10\n", "16:1", 'unknown key "max_recipient" in [limits]'),
    "wrong_type": ("[timeouts]\nkonnektor = 60\n", "16:13", "timeouts.konnektor must be a duration string"),
    "out_of_range": ("[[pvs.listener]]\nprotocol = \"pop3\"\naddress = \"127.0.0.1\"\nport = 70000\n", "18:8",
                     "outside the allowed range 1 to 65535"),
    "missing_default_konnektor": ("[[konnektor]]\nid = \"K2\"\nkind = \"soap\"\nsds_url = \"https://127.0.0.2/connector.sds\"\n"
                                  "tls_auth = \"server-only\"\nserver_pin_sha256 = \"" + "ab" * 32 + "\"\n", "7:1",
                                  "none of the 2 Konnektors is marked default = true"),
    "unreadable_certificate": ("[pvs]\ncertificate = \"/nonexistent/pvs.crt\"\nkey = \"/etc/hostname\"\n", "16:15",
                               'cannot read "/nonexistent/pvs.crt"'),
    "plaintext_non_loopback": ("[pvs]\nplaintext_on_loopback = true\n[[pvs.listener]]\nprotocol = \"pop3\"\n"
                               "address = \"10.1.2.3\"\nport = 110\ntls = \"none\"\n", "21:7",
                               "plaintext listener on 10.1.2.3, which is not a loopback address"),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kimctl", required=True)
    ap.add_argument("--source", required=True)
    args = ap.parse_args()
    t = Failures()
    work = tempdir()

    example = os.path.join(args.source, "conf", "kimgate.example.toml")
    r = run([args.kimctl, "config", "check", example])
    t.check(r.returncode == 0 and r.stdout.strip().endswith(": OK"), f"example config: exit 0 ({r.stderr.strip()})")

    for name, (extra, pos, sentence) in BROKEN.items():
        path = os.path.join(work, f"{name}.toml")
        with open(path, "w") as f:
            f.write(BASE + extra)
        r = run([args.kimctl, "config", "check", path])
        first = r.stderr.splitlines()[0] if r.stderr else ""
        t.check(r.returncode != 0 and first.startswith(f"{path}:{pos}: ") and sentence in first,
                f"{name}: exit {r.returncode}, {first!r}")

    good = os.path.join(work, "good.toml")
    with open(good, "w") as f:
        f.write(BASE)
    r = run([args.kimctl, "--config", good, "config", "show"])
    t.check(r.returncode == 0, "config show: exit 0")
    t.check("Sehr-Geheim-42" not in r.stdout and re.search(r'basic_password\s+= "<redacted>"', r.stdout) is not None,
            "config show masks the secret")
    t.check(re.search(r'timeouts\.smtp_server\s+= "5m"  # default', r.stdout) is not None,
            "config show marks defaults (SMTP_TIMEOUT_SERVER 5m)")
    t.check(re.search(r"pvs\.listener\[0\]\.port\s+= 10465$", r.stdout, re.M) is not None,
            "config show prints set values without the default mark")
    r = run([args.kimctl, "--config", good, "config", "show", "-n"])
    t.check("# default" not in r.stdout and "10465" in r.stdout, "config show -n prints only set values")
    r = run([args.kimctl, "config", "check", os.path.join(work, "missing.toml")])
    t.check(r.returncode != 0 and "cannot read the configuration file" in r.stderr, "missing file: a sentence")
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
