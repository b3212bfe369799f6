"""What the test Account Manager does outside itself: mailboxes in Postfix and
Dovecot, address and KIM version in the VZD (slapd), C.CM.TLS-CS certificates
from the world's PKI.

Mailboxes: a line in Dovecot's passwd-file (`users`, {SSHA256} hash), in the
POP3 deny list (`deny-pop3`: POP3 only with a valid client certificate) and in
Postfix's `vmailbox` texthash map, then a reload (texthash maps are read at
start). Dovecot re-reads a passwd-file when its mtime or size changed, but looks
at most once per second: every rewrite moves the mtime forward by at least a
second, and the call returns only in the next second, so the next login sees the
change. Maildirs are made by Dovecot's LMTP at the first delivery.

VZD: ldapsearch/ldapmodify as the world's admin DN over loopback LDAP. Every
failure is an EffectError (the operation answers 502 for the VZD, 500 else).
"""
from __future__ import annotations

import base64
import datetime as dt
import fcntl
import os
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import model
from pki import Pki, genkey
from worldcfg import Layout


class EffectError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def _run(args: list[str], what: str, status: int, input: bytes | None = None,
         env: dict | None = None) -> subprocess.CompletedProcess:
    try:
        res = subprocess.run(args, input=input, capture_output=True, timeout=30, env=env)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise EffectError(status, f"{what}: {e}") from None
    if res.returncode != 0:
        raise EffectError(status, f"{what} failed: {res.stderr.decode(errors='replace').strip()[:300]}")
    return res


# --- mailboxes ------------------------------------------------------------------------------
class Mailboxes:
    def __init__(self, cfg: dict):
        self.users = Path(cfg["users_file"])
        self.deny = Path(cfg["deny_pop3_file"])
        self.vmailbox = Path(cfg["vmailbox_file"])
        self.postfix_conf = cfg["postfix_config_dir"]
        self.postfix_pid = Path(cfg["postfix_pid_file"])
        self.lock = threading.Lock()

    @staticmethod
    def _rewrite(path: Path, address: str | list[str], line: str | None) -> bool:
        """Replace (or drop, line None) the line of address (key before ':' or ' ');
        a list of addresses: drop them all."""
        keys = {a.lower() for a in ([address] if isinstance(address, str) else address)}
        old = path.read_text(encoding="utf-8").splitlines(keepends=True) if path.exists() else []
        out = [l for l in old if l.split(":" if ":" in l else " ", 1)[0].strip().lower() not in keys
               or l.startswith("#")]
        if line is not None:
            out.append(line + "\n")
        if out == old:
            return False
        st = path.stat()
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.writelines(out)
        os.chmod(tmp, st.st_mode & 0o777)
        os.chown(tmp, st.st_uid, st.st_gid)
        stamp = max(time.time(), st.st_mtime + 1)
        os.utime(tmp, (stamp, stamp))
        os.replace(tmp, path)
        return True

    @staticmethod
    def _settle() -> None:
        """Let Dovecot's once-a-second passwd-file check pass the second of the change."""
        time.sleep(1.02 - time.time() % 1)

    def stored_password(self, address: str) -> str | None:
        for line in self.users.read_text(encoding="utf-8").splitlines():
            addr, sep, rest = line.partition(":")
            if sep and addr.lower() == address.lower():
                return rest.split(":", 1)[0]
        return None

    def set_password(self, address: str, password_hash: str) -> None:
        # Dovecot looks users up lower-cased (auth_username_format %Lu): mixed-case addresses such
        # as the proposal B-<BSNR>.KVH@... must be keyed lower-case (addresses compare case-insensitively).
        with self.lock:
            self._rewrite(self.users, address, f"{address.lower()}:{password_hash}")
            self._settle()

    def create(self, address: str, password_hash: str) -> None:
        """Mailbox that can receive and be fetched at once."""
        with self.lock:
            self._rewrite(self.users, address, f"{address.lower()}:{password_hash}")
            self._rewrite(self.deny, address, f"{address.lower()}:")
            if self._rewrite(self.vmailbox, address, f"{address} {address}"):
                self.reload_postfix()
            self._settle()

    def remove(self, address: str | list[str]) -> None:
        with self.lock:
            self._rewrite(self.users, address, None)
            self._rewrite(self.deny, address, None)
            if self._rewrite(self.vmailbox, address, None):
                self.reload_postfix()
            self._settle()

    def reload_postfix(self) -> None:
        """SIGHUP to the master is what `postfix reload` sends after a second of checks."""
        try:
            os.kill(int(self.postfix_pid.read_text().split()[0]), signal.SIGHUP)
        except (OSError, ValueError, IndexError):
            _run(["postfix", "-c", self.postfix_conf, "reload"], "postfix reload", 500)


# --- the VZD ----------------------------------------------------------------------------------
def kim_values(address: str, version: str) -> dict[str, str | None]:
    """komLeData and kimData as the world's seeded entries carry them: komLeData
    `<version>,<mail>`; kimData `<mail>,<version without +>` for 1.5 and later."""
    return {"komLeData": f"{version},{address}",
            "kimData": None if version == "1.0" else f"{address},{version.rstrip('+')}"}


