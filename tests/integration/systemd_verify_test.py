#!/usr/bin/env python3
"""systemd/: `systemd-analyze verify` accepts kimgated.service (with ExecStart pointing at the
built binaries), and the sysusers.d and tmpfiles.d snippets apply to an empty root."""
import argparse
import os
import shutil
import sys

from harness import Failures, run, tempdir


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", required=True)
    ap.add_argument("--kimgated", required=True)
    ap.add_argument("--kimctl", required=True)
    args = ap.parse_args()
    t = Failures()
    work = tempdir()
    unit = open(os.path.join(args.source, "systemd", "kimgated.service")).read()
    unit = unit.replace("/usr/sbin/kimgated", args.kimgated).replace("/usr/bin/kimctl", args.kimctl)
    path = os.path.join(work, "kimgated.service")
    with open(path, "w") as f:
        f.write(unit)
    r = run(["systemd-analyze", "verify", path], env=dict(os.environ, SYSTEMD_LOG_LEVEL="warning"))
    problems = [l for l in (r.stdout + r.stderr).splitlines() if "kimgated.service" in l]
    t.check(r.returncode == 0 and not problems, f"systemd-analyze verify: rc={r.returncode} {problems}")
    for key in ("Type=notify", "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
                "PrivateDevices=yes", "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
                "SystemCallFilter=@system-service", "CapabilityBoundingSet=CAP_NET_BIND_SERVICE",
                "Restart=on-failure", "StateDirectory=kimgate", "RuntimeDirectory=kimgate"):
        t.check(key in unit.splitlines(), f"unit has {key}")

    root = os.path.join(work, "root")
    os.makedirs(os.path.join(root, "etc"))
    for f in ("passwd", "group"):
        open(os.path.join(root, "etc", f), "w").close()
    r = run(["systemd-sysusers", f"--root={root}", os.path.join(args.source, "systemd", "kimgate.sysusers")])
    t.check(r.returncode == 0 and "kimgate:" in open(os.path.join(root, "etc", "passwd")).read(),
            f"sysusers creates the kimgate user ({r.stderr.strip()})")
    r = run(["systemd-tmpfiles", f"--root={root}", "--create", os.path.join(args.source, "systemd", "kimgate.tmpfiles")])
    t.check(r.returncode == 0 and os.path.isdir(os.path.join(root, "var/lib/kimgate")),
            f"tmpfiles creates /var/lib/kimgate ({r.stderr.strip()})")
    shutil.rmtree(work, ignore_errors=True)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
