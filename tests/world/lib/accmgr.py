"""The test world's Account Manager of one provider: I_AccountManager_Service 2.4
(gematik api-kim AccountManager.yaml 2.4.0) under /AccountMgmt/v2.4/, served on
the provider's accmgr port by kas_server.py (README.md "The Account Manager").

Every operation: an optional injected failure, the JWT (accmgr_jwt, 401), the
headers (400), the account (404), the card's Telematik-ID and the password (401),
then the operation's own checks. Passwords, initial passwords and OTPs travel
base64-encoded (CommonSchemas Password, format byte). Answers: (status, JSON or
None); errors as CommonSchemas Error {"message", "traceId"} by the caller.
"""
from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
import sys
from urllib.parse import unquote

from accmgr_effects import CERT_DAYS, CertFactory, EffectError, Mailboxes, Vzd
from accmgr_jwt import JwtError, JwtVerifier, Verified
from accmgr_store import (DEREGISTRATION_GRACE, KIM_VERSIONS, MAX_ADDRESSES_PER_TID, OPERATIONS, Account,
                          AccountStore, secret_matches, ssha256)

BASE = "/AccountMgmt/v2.4"
LOCAL_PART = re.compile(r"^[A-Za-z0-9._-]{1,64}$")   # A_21455-01
ROUTES = [  # (method, path below /account, operationId)
    ("POST", "", "registerAccount"),
    ("GET", "/{u}", "getAccount"), ("PUT", "/{u}", "setAccount"), ("DELETE", "/{u}", "deregisterAccount"),
    ("PUT", "/{u}/revokeDeregistration", "revokeDeregistration"),
    ("GET", "/{u}/OTP", "getOTP"), ("PUT", "/{u}/telematikID", "setTID"),
    ("POST", "/{u}/cert", "createCert"),
    ("GET", "/{u}/outofoffice", "getOutOfOffice"), ("PUT", "/{u}/outofoffice", "updateOutOfOffice"),
]


class AmError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def log(msg: str) -> None:
    print(f"{dt.datetime.now().isoformat(timespec='milliseconds')} accmgr: {msg}", file=sys.stderr, flush=True)


def route(method: str, path: str) -> tuple[str, str | None]:
    """(operationId, username) or AmError 404/405."""
    rest = path[len(BASE):] if path.startswith(BASE + "/account") else None
    if rest is None:
        raise AmError(404, "resource not available")
    rest = rest[len("/account"):].rstrip("/")
    m = re.fullmatch(r"(?:/([^/]+))?(/[A-Za-z]+)?", rest)
    if not m or (m.group(2) and not m.group(1)):
        raise AmError(404, "resource not available")
    user = unquote(m.group(1)) if m.group(1) else None
    shape = ("/{u}" if user else "") + (m.group(2) or "")
    ops = {meth: op for meth, p, op in ROUTES if p == shape}
    if not ops:
        raise AmError(404, "resource not available")
    if method not in ops:
        raise AmError(405, f"method {method} not allowed here")
    return ops[method], user


def secret_header(headers, name: str) -> str:
    value = headers.get(name)
    if value is None or not value.strip():
        raise AmError(400, f"header {name} missing")
    return decode_secret(value.strip(), f"header {name}")


def decode_secret(value, what: str) -> str:
    if not isinstance(value, str) or len(value) > 256:
        raise AmError(400, f"{what} must be a base64 string of at most 256 characters")
    try:
        return base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        raise AmError(400, f"{what} is not base64-encoded (CommonSchemas Password, format byte)") from None


def parse_time(value, what: str) -> dt.datetime:
    try:
        t = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise AmError(400, f"{what} is not an RFC 3339 date-time") from None
    if t.tzinfo is None:
        raise AmError(400, f"{what} needs a time zone offset (RFC 3339)")
    return t


