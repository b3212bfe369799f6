"""State of one provider's test Account Manager (I_AccountManager_Service 2.4).

Accounts live in memory and in <kas state>/accmgr.json (written atomically after
every change). No plaintext secret is stored: passwords, initial passwords and
OTPs are kept as salted SHA-256 hashes in Dovecot's {SSHA256} form, so the very
same string can stand in Dovecot's passwd-file. The mailbox password itself is
checked against that passwd-file (the one source of truth for POP3, SMTP AUTH,
the KAS and the Account Manager); the state keeps a copy of the hash only for
passwords the Account Manager set, so that `up` can render the passwd-file again.

Test controls: injected failures per operation (like the KAS's), a time shift
for OTP and deregistration expiry, reset.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

OPERATIONS = ("registerAccount", "getAccount", "setAccount", "deregisterAccount", "revokeDeregistration",
              "getOTP", "setTID", "createCert", "getOutOfOffice", "updateOutOfOffice")
KIM_VERSIONS = ("1.0", "1.5", "1.5+")
MAX_ADDRESSES_PER_TID = 100
OTP_VALIDITY = 7 * 86400            # one week (Anwendungsfaelle, FAQ)
DEREGISTRATION_GRACE = 30 * 86400   # A_19464-03: 30 days until the final deletion
MAX_MAIL_SIZE = 734003200


def ssha256(secret: str, salt: bytes | None = None) -> str:
    """Dovecot's {SSHA256}: base64(SHA-256(secret || salt) || salt)."""
    salt = salt if salt is not None else secrets.token_bytes(8)
    return "{SSHA256}" + base64.b64encode(hashlib.sha256(secret.encode() + salt).digest() + salt).decode()


def secret_matches(stored: str | None, given: str) -> bool:
    """stored: a passwd-file password field, {SSHA256}… or plain (the seeded test mailboxes)."""
    if stored is None:
        return False
    if stored.startswith("{SSHA256}"):
        raw = base64.b64decode(stored[len("{SSHA256}"):])
        return hmac.compare_digest(ssha256(given, raw[32:]), stored)
    if stored.startswith("{PLAIN}"):
        stored = stored[len("{PLAIN}"):]
    return hmac.compare_digest(stored.encode(), given.encode())


@dataclass
class Account:
    address: str
    telematik_id: str
    kim_version: str = "1.5"
    data_time_to_live: int = 90
    reg_stat: str = "registered"          # registered | deregistered
    dereg_date: int | None = None
    password_hash: str | None = None       # set when the Account Manager set the password
    reference_id: str | None = None
    seeded: bool = False                   # one of the world's own mailboxes (world.json)
    no_vzd_mail_entry: bool = False
    created: float = field(default_factory=time.time)
    otp_hash: str | None = None
    otp_expires: float | None = None
    out_of_office: dict | None = None      # {startDate, endDate, message, active}
    seed_telematik_ids: list[str] = field(default_factory=list)

    def view(self) -> dict:
        """Control-API view: no secrets."""
        d = asdict(self)
        for k in ("password_hash", "otp_hash"):
            d.pop(k)
        d["otp_pending"] = self.otp_hash is not None
        return d

    def account_json(self) -> dict:
        """getAccount's Account object (AccountManager.yaml 2.4.0)."""
        out = {"username": self.address, "kimVersion": self.kim_version, "regStat": self.reg_stat,
               "maxMailSize": MAX_MAIL_SIZE, "dataTimeToLive": self.data_time_to_live,
               "noVzdMailEntry": self.no_vzd_mail_entry}
        if self.dereg_date is not None:
            out["deregDate"] = self.dereg_date
        return out


@dataclass
class Fault:
    remaining: int
    status: int
    message: str


class AccountStore:
    def __init__(self, cfg: dict):
        self.cfg = cfg
        self.path = Path(cfg["state_file"])
        self.lock = threading.RLock()
        self.accounts: dict[str, Account] = {}
        self.faults: dict[str, Fault] = {}
        self.time_shift = 0.0
        self._load()

    # --- time ------------------------------------------------------------------------------
    def now(self) -> float:
        """The Account Manager's clock for OTP and deregistration expiry (test-shiftable)."""
        return time.time() + self.time_shift

    # --- persistence ---------------------------------------------------------------------------
    def seed_accounts(self) -> dict[str, Account]:
        out = {}
        for s in self.cfg["seed_accounts"]:
            out[s["address"].lower()] = Account(
                address=s["address"], telematik_id=s["telematik_ids"][0], kim_version=s["kim_version"] or "1.0",
                data_time_to_live=s["data_time_to_live"], seeded=True, created=0.0,
                seed_telematik_ids=list(s["telematik_ids"]))
        return out

    def _load(self) -> None:
        self.accounts = self.seed_accounts()
        if self.path.exists():
            data = json.loads(self.path.read_text(encoding="utf-8"))
            for a in data.get("accounts", []):
                acc = Account(**a)
                self.accounts[acc.address.lower()] = acc

    def save(self) -> None:
        with self.lock:
            data = {"accounts": [asdict(a) for a in self.accounts.values()]}
            tmp = self.path.with_suffix(".json.tmp")
            tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
            tmp.chmod(0o600)
            tmp.replace(self.path)

    # --- lookups -----------------------------------------------------------------------------
    def get(self, address: str) -> Account | None:
        return self.accounts.get(address.lower())

    def count_for(self, telematik_id: str) -> int:
        return sum(1 for a in self.accounts.values() if a.telematik_id == telematik_id)

    def telematik_ids_of(self, acc: Account) -> set[str]:
        """Whose card may administer the account: its Telematik-ID (two for the world's
        two-Telematik-ID awkward case, as long as it was not ported)."""
        return {acc.telematik_id} | (set(acc.seed_telematik_ids) if acc.seeded else set())

    def letter(self, reference_id: str) -> dict | None:
        for l in self.cfg["letters"]:
            if l["reference_id"] == reference_id:
                return l
        return None

    def listing(self) -> list[dict]:
        with self.lock:
            return [a.view() for a in sorted(self.accounts.values(), key=lambda a: a.address)]

    # --- OTP -----------------------------------------------------------------------------------
    def new_otp(self, acc: Account) -> str:
        """A new OTP replaces the previous one (FAQ); returned once, stored hashed."""
        otp = secrets.token_urlsafe(18)
        acc.otp_hash = ssha256(otp)
        acc.otp_expires = self.now() + OTP_VALIDITY
        return otp

    # --- injected failures ---------------------------------------------------------------------
    def set_fault(self, op: str, count: int, status: int, message: str) -> None:
        with self.lock:
            if count <= 0:
                self.faults.pop(op, None)
            else:
                self.faults[op] = Fault(count, status, message)

    def take_fault(self, op: str) -> Fault | None:
        with self.lock:
            for key in (op, "any"):
                f = self.faults.get(key)
                if f:
                    f.remaining -= 1
                    if f.remaining <= 0:
                        del self.faults[key]
                    return f
        return None

    def settings(self) -> dict:
        with self.lock:
            return {"faults": {k: asdict(v) for k, v in self.faults.items()}, "time_shift": self.time_shift,
                    "accounts": len(self.accounts)}
