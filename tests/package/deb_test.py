#!/usr/bin/env python3
"""package.deb: the Debian package as an admin meets it. Builds kimgate_<v>.deb and a local
upgrade kimgate_<v>+test1.deb with scripts/package (lintian clean), then on this machine (root):
apt install, the files, owners and modes, the system user, kimctl --version, man -w, the unit
not enabled and its systemd-analyze security score; a conffile edit and a state file survive the
upgrade; apt remove keeps configuration and state; apt purge removes them.
The package is purged again at the end, whatever happened."""
import argparse
import glob
import grp
import os
import pwd
import re
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import Failures  # noqa: E402

APT_ENV = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
EDIT = "# edited by the package test: an admin's change must survive upgrades\n"


def sh(cmd, timeout=600, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)


def installed_version():
    r = sh(["dpkg-query", "-W", "-f=${Status} ${Version}", "kimgate"])
    return r.stdout.strip() if r.returncode == 0 else ""


def purge():
    sh(["apt-get", "purge", "-y", "-qq", "kimgate"], env=APT_ENV)


def mode_owner(path):
    st = os.stat(path)
    return stat.S_IMODE(st.st_mode), pwd.getpwuid(st.st_uid).pw_name, grp.getgrgid(st.st_gid).gr_name


def build(source, out, suffix, t):
    env = dict(os.environ, KIMGATE_PACKAGE_SUFFIX=suffix)
    started = time.monotonic()
    r = sh([os.path.join(source, "scripts", "package"), out], timeout=3600, env=env)
    took = time.monotonic() - started
    deb = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else ""
    t.check(r.returncode == 0 and deb.endswith(".deb") and os.path.exists(deb),
            f"scripts/package{' with suffix ' + suffix if suffix else ''} built {os.path.basename(deb)} "
            f"in {took:.0f} s, lintian clean{'' if r.returncode == 0 else ': ' + r.stderr[-3000:]}")
    return deb