class AccountManager:
    def __init__(self, cfg: dict, kas_store):
        self.cfg = cfg
        self.domain = cfg["domain"].lower()
        self.policy = re.compile(cfg["service_information"]["passwordPolicyRegEx"])
        self.store = AccountStore(cfg)
        self.jwt = JwtVerifier(cfg["ca_bundle"], cfg["state_dir"], cfg["service_information"]["jwtExpiration"])
        self.mail = Mailboxes(cfg)
        self.vzd = Vzd(cfg)
        self.certs = CertFactory(cfg)
        self.kas_store = kas_store
        for acc in self.store.accounts.values():
            self._limits(acc)

    # --- plumbing ---------------------------------------------------------------------------------
    def handle(self, method: str, path: str, headers, body: bytes) -> tuple[int, dict | None]:
        op, user = route(method, path)
        fault = self.store.take_fault(op)
        if fault:
            raise AmError(fault.status, fault.message)
        try:
            with self.store.lock:
                return getattr(self, "op_" + op)(user, headers, body)
        except JwtError as e:
            raise AmError(401, e.message) from None
        except EffectError as e:
            raise AmError(e.status, e.message) from None

    @staticmethod
    def json_body(body: bytes, required: bool = True) -> dict:
        if not body.strip():
            if required:
                raise AmError(400, "JSON request body missing")
            return {}
        try:
            obj = json.loads(body)
        except ValueError as e:
            raise AmError(400, f"request body is not JSON: {e}") from None
        if not isinstance(obj, dict):
            raise AmError(400, "request body must be a JSON object")
        return obj

    def _limits(self, acc: Account) -> None:
        """Keep AccountLimit (the KAS store's mailbox table) in step with the account."""
        box = self.kas_store.mailboxes.setdefault(acc.address.lower(), {
            "quota": 16 * 1024 ** 3, "max_mail_size": 734003200})
        box.update(data_time_to_live=acc.data_time_to_live, kim_version=acc.kim_version)

    def live(self, user: str) -> Account:
        acc = self.store.get(user)
        if acc and acc.reg_stat == "deregistered" and acc.dereg_date is not None and self.store.now() >= acc.dereg_date:
            self.purge(acc)
            self.store.save()
            acc = None
        if acc is None:
            raise AmError(404, f"e-mail account {user} not available")
        return acc

    def authed(self, user: str, headers, check_tid: bool = True) -> tuple[Account, Verified]:
        v = self.jwt.verify(headers.get("Authorization"))
        password = secret_header(headers, "password")
        acc = self.live(user)
        if check_tid and v.telematik_id not in self.store.telematik_ids_of(acc):
            raise AmError(401, f"the card's Telematik-ID {v.telematik_id} does not hold account {acc.address}")
        if not secret_matches(self.mail.stored_password(acc.address), password):
            raise AmError(401, f"wrong password for {acc.address}")
        return acc, v

    def vzd_active(self, telematik_id: str) -> None:
        state = self.vzd.is_active(telematik_id)
        if state is None:
            raise AmError(502, f"the VZD has no entry for Telematik-ID {telematik_id}")
        if not state:
            raise AmError(423, f"the VZD entry of Telematik-ID {telematik_id} is locked (active = inactive)")

    def place(self, acc: Account) -> None:
        self.vzd.place(acc.address, acc.telematik_id, acc.kim_version, visible=not acc.no_vzd_mail_entry)

    def check_password(self, password: str) -> None:
        if not self.policy.search(password):
            raise AmError(420, "the password does not fulfil the policy: "
                               + self.cfg["service_information"]["passwordPolicyDisplay"])

    @staticmethod
    def check_version(body: dict) -> None:
        if "kimVersion" in body and body["kimVersion"] not in KIM_VERSIONS:
            raise AmError(422, f"kimVersion {body['kimVersion']!r} unknown or not supported (1.0, 1.5, 1.5+)")

    @staticmethod
    def check_ttl(body: dict) -> None:
        ttl = body.get("dataTimeToLive")
        if "dataTimeToLive" in body and (not isinstance(ttl, int) or isinstance(ttl, bool) or not 10 <= ttl <= 365):
            raise AmError(400, "dataTimeToLive must be an integer from 10 to 365 (days)")

    def save(self, acc: Account) -> None:
        self._limits(acc)
        self.store.save()

    # --- Email-Account ------------------------------------------------------------------------------
    def op_registerAccount(self, _user, headers, body: bytes):
        v = self.jwt.verify(headers.get("Authorization"))
        ini = secret_header(headers, "iniPassword")
        req = self.json_body(body)
        ref = req.get("referenceID")
        letter = self.store.letter(ref) if isinstance(ref, str) else None
        if letter is None or not secret_matches(letter["initial_password_hash"], ini):
            raise AmError(401, "referenceID unknown or missing, or iniPassword wrong")
        if letter["telematik_id"] != v.telematik_id:
            raise AmError(401, f"referenceID {ref} does not belong to the card's Telematik-ID {v.telematik_id}")
        address, password = req.get("username"), req.get("password")
        if not isinstance(address, str) or address.count("@") != 1 or len(address) > 256:
            raise AmError(400, "username (the requested KIM address) missing or not an e-mail address")
        if password is None:
            raise AmError(400, "password missing")
        password = decode_secret(password, "password")
        self.check_version(req)
        self.check_ttl(req)
        local, domain = address.split("@")
        if not LOCAL_PART.match(local):
            raise AmError(420, "username violates the address rules (A_21455-01): local part of 1 to 64 "
                               "characters A-Z a-z 0-9 . - _")
        if domain.lower() != self.domain:
            raise AmError(420, f"username violates the address rules: the domain must be {self.domain}")
        self.check_password(password)
        if self.store.get(address) or self.mail.stored_password(address) is not None:
            raise AmError(409, f"e-mail address {address} already taken")
        self.vzd_active(v.telematik_id)
        if self.store.count_for(v.telematik_id) >= MAX_ADDRESSES_PER_TID:
            raise AmError(420, f"policy not fulfilled: Telematik-ID {v.telematik_id} already holds "
                               f"{MAX_ADDRESSES_PER_TID} addresses, the maximum")
        acc = Account(address=address, telematik_id=v.telematik_id, kim_version=req.get("kimVersion", "1.5"),
                      data_time_to_live=req.get("dataTimeToLive", 90), reference_id=ref,
                      no_vzd_mail_entry=bool(req.get("noVzdMailEntry", False)), password_hash=ssha256(password))
        self.mail.create(address, acc.password_hash)
        try:
            self.place(acc)
        except EffectError:
            self.mail.remove(address)
            raise
        self.store.accounts[address.lower()] = acc
        self.save(acc)
        log(f"registered {address} for {v.telematik_id} (KIM {acc.kim_version})")
        return 204, None

    def op_getAccount(self, user, headers, _body):
        acc, _ = self.authed(user, headers)
        return 200, acc.account_json()

    def op_setAccount(self, user, headers, body: bytes):
        acc, _ = self.authed(user, headers)
        req = self.json_body(body, required=False)
        for fixed, have in (("username", acc.address), ("referenceID", acc.reference_id)):
            if fixed in req and str(req[fixed]).lower() != str(have).lower():
                raise AmError(400, f"{fixed} cannot be changed by setAccount")
        new_pw = decode_secret(req["password"], "password") if "password" in req else None
        self.check_version(req)
        self.check_ttl(req)
        if new_pw is not None:
            self.check_password(new_pw)
        vzd_change = req.get("kimVersion", acc.kim_version) != acc.kim_version or \
            bool(req.get("noVzdMailEntry", acc.no_vzd_mail_entry)) != acc.no_vzd_mail_entry
        if vzd_change:
            self.vzd_active(acc.telematik_id)
            acc.kim_version = req.get("kimVersion", acc.kim_version)
            acc.no_vzd_mail_entry = bool(req.get("noVzdMailEntry", acc.no_vzd_mail_entry))
            self.place(acc)
        if new_pw is not None:
            acc.password_hash = ssha256(new_pw)
            self.mail.set_password(acc.address, acc.password_hash)
        acc.data_time_to_live = req.get("dataTimeToLive", acc.data_time_to_live)
        self.save(acc)
        return 204, None

    def op_deregisterAccount(self, user, headers, _body):
        acc, _ = self.authed(user, headers)
        if acc.reg_stat != "deregistered":
            acc.reg_stat = "deregistered"
            acc.dereg_date = int(self.store.now() + DEREGISTRATION_GRACE)
            self.save(acc)
        return 204, None

    def op_revokeDeregistration(self, user, headers, _body):
        acc, _ = self.authed(user, headers)
        if acc.reg_stat != "deregistered":
            raise AmError(403, f"e-mail account {acc.address} has not been deregistered")
        self.vzd_active(acc.telematik_id)
        acc.reg_stat, acc.dereg_date = "registered", None
        self.save(acc)
        return 204, None

    def purge(self, acc: Account, mailbox: bool = True) -> None:
        """The final deletion after deregDate: no mailbox, no VZD values, no account."""
        if mailbox:
            self.mail.remove(acc.address)
        self.vzd.place(acc.address, None, acc.kim_version)
        self.store.accounts.pop(acc.address.lower(), None)
        self.kas_store.mailboxes.pop(acc.address.lower(), None)
        log(f"deleted {acc.address}" + (f" (deregistered until {acc.dereg_date})" if acc.dereg_date else ""))

    # --- Porting ---------------------------------------------------------------------------------------
    def op_getOTP(self, user, headers, _body):
        acc, _ = self.authed(user, headers)
        otp = self.store.new_otp(acc)
        self.save(acc)
        return 200, {"otp": base64.b64encode(otp.encode()).decode()}

    def op_setTID(self, user, headers, _body):
        acc, v = self.authed(user, headers, check_tid=False)
        otp = secret_header(headers, "otp")
        if acc.otp_hash is None or not secret_matches(acc.otp_hash, otp):
            raise AmError(403, "invalid OTP (request a new one with getOTP)")
        if self.store.now() > (acc.otp_expires or 0):
            raise AmError(408, "the OTP has expired (valid one week; request a new one with getOTP)")
        if v.telematik_id == acc.telematik_id:
            raise AmError(400, f"{acc.address} already belongs to Telematik-ID {v.telematik_id}")
        self.vzd_active(v.telematik_id)
        old = acc.telematik_id
        acc.telematik_id, acc.seed_telematik_ids = v.telematik_id, []
        acc.otp_hash = acc.otp_expires = None
        try:
            self.place(acc)
        except EffectError:
            acc.telematik_id = old
            raise
        self.save(acc)
        log(f"ported {acc.address} from {old} to {v.telematik_id}")
        return 204, None

    # --- Certificate -------------------------------------------------------------------------------------
    def op_createCert(self, user, headers, body: bytes):
        self.authed(user, headers)
        req = self.json_body(body)
        cn = req.get("commonName")
        if not isinstance(cn, str) or not cn.strip():
            raise AmError(400, "commonName missing")
        if len(cn) > 61 or any(ord(c) < 32 for c in cn):
            raise AmError(400, "commonName must be at most 61 printable characters (CN <commonName>#CM ≤ 64)")
        pw = decode_secret(req["certPassword"], "certPassword") if req.get("certPassword") is not None else None
        p12 = self.certs.issue(cn, pw)
        return 200, {"file": base64.b64encode(p12).decode()}

    # --- Out of Office Notification ------------------------------------------------------------------------
    def op_getOutOfOffice(self, user, headers, _body):
        acc, _ = self.authed(user, headers)
        return 200, dict(acc.out_of_office) if acc.out_of_office else {"active": False}

    def op_updateOutOfOffice(self, user, headers, body: bytes):
        """FAQ: missing active = false; first call or active=true: all fields (dates in order);
        later active=false alone keeps the stored values, supplied values are updated."""
        acc, _ = self.authed(user, headers)
        req = self.json_body(body)
        active = req.get("active", False)
        if not isinstance(active, bool):
            raise AmError(400, "active must be a JSON boolean")
        fields = ("startDate", "endDate", "message")
        if acc.out_of_office is None or active:
            missing = [f for f in fields if req.get(f) is None]
            if missing:
                why = "active=true" if active else "the first out-of-office notification"
                raise AmError(400, f"{why} needs all fields; missing: {', '.join(missing)}")
        if "message" in req and (not isinstance(req["message"], str) or len(req["message"]) > 2048):
            raise AmError(400, "message must be a string of at most 2048 characters")
        merged = dict(acc.out_of_office or {})
        merged.update({f: req[f] for f in fields if req.get(f) is not None})
        if "startDate" in merged and "endDate" in merged and \
                parse_time(merged["endDate"], "endDate") <= parse_time(merged["startDate"], "startDate"):
            raise AmError(400, "endDate must lie after startDate")
        merged["active"] = active
        acc.out_of_office = merged
        self.save(acc)
        return 204, None

    # --- test control ------------------------------------------------------------------------------------
    def control(self, method: str, path: str, req: dict) -> dict:
        with self.store.lock:
            if (method, path) == ("GET", "/accounts"):
                return {"accounts": self.store.listing(), "settings": self.store.settings()}
            if (method, path) == ("POST", "/time"):
                if "shift" in req:
                    self.store.time_shift = float(req["shift"])
                self.store.time_shift += float(req.get("advance", 0))
                return self.store.settings()
            if (method, path) == ("POST", "/vzd-active"):
                if not self.vzd.set_active(str(req["telematik_id"]), bool(req["active"])):
                    raise AmError(404, "no VZD entry with that Telematik-ID")
                return {"telematik_id": req["telematik_id"], "active": bool(req["active"])}
            if (method, path) == ("POST", "/vzd-version"):
                # Another client module registered a newer KIM version (A_21387-01 tests): the VZD
                # values of the address change, the account itself does not.
                acc = self.store.accounts.get(str(req.get("address", "")).lower())
                version = str(req.get("version", ""))
                if acc is None or not version:
                    raise AmError(404, "no such account, or no version given")
                self.vzd.place(acc.address, acc.telematik_id, version, visible=not acc.no_vzd_mail_entry)
                return {"address": acc.address, "vzd_version": version}
            if (method, path) == ("POST", "/accounts/reset"):
                self.reset()
                self.certs.days = CERT_DAYS
                return self.store.settings()
            if (method, path) == ("POST", "/cert-days"):
                days = int(req["days"])
                if not 1 <= days <= 2 * 365:
                    raise AmError(400, "days must be 1 to 730")
                self.certs.days = days   # validity of the next createCert certificates
                return {"cert_days": days}
        raise AmError(404, "unknown control request")

    def set_fault(self, req: dict) -> dict:
        op = req.get("op")
        if op not in OPERATIONS and op != "any":
            raise AmError(400, f"op must be one of {', '.join(OPERATIONS)} or any")
        self.store.set_fault(op, int(req.get("count", 1)), int(req.get("status") or 500),
                             str(req.get("message", "injected failure (test world control)")))
        return self.store.settings()

    def reset(self) -> None:
        """Back to the world's own mailboxes: registered accounts deleted, seeded ones restored."""
        with self.store.lock:
            seeds = self.store.seed_accounts()
            hashes = {s["address"].lower(): s["password_hash"] for s in self.cfg["seed_accounts"]}
            gone = [acc for key, acc in self.store.accounts.items() if key not in seeds]
            if gone:
                self.mail.remove([acc.address for acc in gone])
            for acc in gone:
                self.purge(acc, mailbox=False)
            for key, seed in seeds.items():
                acc = self.store.accounts.get(key)
                if acc is None or acc.password_hash:
                    self.mail.create(seed.address, hashes[key])
                if acc is None or (acc.telematik_id, acc.kim_version, acc.no_vzd_mail_entry) != \
                        (seed.telematik_id, seed.kim_version, False):
                    self.place(seed)
                self.store.accounts[key] = seed
                self._limits(seed)
            self.store.faults.clear()
            self.store.time_shift = 0.0
            self.store.save()

    def sync_vzd(self) -> None:
        """At start: the VZD is re-seeded when slapd starts; put the accounts' values back."""
        seeds = self.store.seed_accounts()
        for key, acc in list(self.store.accounts.items()):
            seed = seeds.get(key)
            if seed and (acc.telematik_id, acc.kim_version, acc.no_vzd_mail_entry) == \
                    (seed.telematik_id, seed.kim_version, False):
                continue
            try:
                self.place(acc)
            except EffectError as e:
                log(f"VZD sync of {acc.address} failed: {e.message}")
