#!/usr/bin/env python3
"""The registration of practice C through the admin page's setup assistant in a real headless
Chromium, in the kv.dox order: Konnektor test, cards and PINs, registration (card, provider,
address proposal B-<BSNR>.<KV>@<domain>, password twice, Bcc acknowledgement, referenceID and
initial password when the provider asks), the certificate, the PVS's user names and settings.
A screenshot of each step is kept under build/artifacts/web/register. Skips (exit 77) with the
reason when the daemon has no account.* ops yet or the world has no practice C."""
import json
import os
import re
import socket
import sys
import time

import browser
from harness import Failures, kas_control, load_world

ACCOUNT_PASSWORD = "Praxis-C-Kim-2026!sicher"


def control(config, request):
    """One request on kimgated's control socket (the path from the configuration)."""
    path = None
    with open(config) as f:
        for line in f:
            m = re.match(r'\s*control_socket\s*=\s*"([^"]+)"', line)
            if m:
                path = m.group(1)
    path = path or "/run/kimgate/control.sock"
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(60)
    s.connect(path)
    s.sendall((json.dumps(request) + "\n").encode())
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    lines = [json.loads(l) for l in data.decode().splitlines() if l.strip()]
    return [l for l in lines if "progress" not in l][-1]


def main():
    args = browser.test_args()
    started = time.monotonic()
    t = Failures()
    w = load_world()
    practice = w.get("participants", {}).get("praxis_c")
    if not practice:
        browser.skip("the test world has no practice C (participants.praxis_c, branch amworld) yet")
    letter = next((l for l in w.get("registration_letters", [])
                   if l.get("participant") == "praxis_c" and l.get("provider") == practice.get("provider")), None)
    if not letter:
        browser.skip("the test world has no registration letter for practice C (registration_letters, amworld)")
    fd = w["providers"][letter["provider"]]
    domain = fd["domain"]
    kas_control(fd["kas"], "/accounts/reset", {})  # the Account Manager without earlier registrations
    kg, _, base = browser.start_kimgated(args, w, cards=["praxis_a", "praxis_c"])
    b = None
    try:
        context = control(kg.config, {"op": "account.context"})
        if "unknown op" in context.get("error", ""):
            browser.skip("kimgated has no account.* ops yet (branch amflows): " + context["error"])
        iccsn = practice["card"]["iccsn"]
        cards = [c["iccsn"] for c in context.get("cards", [])]
        t.check(iccsn in cards, f"account.context offers practice C's card {iccsn}: {cards}")
        b = browser.Browser(os.path.join(args.artifacts, "register"))
        b.get(base + "/login")
        b.find("#password").send_keys(browser.ADMIN_PASSWORD)
        b.submit()
        t.check(b.driver.current_url == base + "/", "logged in")
        b.shot("overview-before")

        b.get(base + "/setup/1")
        t.check("läuft und erreicht diese Konnektoren" in b.text(), "1. Konnektor test passes")
        b.shot("step1-konnektor")

        b.get(base + "/setup/2")
        forms = [f for f in b.finds("form[action='/setup/2']") if iccsn in f.get_attribute("innerHTML")]
        if forms:
            b.click(forms[0].find_element("css selector", "button"))
            t.check(f"Die Karte {iccsn} ist freigeschaltet" in b.text(), "2. practice C's card PIN verified")
        else:
            t.check("PIN verifiziert" in b.text(), "2. practice C's card is already verified")
        b.shot("step2-cards")

        b.get(base + "/setup/3")
        from selenium.webdriver.support.ui import Select
        Select(b.find("#card")).select_by_value(iccsn)
        providers = [o.get_attribute("value") for o in b.finds("#provider option")]
        t.check(domain in providers, f"3. the provider {domain} of the letter is offered: {providers}")
        if domain in providers:
            Select(b.find("#provider")).select_by_value(domain)
        b.shot("step3-choose-card")
        b.submit("form[action='/setup/3'] button")
        t.check(b.finds("#editable_part"), "3. address proposals shown")
        if not b.finds("#editable_part"):
            b.shot("step3-failed")
            return t.finish()
        editable = b.find("#editable_part").get_attribute("value")
        suffix = b.find("input[name=fixed_suffix]").get_attribute("value")
        address = editable + suffix
        t.check(re.fullmatch(rf"B-{practice['bsnr']}\.[A-Za-z-]+@{re.escape(domain)}", address) is not None,
                f"3. the proposal is B-<BSNR>.<KV>@<domain>: {address}")
        t.check("Regel des Anbieters" in b.text(), "3. the provider's password policy is shown")
        b.find("#password").send_keys(ACCOUNT_PASSWORD)
        b.find("#password2").send_keys(ACCOUNT_PASSWORD)
        if b.finds("#reference_id"):
            b.find("#reference_id").send_keys(letter["reference_id"])
        if b.finds("#initial_password"):
            b.find("#initial_password").send_keys(letter["initial_password"])
        b.find("input[name=bcc_acknowledged]").click()
        b.shot("step3-register-form")
        b.submit("#register button")
        ok = "ist registriert" in b.text()
        t.check(ok, f"3. {address} registered through the page")
        b.shot("step4-certificate" if ok else "step3-register-failed")
        if not ok:
            print(b.find("main").text)
            return t.finish()
        t.check("SHA-256 des Zertifikats" in b.text() and "gültig bis" in b.text(),
                "4. the installed certificate's expiry and fingerprint are shown")
        b.click(b.find("a.next"))
        t.check(address in b.text() and "#" in b.find("main").text, "5. the PVS user names for the address")
        b.shot("step5-user-names")
        b.get(base + "/setup/6")
        t.check("Fingerabdruck" in b.text() and re.search(r"[0-9a-fA-F:]{64,}", b.find("main").text) is not None,
                "6. the PVS settings with the certificate fingerprint to pin")
        b.shot("step6-settings")
        b.get(base + "/")
        t.check(address in b.text(), "the overview lists the new address")
        b.shot("overview-after")
        browser.check_no_leaks(t, b, kg, [ACCOUNT_PASSWORD, browser.ADMIN_PASSWORD, letter["initial_password"],
                                          practice["card"].get("user_pin", "")])
    finally:
        browser.wrap_up(t, kg, b, "browser_register", started)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
