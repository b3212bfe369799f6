#!/usr/bin/env python3
"""The admin page in a real headless Chromium: login (a wrong password refused, then the right
one), the session cookie's attributes, the cards page of the setup assistant with a PIN
verification, a POST without a CSRF token and one with a wrong token refused with 403, a
cross-site POST carrying the session cookie refused, logout ending the session, and that no
password or PIN appears in any page or response the browser got (every body through the
DevTools protocol) nor in kimgated's log."""
import http.client
import os
import sys
import time
import urllib.parse

import browser
from harness import Failures, letter, load_world


def raw_post(base, path, body, cookie=""):
    u = urllib.parse.urlparse(base)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if cookie:
        headers["Cookie"] = cookie
    c.request("POST", path, body=body, headers=headers)
    r = c.getresponse()
    return r.status, r.read().decode(errors="replace"), dict(r.getheaders())


def main():
    args = browser.test_args()
    started = time.monotonic()
    t = Failures()
    w = load_world()
    artifacts = os.path.join(args.artifacts, "login")
    kg, hash_file, base = browser.start_kimgated(args, w)
    b = None
    try:
        mode = os.stat(hash_file).st_mode & 0o777
        with open(hash_file) as f:
            stored = f.read()
        t.check(mode == 0o600 and stored.startswith("$argon2id$") and browser.ADMIN_PASSWORD not in stored,
                f"kimctl web password stored an Argon2id hash, mode {oct(mode)}")
        b = browser.Browser(artifacts)
        b.get(base + "/")
        t.check(b.driver.current_url == base + "/login" and "Admin-Passwort" in b.text(),
                f"without a login / leads to the login page ({b.driver.current_url})")
        b.shot("login")
        b.find("#password").send_keys("Falsches-Passwort-1")
        b.submit()
        t.check("Das Passwort ist falsch" in b.text(), "a wrong password is refused with a sentence")
        t.check(b.find("#password").get_attribute("value") == "", "the password input is not re-filled")
        b.shot("login-refused")
        before = time.monotonic()
        b.find("#password").send_keys(browser.ADMIN_PASSWORD)
        b.submit()
        waited = time.monotonic() - before
        t.check(b.driver.current_url == base + "/" and "Übersicht" in b.text(),
                f"the right password logs in (after the failure delay of {waited:.1f} s)")
        t.check(waited >= 1.5, "the login after a failure waited (limits.login_failure_delay, 2 s)")
        b.shot("overview")
        cookies = {c["name"]: c for c in b.driver.get_cookies()}
        s = cookies.get("kimgate_session", {})
        t.check(s.get("httpOnly") is True and s.get("sameSite") == "Strict" and s.get("path") == "/"
                and len(s.get("value", "")) == 64, f"session cookie HttpOnly, SameSite=Strict, Path=/: {s}")
        session_cookie = f"kimgate_session={s.get('value', '')}"
        headers = next((r["headers"] for r in b.responses if r["url"] == base + "/" and r["status"] == 200), "")
        for h in ("default-src 'self'", '"X-Frame-Options": "DENY"', '"Referrer-Policy": "no-referrer"',
                  '"Cache-Control": "no-store"'):
            t.check(h.lower() in headers.lower(), f"the overview is served with {h}")

        b.get(base + "/setup/1")
        t.check("kimgated" in b.text() and "Konnektor" in b.text(), "step 1 shows the Konnektor test")
        b.shot("setup-1-konnektor")
        b.get(base + "/setup/2")
        smcb = w["participants"]["praxis_a"]["card"]["iccsn"]
        t.check(smcb in b.text() and "PIN nicht verifiziert" in b.text(), "step 2 lists the SMC-B, PIN not verified")
        b.shot("setup-2-cards")
        unlock = [f for f in b.finds("form[action='/setup/2']") if smcb in f.get_attribute("innerHTML")]
        t.check(len(unlock) == 1, "the SMC-B has a 'PIN verifizieren' form")
        if unlock:
            b.click(unlock[0].find_element("css selector", "button"))
            t.check(f"Die Karte {smcb} ist freigeschaltet" in b.text(), "PIN verification through the page")
            b.shot("setup-2-unlocked")

        # A POST whose form lost its CSRF token, and one with a wrong token: 403, nothing done.
        b.get(base + "/setup/2")
        b.driver.execute_script("document.querySelectorAll('input[name=csrf]').forEach(e => e.remove());")
        b.submit("form.logout button")
        t.check("kein gültiges Sicherheitsmerkmal" in b.text() and "CSRF" in b.text(),
                "a POST without the CSRF token is refused (403 page with a sentence)")
        status = next((r["status"] for r in reversed(b.responses) if r["url"] == base + "/logout"), None)
        t.check(status == 403, f"... with status 403 ({status})")
        b.shot("csrf-missing")
        b.get(base + "/setup/2")
        b.driver.execute_script("document.querySelectorAll('input[name=csrf]').forEach(e => e.value = 'f'.repeat(64));")
        b.submit("form.logout button")
        status = next((r["status"] for r in reversed(b.responses) if r["url"] == base + "/logout"), None)
        t.check(status == 403 and "CSRF" in b.text(), f"a POST with a wrong CSRF token is refused ({status})")
        b.get(base + "/")
        t.check(b.driver.current_url == base + "/", "the session survived the refused POSTs (no logout happened)")
        st, body, _ = raw_post(base, "/setup/2", "action=unlock&iccsn=" + smcb, session_cookie)
        t.check(st == 403, f"a cross-site POST with the session cookie but no token is refused ({st})")

        b.get(base + "/setup/5")
        b.shot("setup-5-user-names")
        b.get(base + "/setup/6")
        b.shot("setup-6-settings")
        # Tracking (issue 18): a routed eAU becomes a Vorgang on the "Vorgänge" page.
        a, kasse = w["participants"]["praxis_a"], w["participants"]["kasse"]
        eau = letter(a["kim_address"], [f"eau-{kasse['ik']}@route.kimgate.invalid"], "eAU für die Vorgangsseite")
        s = kg.smtp(a)
        s.send_message(eau)
        s.quit()
        b.get(base + "/track")
        b.shot("track")
        rows = [r.text for r in b.finds("table tr")]
        t.check(any("eau" in r and "gesendet" in r and kasse["kim_address"].split("@")[1] in r for r in rows),
                f"the Vorgänge page lists the routed eAU as sent to the insurer ({rows[:3]})")
        b.click(b.find("table a"))
        detail = {r.find_element("tag name", "th").text: r.find_element("tag name", "td").text
                  for r in b.finds("table tr")}
        t.check(detail.get("Message-ID") == eau["Message-ID"] and detail.get("Dienstkennung", "").startswith("eAU"),
                f"its detail page shows the Message-ID and the Dienstkennung ({detail})")
        b.get(base + "/")
        b.submit("form.logout button")
        t.check(b.driver.current_url == base + "/login", "logout leads to the login page")
        b.get(base + "/")
        t.check(b.driver.current_url == base + "/login", "after logout the pages need a login again")
        st, _, hdrs = raw_post(base, "/logout", "csrf=x", session_cookie)
        t.check(st == 403, f"the old session id is dead ({st})")

        secrets = [browser.ADMIN_PASSWORD, "Falsches-Passwort-1"]
        for p in w["participants"].values():
            card = p.get("card") or {}
            secrets += [card.get("user_pin", ""), card.get("so_pin", ""), card.get("p12_password", ""),
                        p.get("mailbox_password", "")]
        secrets.append(w.get("client_module", {}).get("p12_password", ""))
        log = browser.check_no_leaks(t, b, kg, secrets)
        t.check(len(b.responses) >= 15, f"the browser recorded {len(b.responses)} responses")
        t.check("event=web_csrf_refused" in log and "event=web_login_failed" in log,
                "kimgated logged the refused login and CSRF checks")
    finally:
        browser.wrap_up(t, kg, b, "browser_login", started)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
