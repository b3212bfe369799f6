#!/usr/bin/env python3
"""kimgated with a local Konnektor over the test world's cards, and `kimctl card list|unlock`
through the daemon's control socket: the cards are listed locked, unlock verifies the PIN in the
daemon, a wrong ICCSN is refused with a sentence, and a stopped daemon is reported as such."""
import argparse
import json
import os
import subprocess
import sys

from harness import Failures, NotifySocket, free_ports, run, tempdir


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kimgated", required=True)
    ap.add_argument("--kimctl", required=True)
    ap.add_argument("--source", required=True)
    args = ap.parse_args()
    t = Failures()
    world_json = os.path.join(os.environ["KIMGATE_WORLD_DIR"], "world.json")
    w = json.load(open(world_json))
    work = tempdir()
    smtps, pop3s, smtp, pop3 = free_ports(4)
    r = run([sys.executable, os.path.join(args.source, "scripts", "world-config.py"), world_json, work,
             "--smtps", str(smtps), "--pop3s", str(pop3s), "--smtp", str(smtp), "--pop3", str(pop3)])
    config = r.stdout.strip()
    t.check(r.returncode == 0 and os.path.exists(config), f"world config written ({r.stderr.strip()})")
    notify = NotifySocket(work)
    env = dict(os.environ, NOTIFY_SOCKET=notify.path, SOFTHSM2_CONF=w["softhsm"]["conf"])
    log = open(os.path.join(work, "kimgated.log"), "w")
    proc = subprocess.Popen([args.kimgated, "--config", config, "--foreground"], stderr=log, env=env)
    try:
        t.check(notify.wait_for("READY=1") is not None, "kimgated is ready")
        r = run([args.kimctl, "--config", config, "card", "list"])
        out = r.stdout
        smcb = w["participants"]["praxis_a"]["card"]["iccsn"]
        hba = w["participants"]["arzt_a"]["card"]["iccsn"]
        t.check(r.returncode == 0 and smcb in out and hba in out, f"card list shows SMC-B A and eHBA A:\n{out}")
        t.check(f"SMC-B  ICCSN {smcb}" in out and "locked (kimctl card unlock ICCSN)" in out,
                "cards start locked")
        r = run([args.kimctl, "--config", config, "card", "unlock", smcb])
        t.check(r.returncode == 0 and "unlocked" in r.stdout, f"unlock the SMC-B: {r.stdout.strip()} {r.stderr.strip()}")
        r = run([args.kimctl, "--config", config, "card", "list"])
        line = next((l for l in r.stdout.splitlines() if smcb in l), "")
        t.check("  unlocked  " in line, f"the SMC-B is unlocked in the daemon: {line.strip()}")
        r = run([args.kimctl, "--config", config, "card", "unlock", "80276000000000000000"])
        t.check(r.returncode != 0 and "no local Konnektor has an inserted card with ICCSN 80276000000000000000" in r.stderr,
                f"unknown ICCSN refused: {r.stderr.strip()}")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
    r = run([args.kimctl, "--config", config, "card", "list"])
    t.check(r.returncode != 0 and "cannot reach kimgated" in r.stderr, f"daemon stopped: {r.stderr.strip()}")
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
