#!/usr/bin/env python3
"""`kimctl doctor` against the test world (issue 17): practice C registers its address through
kimctl (local Konnektor), then kimgated runs on the SOAP test Konnektor (konnektor_sim: connector.sds,
GetCards, GetPinStatus and the sync_Time time service). On the healthy world every hop is OK (and the
mailbox logins are SKIP without a password, OK with it); then each fault is provoked one at a time
and must be named by its hop with exit status 1: a clock offset (warn at 120 s, fail at 400 s), the
PIN state BLOCKED / TRANSPORT_PIN / VERIFIABLE, the card removed, a wrong mailbox password, a client
certificate that expires in 10 days (the world's Account Manager issues it), and slapd stopped. The
world is restored afterwards (slapd started, the card re-inserted, the Account Manager reset)."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Failures, Kimgated, SoapKonnektor, kas_control, kimctl_runner, load_world,  # noqa: E402
                     secret_file, world_test_args, wrap_up)

PASSWORD = "Praxis-C.Doktor2026!"


def main():
    args = world_test_args(("--kimctl", {"required": True}), ("--sim", {"required": True}))
    t = Failures()
    t0 = time.monotonic()
    w = load_world()
    c = w["participants"]["praxis_c"]
    fd = w["providers"][c["provider"]]
    domain = fd["domain"]
    letter_c = next(x for x in w["registration_letters"] if x["participant"] == "praxis_c" and x["provider"] == c["provider"])
    iccsn = c["card"]["iccsn"]
    address = f"B-{c['bsnr']}.KVH@{domain}"
    kas_control(fd["kas"], "/accounts/reset", {})
    kg = Kimgated(args.kimgated, args.source, w)
    sim = SoapKonnektor(args.sim, kg.base_config, kg.work, kg.env)
    world = dict(os.environ)
    secrets = os.path.join(kg.work, "secrets")

    def secret(name, value):
        return secret_file(secrets, name, value)

    kimctl = kimctl_runner(args.kimctl, kg.config)

    good = secret("password", PASSWORD)
    wrong = secret("wrong", PASSWORD + "-falsch")

    def doctor(*extra):
        started = time.monotonic()
        r, body = kimctl("doctor", "--json", *extra)
        lines = (body or {}).get("lines", [])
        return r, lines, time.monotonic() - started

    def verdicts(lines, hop):
        return [x["verdict"] for x in lines if x["hop"] == hop]

    def named(lines, hop, verdict, *words):
        """A line of `hop` with `verdict` whose sentence contains every word."""
        return any(x["hop"] == hop and x["verdict"] == verdict and all(wd in x["sentence"] for wd in words)
                   and x.get("advice") and x.get("sentence_de") and x.get("advice_de") for x in lines)

    def show(lines):
        return "; ".join(f"{x['verdict']} {x['hop']}: {x['sentence']}" for x in lines)

    try:
        # Practice C registers its address and gets its certificate (kimgated on the local Konnektor).
        t.check(kg.start(), "kimgated is ready")
        ini = secret("ini", letter_c["initial_password"])
        r, body = kimctl("account", "register", "--card", iccsn, "--address", address, "--bcc-acknowledged",
                         "--initial-password-file", ini, "--reference-id", letter_c["reference_id"],
                         "--password-file", good, "--json")
        t.check(r.returncode == 0 and body and body.get("ok"), f"practice C registers {address} ({r.stdout[:400]} {r.stderr[-400:]})")

        # The same kimgated on the SOAP test Konnektor; the card's PIN entered.
        t.check(sim.start(), "konnektor_sim listens")
        t.check(kg.restart(sim.kimgate_config(kg.base_config)), "kimgated runs on the SOAP Konnektor")
        t.check(sim.control("/sim/pin-state", f"{iccsn} VERIFIED") == 200, "PIN state VERIFIED set")

        # Healthy world.
        r, lines, took = doctor()
        hops = {x["hop"] for x in lines}
        t.check(r.returncode == 0 and {"konnektor", "card", "vzd", "smtp", "pop3", "kas", "account_manager",
                                       "certificate", "clock"} <= hops,
                f"doctor without passwords: exit 0, every hop listed ({r.stderr[-300:]} {show(lines)})")
        t.check(all(x["verdict"] == "ok" for x in lines if x["hop"] not in ("smtp", "pop3")),
                f"every hop but the logins is OK ({show(lines)})")
        t.check(verdicts(lines, "smtp") == ["skip"] and verdicts(lines, "pop3") == ["skip"] and
                named(lines, "smtp", "skip", "not checked: no password given"),
                f"the logins say they were not checked without a password ({show(lines)})")
        r, lines, took = doctor("--account", address, "--password-file", good)
        t.check(r.returncode == 0 and lines and all(x["verdict"] == "ok" for x in lines),
                f"with the password every hop is OK ({took:.1f} s; {show(lines)})")
        t.check(PASSWORD not in kg.log_text(), "no password in kimgated's log")
        r2 = subprocess.run([args.kimctl, "--config", kg.config, "doctor"], capture_output=True, text=True, timeout=120)
        t.check(r2.returncode == 0 and r2.stdout.count("\n") == len(lines) and
                all(ln.split()[0] in ("OK", "SKIP") for ln in r2.stdout.splitlines()),
                f"kimctl doctor prints one OK/SKIP line per hop ({r2.stdout[:600]})")

        # A wrong password: both logins fail, named.
        r, lines, _ = doctor("--account", address, "--password-file", wrong)
        t.check(r.returncode == 1 and named(lines, "smtp", "fail", address) and named(lines, "pop3", "fail", address),
                f"a wrong password fails both logins ({show(lines)})")

        # Clock offsets via the Konnektor's time service.
        sim.control("/sim/time-offset", "120")
        r, lines, _ = doctor()
        t.check(r.returncode == 0 and named(lines, "clock", "warn", "2 min"), f"120 s offset: clock WARN ({show(lines)})")
        sim.control("/sim/time-offset", "-400")
        r, lines, _ = doctor()
        t.check(r.returncode == 1 and named(lines, "clock", "fail", "-6 min 40 s"),
                f"-400 s offset: clock FAIL ({show(lines)})")
        sim.control("/sim/time-offset", "0")

        # PIN states.
        for state, verdict, words in (("BLOCKED", "fail", ("blocked",)), ("TRANSPORT_PIN", "fail", ("transport PIN",)),
                                      ("VERIFIABLE", "warn", ("not entered",))):
            t.check(sim.control("/sim/pin-state", f"{iccsn} {state}") == 200, f"PIN state {state} set")
            r, lines, _ = doctor()
            t.check(r.returncode == (1 if verdict == "fail" else 0) and named(lines, "card", verdict, iccsn, *words),
                    f"PIN state {state}: card {verdict.upper()} ({show(lines)})")
        sim.control("/sim/pin-state", f"{iccsn} VERIFIED")

        # The card pulled.
        t.check(sim.control("/sim/remove", iccsn) == 200, "card removed")
        r, lines, _ = doctor()
        t.check(r.returncode == 1 and named(lines, "card", "fail", iccsn, "not inserted"),
                f"card removed: card FAIL ({show(lines)})")
        sim.control("/sim/reinsert")
        sim.control("/sim/pin-state", f"{iccsn} VERIFIED")

        # slapd stopped: the VZD hop fails, the others still answer (each hop has its own deadline).
        subprocess.run([os.path.join(args.source, "tests", "world", "down"), "--only", "vzd-slapd"], env=world,
                       capture_output=True, timeout=120)
        r, lines, took = doctor()
        t.check(r.returncode == 1 and named(lines, "vzd", "fail", "cannot be reached") and
                all(x["verdict"] == "ok" for x in lines if x["hop"] in ("konnektor", "card", "kas", "clock")),
                f"slapd stopped: vzd FAIL, the other hops unaffected ({took:.1f} s; {show(lines)})")
        r = subprocess.run([os.path.join(args.source, "tests", "world", "up")], env=world, capture_output=True,
                           timeout=300)
        t.check(r.returncode == 0, f"slapd started again ({r.stderr[-300:]})")

        # A Konnektor that accepts the SOAP requests but never answers: the card hop ends at its own
        # deadline with a sentence; the hops that do not need the Konnektor's SOAP answers still report
        # (the VZD lost the new address when slapd was seeded again; its line says so, not a timeout).
        sim.control("/sim/stop-answering")
        r, lines, took = doctor()
        sim.control("/sim/answer")
        t.check(r.returncode == 1 and named(lines, "card", "fail", "no answer within") and
                all(x["verdict"] == "ok" for x in lines if x["hop"] in ("kas", "account_manager", "clock")) and
                not any("no answer within" in x["sentence"] for x in lines if x["hop"] != "card"),
                f"a hanging Konnektor: card FAIL at its deadline, the other hops answer ({took:.1f} s; {show(lines)})")

        # A certificate that expires in 10 days, issued by the world's Account Manager (createCert needs
        # ExternalAuthenticate with the card: kimgated back on the local Konnektor for that).
        t.check(kg.restart(kg.base_config), "kimgated runs on the local Konnektor again")
        kas_control(fd["kas"], "/cert-days", {"days": 10})
        r, cert = kimctl("account", "cert", address, "--password-file", good, "--json")
        t.check(r.returncode == 0 and cert and cert.get("ok"),
                f"a short-lived certificate installed ({r.stdout[:300]} {r.stderr[-300:]})")
        r, lines, _ = doctor()
        t.check(named(lines, "certificate", "warn", address, "expires soon", "notAfter") and
                any(x["hop"] == "clock" and x["verdict"] == "ok" and "shares this machine's clock" in x["sentence"]
                    for x in lines),
                f"certificate expiring in 10 days: certificate WARN ({show(lines)})")
    finally:
        subprocess.run([os.path.join(args.source, "tests", "world", "up")], env=world, capture_output=True, timeout=300)
        try:
            kas_control(fd["kas"], "/accounts/reset", {})
        except OSError as e:
            print(f"Account Manager reset failed: {e}")
        sim.close()
        wrap_up(t, kg, "doctor", t0)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
