"""Shared parts of the browser tests: kimgated with the admin page enabled against the test
world, the admin password set through `kimctl web password`, and a headless Chromium (Debian's
chromium + chromium-driver through python3-selenium) that records every response body it gets,
so that a test can prove no password or PIN ever reached the browser."""
import argparse
import json
import os
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEBIAN_PYTHON = "/usr/bin/python3"

# python3-selenium is Debian's: when another interpreter runs this (pyenv, a venv), run again
# with Debian's, which has it.
try:
    import selenium  # noqa: F401
except ImportError:
    if os.path.realpath(sys.executable) != os.path.realpath(DEBIAN_PYTHON) and os.path.exists(DEBIAN_PYTHON):
        os.execv(DEBIAN_PYTHON, [DEBIAN_PYTHON, os.path.abspath(sys.argv[0])] + sys.argv[1:])
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

from harness import Kimgated, free_ports, run  # noqa: E402

SKIP = 77
ADMIN_PASSWORD = "Admin-Web-Passwort-2026"


def skip(reason):
    print(f"SKIP: {reason}")
    sys.exit(SKIP)


def test_args():
    ap = argparse.ArgumentParser()
    for a in ("--kimgated", "--kimctl", "--source", "--artifacts"):
        ap.add_argument(a, required=True)
    return ap.parse_args()


def wrap_up(t, kg, b, name, started):
    """Closes the browser and kimgated, prints kimgated's log tail when a check failed."""
    if b:
        b.close()
    tail = kg.log_text()[-4000:] if t.failed else ""
    kg.close()
    if tail:
        print(tail)
    print(f"{name} took {time.monotonic() - started:.0f} s")


def check_no_leaks(t, b, kg, secrets):
    """Checks that none of `secrets` is in a response the browser got or in kimgated's log."""
    secrets = [s for s in secrets if s and len(s) >= 4]
    leaks = b.leaks(secrets)
    t.check(not leaks, f"no password or PIN in any of the {len(b.responses)} responses the browser got: {leaks[:3]}")
    log = kg.log_text()
    t.check(not [s for s in secrets if s in log], "no password or PIN in kimgated's log")
    return log


def start_kimgated(args, w, cards=None):
    """kimgated with [web] on a free loopback port and the admin password set; (kg, hash file,
    base_url). `cards`: the participants whose cards the local Konnektor holds (world-config.py
    --cards), default the world-config default."""
    (port,) = free_ports(1)
    kg = Kimgated(args.kimgated, args.source, w)
    if cards:
        r = run([sys.executable, os.path.join(args.source, "scripts", "world-config.py"),
                 os.path.join(os.environ["KIMGATE_WORLD_DIR"], "world.json"), kg.work, "--smtps", str(kg.smtps),
                 "--pop3s", str(kg.pop3s), "--smtp", str(kg.smtp_starttls), "--pop3", str(kg.pop3_starttls),
                 "--cards", ",".join(cards)])
        if r.returncode != 0:
            raise RuntimeError(f"world-config.py --cards failed: {r.stderr}")
    hash_file = os.path.join(kg.work, "web-admin.argon2")
    with open(kg.config, "a") as f:
        f.write(f'\n[web]\nenabled = true\naddress = "127.0.0.1"\nport = {port}\n'
                f'admin_password_hash_file = "{hash_file}"\nsession_idle = "10m"\n')
    secret = os.path.join(kg.work, "admin-password")
    fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(ADMIN_PASSWORD + "\n")
    r = run([args.kimctl, "--config", kg.config, "web", "password", "--password-file", secret])
    os.unlink(secret)
    if r.returncode != 0:
        raise RuntimeError(f"kimctl web password failed: {r.stdout} {r.stderr}")
    if not kg.start():
        raise RuntimeError("kimgated did not become ready:\n" + kg.log_text()[-3000:])
    return kg, hash_file, f"http://127.0.0.1:{port}"


class Browser:
    """Headless Chromium that keeps every response (URL, status, headers, body) it received."""

    def __init__(self, artifacts):
        try:
            from selenium import webdriver
            from selenium.webdriver.chrome.service import Service
        except ImportError:
            skip("python3-selenium is not installed (scripts/setup installs it)")
        driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
        if not os.path.exists(driver_path) or not (shutil.which("chromium") or os.path.exists("/usr/bin/chromium")):
            skip("chromium / chromium-driver are not installed (scripts/setup installs them)")
        opts = webdriver.ChromeOptions()
        for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--window-size=1280,1000", "--password-store=basic", "--no-first-run"):
            opts.add_argument(a)
        opts.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
        opts.set_capability("goog:loggingPrefs", {"performance": "ALL"})
        self.driver = webdriver.Chrome(service=Service(driver_path), options=opts)
        self.driver.execute_cdp_cmd("Network.enable", {})
        self.responses = []  # dicts: url, status, headers (text), body
        self.artifacts = artifacts
        os.makedirs(artifacts, exist_ok=True)
        self.shots = 0

    def collect(self):
        """Moves what the browser received since the last call into self.responses."""
        for entry in self.driver.get_log("performance"):
            msg = json.loads(entry["message"])["message"]
            if msg.get("method") != "Network.responseReceived":
                continue
            p = msg["params"]
            body = ""
            try:
                got = self.driver.execute_cdp_cmd("Network.getResponseBody", {"requestId": p["requestId"]})
                body = got.get("body", "")
            except Exception:  # a redirect or an evicted body: its headers are still scanned
                body = ""
            self.responses.append({"url": p["response"]["url"], "status": p["response"]["status"],
                                   "headers": json.dumps(p["response"].get("headers", {})), "body": body})

    def get(self, url):
        self.driver.get(url)
        self.collect()

    def find(self, css):
        from selenium.webdriver.common.by import By
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def finds(self, css):
        from selenium.webdriver.common.by import By
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def click(self, element):
        """Clicks and waits until the browser has loaded the page that follows."""
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.support.ui import WebDriverWait
        old = self.find("html")
        element.click()

        def replaced(_):
            try:
                old.is_enabled()  # raises once the old document is gone
                return False
            except WebDriverException:  # stale element, or Chrome's "node does not belong to the document"
                return True

        WebDriverWait(self.driver, 120).until(replaced)
        WebDriverWait(self.driver, 120).until(
            lambda d: d.execute_script("return document.readyState") == "complete")
        self.collect()

    def submit(self, css="button[type=submit]"):
        self.click(self.find(css))

    def shot(self, name):
        self.shots += 1
        path = os.path.join(self.artifacts, f"{self.shots:02d}-{name}.png")
        self.driver.save_screenshot(path)
        return path

    def text(self):
        return self.driver.page_source

    def leaks(self, secrets):
        """(url, secret) for every response or page that contains one of `secrets`."""
        self.collect()
        found = []
        for r in self.responses:
            for s in secrets:
                if s and (s in r["body"] or s in r["headers"] or s in r["url"]):
                    found.append((r["url"], s))
        return found

    def close(self):
        self.driver.quit()