def check_installed(t, version):
    t.check(installed_version() == f"install ok installed {version}", f"kimgate {version} is installed")
    for path in ("/usr/sbin/kimgated", "/usr/bin/kimctl"):
        t.check(os.access(path, os.X_OK) and mode_owner(path) == (0o755, "root", "root"), f"{path} 0755 root")
    for path in ("/lib/systemd/system/kimgated.service", "/usr/lib/sysusers.d/kimgate.conf",
                 "/usr/lib/tmpfiles.d/kimgate.conf", "/usr/share/bash-completion/completions/kimctl",
                 "/usr/share/man/man8/kimgated.8.gz", "/usr/share/man/man8/kimctl.8.gz",
                 "/usr/share/man/man5/kimgate.toml.5.gz", "/usr/share/doc/kimgate/copyright"):
        t.check(os.path.isfile(path), f"{path} installed")
    r = sh(["dpkg-query", "-W", "-f=${Conffiles}", "kimgate"])
    t.check("/etc/kimgate/kimgate.toml" in r.stdout, "/etc/kimgate/kimgate.toml is a conffile")
    t.check(mode_owner("/etc/kimgate") == (0o750, "root", "kimgate"), f"/etc/kimgate 0750 root:kimgate "
            f"({mode_owner('/etc/kimgate')})")
    t.check(mode_owner("/var/lib/kimgate") == (0o700, "kimgate", "kimgate"), f"/var/lib/kimgate 0700 kimgate "
            f"({mode_owner('/var/lib/kimgate')})")
    r = sh(["kimctl", "--version"])
    t.check(r.returncode == 0 and r.stdout.strip() == f"kimctl {version.split('+')[0]}",
            f"kimctl --version: {r.stdout.strip()!r}")
    r = sh(["kimgated", "--version"])
    t.check(r.returncode == 0 and r.stdout.strip().startswith("kimgated "), f"kimgated --version: {r.stdout.strip()!r}")
    for page in ("kimctl", "kimgated", "kimgate.toml"):
        r = sh(["man", "-w", page])
        t.check(r.returncode == 0 and "/usr/share/man/" in r.stdout, f"man -w {page}: {r.stdout.strip()}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--prebuilt", nargs=2, metavar=("DEB", "UPGRADE_DEB"),
                    help="skip scripts/package and test these two packages (when debugging the test)")
    args = ap.parse_args()
    t = Failures()
    if os.geteuid() != 0:
        print("package.deb needs root (apt install)")
        return 1
    if installed_version():
        print(f"kimgate is installed already ({installed_version()}); purging it first")
        purge()
    os.makedirs(args.out, exist_ok=True)
    for old in glob.glob(os.path.join(args.out, "kimgate*.*deb")) if not args.prebuilt else []:
        os.unlink(old)
    if args.prebuilt:
        deb, upgrade = (os.path.abspath(p) for p in args.prebuilt)
    else:
        deb = build(args.source, args.out, "", t)
        upgrade = build(args.source, args.out, "+test1", t)
    if not (deb and upgrade):
        return t.finish()
    version = re.match(r"kimgate_([^_]+)_", os.path.basename(deb)).group(1)
    try:
        # Install.
        r = sh(["apt-get", "install", "-y", "-qq", deb], env=APT_ENV)
        t.check(r.returncode == 0, f"apt install {os.path.basename(deb)} ({r.stderr.strip()[-500:]})")
        check_installed(t, version)
        user = pwd.getpwnam("kimgate") if "kimgate" in [p.pw_name for p in pwd.getpwall()] else None
        t.check(user is not None and user.pw_uid < 1000 and user.pw_dir == "/var/lib/kimgate" and
                user.pw_shell.endswith("nologin"), f"system user kimgate ({user})")
        t.check(not glob.glob("/etc/systemd/system/*.wants/kimgated.service"),
                "kimgated.service is not enabled on installation")
        r = sh(["systemd-analyze", "security", "--offline=true", "/lib/systemd/system/kimgated.service"])
        m = re.search(r"Overall exposure level for kimgated.service: ([0-9.]+)", r.stdout + r.stderr)
        t.check(m is not None and float(m.group(1)) <= 2.0,
                f"systemd-analyze security --offline: {m.group(1) if m else r.stdout[-300:]} (at most 2.0)")
        # The shipped configuration is valid and listens on loopback only, the web page off.
        r = sh(["runuser", "-u", "kimgate", "--", "kimctl", "--config", "/etc/kimgate/kimgate.toml", "config", "show"])
        t.check(r.returncode == 0, f"the kimgate user reads and checks /etc/kimgate/kimgate.toml ({r.stderr.strip()})")
        addresses = re.findall(r'^pvs\.listener\[\d+\]\.address\s+=\s+"([^"]+)"', r.stdout, re.M)
        t.check(addresses and all(a.startswith("127.") or a == "::1" for a in addresses),
                f"the example configuration listens on loopback only ({addresses})")
        t.check(re.search(r"^web\.enabled\s+=\s+false", r.stdout, re.M) is not None, "the web page is off")
        # A state file made by the installed tool as the service user: the web admin password hash.
        with open("/tmp/kimgate-package-test.pass", "w") as f:
            f.write("Package-test-passw0rd!\n")
        os.chmod("/tmp/kimgate-package-test.pass", 0o644)
        r = sh(["runuser", "-u", "kimgate", "--", "kimctl", "--config", "/etc/kimgate/kimgate.toml", "web", "password",
                "--password-file", "/tmp/kimgate-package-test.pass"])
        os.unlink("/tmp/kimgate-package-test.pass")
        state = "/var/lib/kimgate/web-admin.argon2"
        t.check(r.returncode == 0 and os.path.exists(state) and mode_owner(state) == (0o600, "kimgate", "kimgate"),
                f"kimctl web password as kimgate writes {state} 0600 kimgate ({r.stderr.strip()[-300:]})")
        state_before = open(state).read() if os.path.exists(state) else None

        # Upgrade over itself with the admin's edit.
        with open("/etc/kimgate/kimgate.toml", "a") as f:
            f.write(EDIT)
        uid_before = user.pw_uid if user else None
        r = sh(["apt-get", "install", "-y", "-qq", upgrade], env=APT_ENV)
        t.check(r.returncode == 0, f"apt install {os.path.basename(upgrade)} as an upgrade ({r.stderr.strip()[-500:]})")
        check_installed(t, version + "+test1")
        t.check(open("/etc/kimgate/kimgate.toml").read().endswith(EDIT), "the upgrade kept the edited conffile")
        t.check(os.path.exists(state) and open(state).read() == state_before, "the upgrade kept the state")
        t.check(pwd.getpwnam("kimgate").pw_uid == uid_before, "the upgrade kept the user")

        # Remove: programs gone, configuration and state kept.
        r = sh(["apt-get", "remove", "-y", "-qq", "kimgate"], env=APT_ENV)
        t.check(r.returncode == 0 and installed_version().startswith("deinstall ok config-files"),
                f"apt remove ({installed_version()})")
        t.check(not os.path.exists("/usr/sbin/kimgated"), "remove deleted kimgated")
        t.check(os.path.exists("/etc/kimgate/kimgate.toml") and open("/etc/kimgate/kimgate.toml").read().endswith(EDIT),
                "remove kept /etc/kimgate/kimgate.toml with the edit")
        t.check(os.path.exists(state), "remove kept /var/lib/kimgate")

        # Purge: configuration and state gone.
        r = sh(["apt-get", "purge", "-y", "-qq", "kimgate"], env=APT_ENV)
        t.check(r.returncode == 0 and installed_version() == "", f"apt purge ({r.stderr.strip()[-300:]})")
        t.check(not os.path.exists("/etc/kimgate"), "purge removed /etc/kimgate")
        t.check(not os.path.exists("/var/lib/kimgate"), "purge removed /var/lib/kimgate")
    finally:
        if installed_version():
            purge()
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
