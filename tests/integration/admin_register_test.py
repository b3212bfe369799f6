#!/usr/bin/env python3
"""The administration module end to end (issue 17): practice C has a card and a registration
letter but no address. Through `kimctl` only — no file edited by hand — it takes the proposal
B-<BSNR>.<KV>@<provider>, is refused with a sentence naming the cause for a password the policy
refuses, a wrong referenceID and an address already taken, registers, gets its client
certificate installed (key 0600), finds its PVS user names in `kimctl pvs-settings --json`, sends
a KIM mail with the new account through kimgated to practice A and receives one from practice A
(POP3 through kimgated, decrypted). Then the account care ops: show, limits, absence, large-mail,
password, cert, deregister and revoke."""
import os
import poplib
import smtplib
import stat
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Failures, Kimgated, arrived, kas_control, kimctl_runner, letter, load_world,  # noqa: E402
                     pvs_tls, retrieve, secret_file, world_test_args, wrap_up)

PASSWORD = "Praxis-C.Kim2026!"


def main():
    args = world_test_args(("--kimctl", {"required": True}))
    t = Failures()
    t0 = time.monotonic()
    w = load_world()
    a, c = w["participants"]["praxis_a"], w["participants"]["praxis_c"]
    fd = w["providers"][c["provider"]]
    domain = fd["domain"]
    letter_c = next(x for x in w["registration_letters"] if x["participant"] == "praxis_c" and x["provider"] == c["provider"])
    iccsn = c["card"]["iccsn"]
    kas_control(fd["kas"], "/accounts/reset", {})  # the Account Manager without earlier registrations
    kg = Kimgated(args.kimgated, args.source, w)
    secrets = os.path.join(kg.work, "secrets")

    def secret(name, value):
        return secret_file(secrets, name, value)

    kimctl = kimctl_runner(args.kimctl, kg.config)

    try:
        t.check(kg.start(), "kimgated is ready")
        r, ctx = kimctl("account", "context", "--json")
        t.check(r.returncode == 0 and any(x["iccsn"] == iccsn and x.get("telematik_id") == c["telematik_id"] and
                                          x.get("bsnr") == c["bsnr"] and x.get("kv") == "KVH" for x in ctx.get("cards", [])),
                f"account context lists practice C's card ({r.stdout[:300]} {r.stderr[:300]})")
        r, info = kimctl("account", "service-info", domain, "--json")
        t.check(r.returncode == 0 and info.get("password_policy_display") and info.get("reference_id_required"),
                f"service-info shows the policy and that a referenceID is needed ({r.stdout[:300]} {r.stderr[:300]})")
        r, prop = kimctl("account", "proposals", "--card", iccsn, "--provider", domain, "--json")
        proposals = [p["address"] for p in (prop or {}).get("proposals", [])]
        want = f"B-{c['bsnr']}.KVH@{domain}"
        t.check(r.returncode == 0 and want.lower() in [p.lower() for p in proposals],
                f"the proposal is {want} ({prop} {r.stderr[:300]})")
        address = next((p for p in proposals if p.lower() == want.lower()), want)

        good = secret("password", PASSWORD)
        weak = secret("weak", "kurz")
        ini = secret("ini", letter_c["initial_password"])
        register = ["account", "register", "--card", iccsn, "--address", address, "--bcc-acknowledged",
                    "--initial-password-file", ini]

        r, body = kimctl(*register, "--reference-id", letter_c["reference_id"], "--password-file", weak, "--json")
        t.check(r.returncode == 1 and body and "password policy" in body.get("error", "") and
                info.get("password_policy_display", "?") in body.get("error", ""),
                f"a password the policy refuses is named with the policy ({body})")
        r, body = kimctl(*register, "--reference-id", "FDA-REG-0000-WRONG", "--password-file", good, "--json")
        t.check(r.returncode == 1 and body and body.get("http_status") == 401 and body.get("error"),
                f"a wrong referenceID gets the provider's 401 with a sentence ({body})")
        r, body = kimctl(*register[:4], "--address", a["kim_address"], *register[6:], "--reference-id",
                         letter_c["reference_id"], "--password-file", good, "--json")
        t.check(r.returncode == 1 and body and body.get("http_status") == 409 and body.get("error"),
                f"an address already taken gets 409 with a sentence ({body})")
        r, _ = kimctl(*register[:-3], "--initial-password-file", ini, "--reference-id", letter_c["reference_id"],
                      "--password-file", good)
        t.check(r.returncode == 1 and "Bcc" in r.stderr, f"registration without the Bcc acknowledgement: {r.stderr}")

        r, body = kimctl(*register, "--reference-id", letter_c["reference_id"], "--password-file", good, "--json")
        t.check(r.returncode == 0 and body and body.get("ok") and body.get("certificate", {}).get("not_after"),
                f"practice C registers {address} and gets its certificate ({r.stdout[:600]} {r.stderr[:600]})")
        t.check("Registering" in r.stderr and "ExternalAuthenticate" in r.stderr,
                f"progress lines on stderr ({r.stderr[:400]})")
        key = os.path.join(kg.work, "state", "accounts", address.lower(), "client.key")
        t.check(os.path.exists(key) and stat.S_IMODE(os.stat(key).st_mode) == 0o600, f"the key is installed 0600 ({key})")
        log = kg.log_text()
        t.check(PASSWORD not in log and letter_c["initial_password"] not in log, "no password in kimgated's log")
        registry = open(os.path.join(kg.work, "state", "accounts.json")).read()
        t.check(PASSWORD not in registry and address in registry, "the registry lists the address, no password")

        r, listed = kimctl("account", "list", "--json")
        t.check(r.returncode == 0 and any(x["address"] == address and x["certificate_not_after"]
                                          for x in listed.get("accounts", [])), f"account list shows it ({listed})")
        r, pvs = kimctl("pvs-settings", "--json")
        names = next((n for n in (pvs or {}).get("user_names", []) if n["address"] == address), None)
        t.check(r.returncode == 0 and names and pvs.get("smtp", {}).get("port") == kg.smtps,
                f"pvs-settings gives host, ports and user names ({pvs})")

        # Send with the new account through kimgated (implicit TLS, the PVS user name as given).
        m = letter(address, [a["kim_address"]], f"Erste KIM-Nachricht von Praxis C {uuid.uuid4()}")
        s = smtplib.SMTP_SSL(pvs["host"], pvs["smtp"]["port"], context=pvs_tls(), timeout=180)
        s.login(names["smtp"], PASSWORD)
        s.send_message(m)
        s.quit()
        got = arrived(w, a, m["Message-ID"], 120)
        t.check(got is not None and b"X-KOM-LE-Version" in got, "practice A's mailbox has the KIM message from C")

        # Receive at the new account: A sends through kimgated, C fetches with POP3 through kimgated.
        m2 = letter(a["kim_address"], [address], f"Antwort an Praxis C {uuid.uuid4()}")
        s = kg.smtp(a)
        s.send_message(m2)
        s.quit()
        body = None
        deadline = time.monotonic() + 120
        while body is None and time.monotonic() < deadline:
            box = poplib.POP3_SSL(pvs["host"], pvs["pop3"]["port"], context=pvs_tls(), timeout=180)
            box.user(names["pop3"])
            box.pass_(PASSWORD)
            for n in range(box.stat()[0], 0, -1):
                raw = retrieve(box, n)
                if m2["Subject"].encode() in raw:
                    body = raw
                    break
            box.quit()
            if body is None:
                time.sleep(1)
        t.check(body is not None and b"X-KIM-DecryptionResult: 00" in body,
                f"C receives A's mail through kimgated, decrypted ({(body or b'')[:300]})")

        # Account care.
        pw = ["--password-file", good]
        r, show = kimctl("account", "show", address, *pw, "--json")
        t.check(r.returncode == 0 and show.get("reg_stat") == "registered", f"account show ({show} {r.stderr[:300]})")
        calls = kas_control(fd["kas"], "/requests").get("requests", [])
        mine = [x for x in calls if x.get("path", "").startswith("/AccountMgmt/") and
                x.get("path", "").split("/")[-1].replace("%40", "@") == address]
        t.check(bool(mine) and str(mine[-1].get("client_cert_cn", "")).endswith("#CM"),
                f"after installation the account's own certificate (CN ...#CM) reaches the Account Manager "
                f"({[x.get('client_cert_cn') for x in mine[-1:]]})")
        r, lim = kimctl("account", "limits", address, *pw, "--json")
        t.check(r.returncode == 0 and lim.get("max_mail_size", 0) >= 734003200, f"account limits ({lim})")
        r, ab = kimctl("account", "absence", address, *pw, "--json")
        t.check(r.returncode == 0 and ab.get("active") is False, f"no out-of-office note at first ({ab})")
        r, ab = kimctl("account", "absence", address, *pw, "--on", "--start", "2026-12-24T00:00:00Z", "--end",
                       "2027-01-02T00:00:00Z", "--message", "Praxis geschlossen", "--json")
        t.check(r.returncode == 0 and ab.get("active") is True, f"out-of-office note on ({ab})")
        r, ab = kimctl("account", "absence", address, *pw, "--on", "--start", "2027-01-02T00:00:00Z", "--end",
                       "2026-12-24T00:00:00Z", "--message", "verdreht", "--json")
        t.check(r.returncode == 1 and "ends before it starts" in ab.get("error", ""),
                f"an out-of-office note that ends before it starts is refused locally ({ab})")
        r, ab = kimctl("account", "absence", address, *pw, "--off", "--json")
        r2, ab2 = kimctl("account", "absence", address, *pw, "--json")
        t.check(r.returncode == 0 and ab2.get("active") is False and ab2.get("message") == "Praxis geschlossen",
                f"off keeps the stored text (FAQ) ({ab2})")
        r, lm = kimctl("account", "large-mail", address, *pw, "--enable", "--json")
        t.check(r.returncode == 0 and lm.get("kim_version") == "1.5+" and "700 MiB" in lm.get("risks", ""),
                f"large-mail opt-in states the risks ({lm})")
        r, lm = kimctl("account", "large-mail", address, *pw, "--disable", "--json")
        t.check(r.returncode == 0 and lm.get("kim_version") == "1.5", f"large-mail opt-out ({lm})")
        r, cert = kimctl("account", "cert", address, *pw, "--json")
        t.check(r.returncode == 0 and cert.get("certificate", {}).get("sha256"), f"a new certificate now ({cert})")
        t.check(cert.get("certificate", {}).get("sha256") != next(
            (x["certificate_sha256"] for x in listed["accounts"] if x["address"] == address), None),
            "the new certificate replaced the first one")
        new_pw = secret("new", PASSWORD + "x")
        r, _ = kimctl("account", "password", address, *pw, "--new-password-file", new_pw, "--json")
        t.check(r.returncode == 0, f"password change ({r.stdout[:300]} {r.stderr[:300]})")
        pw = ["--password-file", new_pw]
        r, dr = kimctl("account", "deregister", address, *pw, "--json")
        t.check(r.returncode == 0 and "30 days" in dr.get("message", ""), f"deregistration explains 30 days ({dr})")
        r, rv = kimctl("account", "revoke", address, *pw, "--json")
        t.check(r.returncode == 0, f"deregistration revoked ({rv})")
        r, rv = kimctl("account", "revoke", address, *pw, "--json")
        t.check(r.returncode == 1 and rv.get("http_status") == 403 and rv.get("error"),
                f"revoking again: 403 with a sentence ({rv})")
        # Porting to practice C's follow-up card: getOTP with the old card, setTID with the new one.
        c2 = w["participants"]["praxis_c2"]
        r, po = kimctl("account", "port", address, *pw, "--new-card", c2["card"]["iccsn"], "--json")
        t.check(r.returncode == 0 and po.get("telematik_id") == c2["telematik_id"],
                f"the address moves to the new card ({po} {r.stderr[-300:]})")
        r, show = kimctl("account", "show", address, *pw, "--json")
        t.check(r.returncode == 0 and show.get("reg_stat") == "registered",
                f"the account is administered with the new card afterwards ({show} {r.stderr[-300:]})")
    finally:
        wrap_up(t, kg, "admin_register", t0)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
