#!/usr/bin/env python3
"""What the administration module does on its own at the PVS's logins (issue 17): practice C
registers through kimctl with KIM version 1.0 and gets a certificate that expires in 20 days. At
the PVS's first login kimgated renews the certificate (A_21381: createCert one month before
expiry, installed at once) and brings the VZD entry up to its own KIM version through setAccount
(A_21387-01). After a restart, with the Account Manager failing createCert and the VZD listing a
newer version than kimgated's, one POP3 login gives the user the 4016 notice with the Account
Manager's error text and the 4017 notice, each once, unsigned, in the PVS's mailbox."""
import email
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Failures, Kimgated, arrived, kas_control, kimctl_runner, letter, load_world,  # noqa: E402
                     pvs_tls, retrieve, secret_file, smtp_error, world_test_args, wrap_up)

import poplib  # noqa: E402
import smtplib  # noqa: E402

PASSWORD = "Praxis-C.Upkeep2026!"


def main():
    args = world_test_args(("--kimctl", {"required": True}))
    t = Failures()
    t0 = time.monotonic()
    w = load_world()
    c = w["participants"]["praxis_c"]
    fd = w["providers"][c["provider"]]
    domain = fd["domain"]
    letter_c = next(x for x in w["registration_letters"] if x["participant"] == "praxis_c" and x["provider"] == c["provider"])
    kas_control(fd["kas"], "/accounts/reset", {})
    kg = Kimgated(args.kimgated, args.source, w)
    secrets = os.path.join(kg.work, "secrets")
    kimctl = kimctl_runner(args.kimctl, kg.config)
    address = f"B-{c['bsnr']}.KVH@{domain}"

    def am_account():
        listing = kas_control(fd["kas"], "/accounts").get("accounts", [])
        return next((x for x in listing if x["address"].lower() == address.lower()), {})

    def registry_entry():
        r, listed = kimctl("account", "list", "--json")
        return next((x for x in (listed or {}).get("accounts", []) if x["address"].lower() == address.lower()), {})

    def fetch_all(names):
        box = poplib.POP3_SSL("127.0.0.1", kg.pop3s, context=pvs_tls(), timeout=180)
        box.user(names["pop3"])
        box.pass_(PASSWORD)
        got = [retrieve(box, n) for n in range(1, box.stat()[0] + 1)]
        box.quit()
        return got

    def message_id(raw):
        return email.message_from_bytes(raw).get("Message-ID", "")

    def wait_for(predicate, deadline_s=60):
        deadline = time.monotonic() + deadline_s
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.5)
        return predicate()

    try:
        t.check(kg.start(), "kimgated is ready")
        kas_control(fd["kas"], "/cert-days", {"days": 20})
        good = secret_file(secrets, "password", PASSWORD)
        ini = secret_file(secrets, "ini", letter_c["initial_password"])
        r, body = kimctl("account", "register", "--card", c["card"]["iccsn"], "--address", address,
                         "--bcc-acknowledged", "--initial-password-file", ini, "--reference-id",
                         letter_c["reference_id"], "--password-file", good, "--kim-version", "1.0", "--json")
        t.check(r.returncode == 0 and body and body.get("ok"), f"practice C registers with KIM 1.0 ({r.stdout[:400]} {r.stderr[:400]})")
        first = registry_entry()
        t.check(first.get("certificate_not_after", "") < time.strftime("%Y-%m-%d", time.gmtime(time.time() + 21 * 86400)),
                f"its first certificate expires within 20 days ({first.get('certificate_not_after')})")
        t.check(am_account().get("kim_version") == "1.0", f"the account is registered with 1.0 ({am_account()})")
        kas_control(fd["kas"], "/cert-days", {"days": 730})

        # The PVS logs in (SMTP, as the user name pvs-settings gives): renewal and version update follow.
        r, pvs = kimctl("pvs-settings", "--json")
        names = next((n for n in (pvs or {}).get("user_names", []) if n["address"].lower() == address.lower()), None)
        t.check(names is not None, f"pvs-settings names the account ({pvs})")
        s = smtplib.SMTP_SSL("127.0.0.1", kg.smtps, context=pvs_tls(), timeout=180)
        s.login(names["smtp"], PASSWORD)
        s.quit()
        renewed = wait_for(lambda: registry_entry().get("certificate_sha256") != first.get("certificate_sha256") and
                           registry_entry())
        t.check(bool(renewed) and renewed.get("certificate_not_after", "") > time.strftime(
            "%Y-%m-%d", time.gmtime(time.time() + 365 * 86400)),
            f"the certificate was renewed at the login, valid for about two years ({renewed})")
        t.check(wait_for(lambda: am_account().get("kim_version") == "1.5"),
                f"the VZD entry was brought up to KIM 1.5 through setAccount ({am_account()})")
        t.check(wait_for(lambda: "event=certificate_renewed" in kg.log_text() and
                         "event=own_version_updated" in kg.log_text()),
                "kimgated logs the renewal and the version update")
        t.check(PASSWORD not in kg.log_text(), "no password in kimgated's log")

        # The new certificate is in use at once: a POP3 login presents it (the Account Manager saw it
        # when the upkeep updated the version; here the provider's POP3 accepts the TLS login).
        t.check(isinstance(fetch_all(names), list), "POP3 through kimgated works with the renewed certificate")

        # Renewal failure and a newer version in the VZD: both notices at the next login.
        kas_control(fd["kas"], "/cert-days", {"days": 20})
        r, cert = kimctl("account", "cert", address, "--password-file", good, "--json")
        t.check(r.returncode == 0, f"a short-lived certificate again ({cert} {r.stderr[-300:]})")
        kas_control(fd["kas"], "/fail", {"op": "createCert", "count": 5, "status": 500,
                                          "message": "CMP-Dienst nicht erreichbar"})
        kas_control(fd["kas"], "/vzd-version", {"address": address, "version": "1.6"})
        before = {message_id(m) for m in fetch_all(names)}  # earlier runs may have left mail in the world
        t.check(kg.restart(), "kimgated restarted (its retry state is memory only)")
        fetch_all(names)  # the login that starts the upkeep

        def notices():
            got = [m for m in fetch_all(names) if message_id(m) not in before]
            n4016 = [m for m in got if b"X-KIM-Fehlermeldung: 4016" in m]
            n4017 = [m for m in got if b"X-KIM-Fehlermeldung: 4017" in m]
            return (n4016, n4017) if n4016 and n4017 else None

        found = wait_for(notices, 90) or ([], [])
        n4016, n4017 = found
        t.check(len(n4016) == 1 and b"Fehlertext: CMP-Dienst nicht erreichbar" in n4016[0],
                f"one 4016 notice with the Account Manager's text ({[m[:600] for m in n4016]})")
        t.check(len(n4017) == 1 and b": 1.6\r\n" in n4017[0] and b": 1.5 (kimgate" in n4017[0],
                f"one 4017 notice naming both versions ({[m[:600] for m in n4017]})")
        t.check(all(b"X-KOM-LE-Version" not in m and b"application/pkcs7-mime" not in m for m in n4016 + n4017),
                "the notices are plain mail (unsigned, unencrypted)")
        t.check(am_account().get("kim_version") == "1.5", "a newer VZD version is not overwritten")
        t.check(wait_for(lambda: "event=certificate_renewal_failed" in kg.log_text() and
                         "event=own_version_outdated" in kg.log_text()),
                "kimgated logs the failed renewal and the outdated version")

        # Without fachdienst.client_p12 (the directory keeps its own): the account registered here
        # sends with its own certificate; an account without one is refused with a sentence.
        kas_control(fd["kas"], "/fail", {"op": "createCert", "count": 0})
        m = re.search(r'\[fachdienst\]\n(client_p12 = .*\nclient_p12_password_file = .*\n)', kg.base_config)
        t.check(m is not None, "the world's configuration names fachdienst.client_p12")
        if m:
            moved = kg.base_config.replace(m.group(0), "[fachdienst]\n").replace(
                "[directory]\n", "[directory]\n" + m.group(1))
            t.check(kg.restart(moved), "kimgated runs without fachdienst.client_p12")
            a = w["participants"]["praxis_a"]
            subject = f"Ohne konfiguriertes Zertifikat {time.time()}"
            s = smtplib.SMTP_SSL("127.0.0.1", kg.smtps, context=pvs_tls(), timeout=180)
            s.login(names["smtp"], PASSWORD)
            sent = letter(address, [a["kim_address"]], subject)
            s.send_message(sent)
            s.quit()
            t.check(arrived(w, a, sent["Message-ID"], 120) is not None,
                    "practice C's account sends with its own certificate alone")
            refusal = smtp_error(lambda: kg.smtp(a))
            t.check(refusal is not None and refusal[0] == 454 and "no client certificate for this mailbox" in refusal[1],
                    f"an account without its own certificate is refused with a sentence ({refusal})")
    finally:
        kas_control(fd["kas"], "/fail", {"op": "createCert", "count": 0})
        kas_control(fd["kas"], "/accounts/reset", {})
        wrap_up(t, kg, "account_upkeep", t0)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