class Vzd:
    def __init__(self, cfg: dict):
        self.url = cfg["ldap_url"]
        self.base = cfg["ldap_base"]
        self.admin_dn = cfg["ldap_admin_dn"]
        self.admin_pw = cfg["ldap_admin_password"]
        self.lock = threading.Lock()

    def search(self, flt: str, attrs: list[str]) -> list[dict[str, list[str]]]:
        res = _run(["ldapsearch", "-x", "-LLL", "-o", "ldif-wrap=no", "-H", self.url, "-b", self.base, flt, *attrs],
                   "VZD search", 502)
        entries, cur = [], None
        for line in res.stdout.decode().splitlines():
            if not line.strip():
                cur = None
                continue
            name, _, value = line.partition(":")
            if value.startswith(":"):
                value = base64.b64decode(value[1:].strip()).decode(errors="replace")
            else:
                value = value.strip()
            if name == "dn":
                cur = {"dn": [value]}
                entries.append(cur)
            elif cur is not None:
                cur.setdefault(name, []).append(value)
        return entries

    def entry(self, telematik_id: str) -> dict[str, list[str]] | None:
        found = self.search(f"(telematikID={telematik_id})", ["telematikID", "mail", "komLeData", "kimData", "active"])
        return found[0] if found else None

    def is_active(self, telematik_id: str) -> bool | None:
        """None: no entry for the Telematik-ID."""
        e = self.entry(telematik_id)
        if e is None:
            return None
        return e.get("active", ["TRUE"])[0].upper() != "FALSE"

    def modify(self, ldif: str) -> None:
        _run(["ldapmodify", "-x", "-H", self.url, "-D", self.admin_dn, "-w", self.admin_pw],
             "VZD update", 502, input=ldif.encode())

    @staticmethod
    def _stamp() -> str:
        return f"replace: changeDateTime\nchangeDateTime: {dt.datetime.now().astimezone().isoformat()}\n-\n"

    def place(self, address: str, telematik_id: str | None, version: str, visible: bool = True) -> None:
        """The address's mail/komLeData/kimData values stand in the entry of telematik_id
        only (None or not visible: in no entry)."""
        with self.lock:
            found = self.search(f"(|(mail={address})(telematikID={telematik_id or '-none-'}))",
                                ["telematikID", "mail", "komLeData", "kimData"])
            want = kim_values(address, version)
            for e in found:
                target = visible and telematik_id is not None and telematik_id in e.get("telematikID", [])
                ops = []
                for attr in ("mail", "komLeData", "kimData"):
                    have = [v for v in e.get(attr, []) if address.lower() in v.lower()]
                    keep = {"mail": address, **want}[attr] if target else None
                    drop = [v for v in have if v != keep]
                    if drop:
                        ops.append(f"delete: {attr}\n" + "".join(f"{attr}: {v}\n" for v in drop) + "-\n")
                    if keep and keep not in have:
                        ops.append(f"add: {attr}\n{attr}: {keep}\n-\n")
                if ops:
                    self.modify(f"dn: {e['dn'][0]}\nchangetype: modify\n" + "".join(ops) + self._stamp())

    def set_active(self, telematik_id: str, active: bool) -> bool:
        e = self.entry(telematik_id)
        if e is None:
            return False
        if active:
            op = "delete: active\n-\n" if "active" in e else ""
        else:
            op = "replace: active\nactive: FALSE\n-\n"
        if op:
            self.modify(f"dn: {e['dn'][0]}\nchangetype: modify\n{op}")
        return True


# --- C.CM.TLS-CS from the world PKI -----------------------------------------------------------
CERT_DAYS = 2 * 365


class CertFactory:
    """createCert: a C.CM.TLS-CS issued by the world's component CA (`komp`, which also
    issued the world's own C.CM.TLS-CS), recorded in its openssl-ca database, so OCSP
    and the CRL know it; returned as PKCS#12 (AES-256/PBKDF2, or unencrypted without
    certPassword)."""

    def __init__(self, cfg: dict):
        self.pki = Pki(Layout(Path(cfg["world_dir"])), cfg["world_ports"])
        self.tmp_root = Path(cfg["state_dir"])
        self.lock = threading.Lock()
        self.days = CERT_DAYS   # control POST /cert-days: shorter for the doctor's expiry test

    def issue(self, common_name: str, cert_password: str | None) -> bytes:
        with self.lock, tempfile.TemporaryDirectory(dir=self.tmp_root, prefix="cert-") as d:
            d = Path(d)
            key, csr, cert = d / "key.pem", d / "req.csr", d / "cert.pem"
            lock = open(self.pki.ca_dir("komp") / ".issue.lock", "w")   # both providers share the CA
            try:
                fcntl.flock(lock, fcntl.LOCK_EX)
                genkey(key, "rsa")
                self.pki.csr(key, {"C": "DE", "O": "KIM test client module NOT-VALID", "CN": f"{common_name}#CM"}, csr)
                ext = self.pki.ee_ext("komp", "critical, digitalSignature",
                                      (model.OID_POLICY_GEM_OR_CP, model.OID_CM_TLS_C), eku="clientAuth",
                                      admission=(None, "Clientmodul", (model.ROLE_CMFD,)))
                self.pki.sign("komp", csr, cert, ext, days=self.days)
            except (RuntimeError, OSError) as e:
                raise EffectError(502, f"the PKI did not issue the certificate: {e}") from None
            finally:
                lock.close()
            args = ["openssl", "pkcs12", "-export", "-inkey", str(key), "-in", str(cert),
                    "-certfile", str(self.pki.chain("komp")), "-name", f"{common_name}#CM"]
            env = dict(os.environ)
            if cert_password is None:
                args += ["-keypbe", "NONE", "-certpbe", "NONE", "-nomac", "-passout", "pass:"]
            else:
                env["KIMGATE_P12_PASS"] = cert_password
                args += ["-passout", "env:KIMGATE_P12_PASS"]
            return _run(args, "PKCS#12 export", 500, env=env).stdout
