#!/usr/bin/env python3
"""systemd/: `systemd-analyze verify` accepts kimgated.service (with ExecStart pointing at the
built binaries), `systemd-analyze security --offline=true` scores it at most 2.0 (issue 20), and the
sysusers.d and tmpfiles.d snippets apply to an empty root."""
import argparse
import os
import re
import shutil
import sys

from harness import Failures, run, tempdir


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", required=True)
    ap.add_argument("--kimgated", required=True)
    ap.add_argument("--kimctl", required=True)
    ap.add_argument("--man", required=True, help="folder of the built man pages (Documentation=man:...)")
    args = ap.parse_args()
    t = Failures()
    work = tempdir()
    unit = open(os.path.join(args.source, "systemd", "kimgated.service")).read()
    unit = unit.replace("/usr/sbin/kimgated", args.kimgated).replace("/usr/bin/kimctl", args.kimctl)
    path = os.path.join(work, "kimgated.service")
    with open(path, "w") as f:
        f.write(unit)
    # verify runs `man` for each Documentation=man:... entry: point MANPATH at the built pages.
    manpath = os.path.join(work, "man")
    for page in os.listdir(args.man):
        if re.fullmatch(r".+\.[0-9]", page):
            os.makedirs(os.path.join(manpath, "man" + page[-1]), exist_ok=True)
            shutil.copy(os.path.join(args.man, page), os.path.join(manpath, "man" + page[-1], page))
    r = run(["systemd-analyze", "verify", path], env=dict(os.environ, SYSTEMD_LOG_LEVEL="warning", MANPATH=manpath))
    problems = [l for l in (r.stdout + r.stderr).splitlines() if "kimgated.service" in l]
    t.check(r.returncode == 0 and not problems, f"systemd-analyze verify: rc={r.returncode} {problems}")
    for key in ("Type=notify", "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
                "PrivateDevices=yes", "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
                "SystemCallFilter=@system-service", "CapabilityBoundingSet=CAP_NET_BIND_SERVICE",
                "Restart=on-failure", "StateDirectory=kimgate", "RuntimeDirectory=kimgate"):
        t.check(key in unit.splitlines(), f"unit has {key}")
    r = run(["systemd-analyze", "security", "--offline=true", path])
    m = re.search(r"Overall exposure level for kimgated.service: ([0-9.]+)", r.stdout + r.stderr)
    t.check(m is not None and float(m.group(1)) <= 2.0,
            f"systemd-analyze security --offline=true: exposure {m.group(1) if m else '?'} (at most 2.0)")
    for key in ("User=kimgate", "StateDirectoryMode=0700", "UMask=0077"):
        t.check(key in unit.splitlines(), f"unit has {key} (state files readable only by kimgate)")

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
