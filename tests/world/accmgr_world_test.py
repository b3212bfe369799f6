#!/usr/bin/env python3
"""The world's Account Manager (I_AccountManager_Service 2.4, lib/accmgr.py), driven
over HTTPS like an administration module would: every operation's success and every
error code of AccountManager.yaml 2.4.0, the 101st address of one Telematik-ID, the
registered address in the VZD (ldapsearch), its mailbox through Postfix (swaks) and
Dovecot (POP3S).

JWTs are signed in the test by the SoftHSM cards of practice C (SMCB-C, SMCB-C2) and
practice A with pkcs11-tool: PS256 with the C.HCI.AUT.RSA key (CKM_SHA256_RSA_PKCS_PSS,
salt 32), BP256R1 with C.HCI.AUT.ECC (CKM_ECDSA over the SHA-256, raw r||s).

Runs against a world started by tests/world/up (CTest world.accmgr); resets the
Account Managers through the control ports first and at the end. Stdlib only.
"""
from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import ssl
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.dont_write_bytecode = True
import acceptance_test as acc  # noqa: E402  (check, run, swaks, pop3, wait_for_mail)
import kas_world_test  # noqa: E402  (World: world.json, the control API)

BASE = "/AccountMgmt/v2.4"
TMP = Path(tempfile.mkdtemp(prefix="accmgr-test-"))
STRONG = "Sehr-Sicher.2024!"


def check(cond: bool, what: str, detail: str = "") -> bool:
    acc.check(cond, what, detail)
    return cond


def b64(s: str | bytes) -> str:
    return base64.b64encode(s.encode() if isinstance(s, str) else s).decode()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class World(kas_world_test.World):
    def __init__(self):
        super().__init__()
        self.env = dict(os.environ, SOFTHSM2_CONF=self.w["softhsm"]["conf"])

    def letter(self, fd: str) -> dict:
        return next(l for l in self.w["registration_letters"] if l["provider"] == fd)

    # --- JWT through the card ------------------------------------------------------------------
    def sign(self, pid: str, key_id: str, mech: str, data: bytes) -> bytes:
        card = self.p[pid]["card"]
        src, out = TMP / f"in-{uuid.uuid4().hex}", TMP / f"sig-{uuid.uuid4().hex}"
        src.write_bytes(data)
        r = subprocess.run(["pkcs11-tool", "--module", self.w["softhsm"]["module"], "--token-label",
                            card["token_label"], "--login", "--pin", card["user_pin"], "--sign", "-m", mech,
                            "--id", key_id, "-i", str(src), "-o", str(out)], env=self.env, capture_output=True)
        if r.returncode != 0:
            raise RuntimeError(f"pkcs11-tool: {r.stderr.decode(errors='replace')}")
        return out.read_bytes()

    def jwt(self, pid: str, alg: str = "PS256", nbf: int | None = None, exp: int | None = None,
            forged: bool = False) -> str:
        """forged: signed by a self-made key whose self-signed certificate copies the card's
        admission extension (same Telematik-ID, no chain to the world's PKI)."""
        label = "C.HCI.AUT.RSA" if alg == "PS256" else "C.HCI.AUT.ECC"
        k = self.p[pid]["keys"][label]
        der = Path(k["cert_der"]).read_bytes()
        if forged:
            der, key = self.forge(der)
        now = int(time.time())
        header = {"alg": alg, "typ": "JWT", "x5c": [b64(der)]}
        body = {"nbf": now - 30 if nbf is None else nbf, "iat": now, "exp": now + 300 if exp is None else exp}
        si = (b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(body).encode())).encode()
        if forged:
            (TMP / "si").write_bytes(si)
            sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", str(key), "-sigopt", "rsa_padding_mode:pss",
                                  "-sigopt", "rsa_pss_saltlen:32", str(TMP / "si")], capture_output=True).stdout
        elif alg == "PS256":
            sig = self.sign(pid, k["cka_id"], "SHA256-RSA-PKCS-PSS", si)
        else:
            sig = self.sign(pid, k["cka_id"], "ECDSA", hashlib.sha256(si).digest())
        return si.decode() + "." + b64url(sig)

    @staticmethod
    def forge(card_der: bytes) -> tuple[bytes, Path]:
        i = card_der.find(bytes.fromhex("06052b24080303")) + 7           # OID 1.3.36.8.3.3
        n, j = card_der[i + 1], i + 2                                     # its OCTET STRING
        if n & 0x80:
            n, j = int.from_bytes(card_der[j:j + (n & 0x7F)], "big"), j + (n & 0x7F)
        key, cert = TMP / "forged.key", TMP / "forged.der"
        acc.run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-subj",
                "/CN=Forged AUT", "-addext", f"1.3.36.8.3.3=DER:{card_der[j:j + n].hex()}", "-outform", "DER",
                "-out", str(cert))
        return cert.read_bytes(), key

    # --- HTTPS ------------------------------------------------------------------------------------
    def call(self, fd: str, method: str, path: str, jwt: str | None = None, body=None, mtls: bool = False,
             **headers: str) -> tuple[int, dict | None, dict]:
        a = self.w["providers"][fd]["accmgr"]
        ctx = ssl.create_default_context(cafile=self.w["pki"]["ca_bundle_pem"])
        if mtls:
            ctx.load_cert_chain(self.w["client_module"]["cert_pem"], self.w["client_module"]["key_pem"])
        conn = http.client.HTTPSConnection(a["address"], a["port"], context=ctx, timeout=60)  # SAN IP:127.0.0.1
        hdrs = {k.replace("_", "-") if k != "iniPassword" else k: v for k, v in headers.items()}
        if jwt is not None:
            hdrs["Authorization"] = f"Bearer {jwt}"
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json; charset=utf-8"
        conn.request(method, BASE + path, body=data, headers=hdrs)
        r = conn.getresponse()
        raw = r.read()
        conn.close()
        obj = json.loads(raw) if raw else None
        return r.status, obj, {k.lower(): v for k, v in r.getheaders()}

    def ldap(self, flt: str, *attrs: str) -> str:
        r = acc.run("ldapsearch", "-x", "-LLL", "-o", "ldif-wrap=no", "-H", self.w["vzd"]["ldaps_url"], "-b",
                    self.w["vzd"]["base_dn"], flt, *attrs, env=dict(os.environ, LDAPTLS_CACERT=self.w["pki"]["ca_bundle_pem"]))
        return r.stdout


def expect(res: tuple[int, dict | None, dict], status: int, what: str, contains: str = "") -> bool:
    code, obj, headers = res
    ok = code == status
    if ok and status >= 400:
        ok = (isinstance(obj, dict) and isinstance(obj.get("message"), str) and isinstance(obj.get("traceId"), str)
              and headers.get("content-type", "").startswith("application/json") and contains in obj["message"])
    return check(ok, f"{what} -> {status}", f"got {code} {obj}")


def register(w: World, fd: str, jwt: str, address: str, *, password: str = STRONG, letter: dict | None = None,
             ini: str | None = None, **extra) -> tuple[int, dict | None, dict]:
    letter = letter or w.letter(fd)
    body = {"referenceID": letter["reference_id"], "username": address, "password": b64(password), **extra}
    return w.call(fd, "POST", "/account", jwt, body, iniPassword=b64(ini or letter["initial_password"]))


# --- the checks ---------------------------------------------------------------------------------
def test_register(w: World, jc: str, ja: str, addr: str) -> None:
    dom = w.w["providers"]["fd-a"]["domain"]
    now = int(time.time())
    expired = w.jwt("praxis_c", nbf=now - 1000, exp=now - 700)
    bad_sig = jc[:-6] + ("AAAAAA" if not jc.endswith("AAAAAA") else "BBBBBB")
    expect(w.call("fd-a", "POST", "/account", None, {}), 401, "registerAccount without Authorization")
    expect(register(w, "fd-a", "not.a.jwt", addr), 401, "registerAccount with a malformed JWT", "malformed")
    expect(register(w, "fd-a", expired, addr), 401, "registerAccount with an expired JWT", "expired")
    expect(register(w, "fd-a", bad_sig, addr), 401, "registerAccount with a bad JWT signature", "signature")
    expect(register(w, "fd-a", w.jwt("praxis_c", exp=now + 3600), addr), 401,
           "registerAccount with a JWT valid for an hour (jwtExpiration 300)", "jwtExpiration")
    expect(register(w, "fd-a", w.jwt("praxis_c", forged=True), addr), 401,
           "registerAccount with a self-signed certificate carrying practice C's Telematik-ID", "chain")
    expect(register(w, "fd-a", ja, addr), 401, "registerAccount: practice A's card, practice C's letter",
           "Telematik-ID")
    expect(register(w, "fd-a", jc, addr, ini="Falsch.123456"), 401, "registerAccount with a wrong iniPassword")
    expect(w.call("fd-a", "POST", "/account", jc, {"referenceID": w.letter("fd-a")["reference_id"]}), 400,
           "registerAccount without iniPassword header")
    expect(w.call("fd-a", "POST", "/account", jc, b"{not json", iniPassword=b64(w.letter("fd-a")["initial_password"])),
           400, "registerAccount with a body that is not JSON")
    expect(register(w, "fd-a", jc, "no-at-sign"), 400, "registerAccount with a username that is no address")
    expect(w.call("fd-a", "POST", "/account", jc, {"referenceID": w.letter("fd-a")["reference_id"], "username": addr,
                                                   "password": "not base64!"},
                  iniPassword=b64(w.letter("fd-a")["initial_password"])), 400, "registerAccount with a non-base64 password")
    expect(register(w, "fd-a", jc, addr, kimVersion="2.0"), 422, "registerAccount with kimVersion 2.0")
    expect(register(w, "fd-a", jc, f"prä.xis@{dom}"), 420, "registerAccount with an umlaut in the local part")
    expect(register(w, "fd-a", jc, f"{'x' * 65}@{dom}"), 420, "registerAccount with a 65-character local part")
    expect(register(w, "fd-a", jc, addr.replace(dom, "fd-b.kim.telematik-test")), 420,
           "registerAccount with the other provider's domain")
    expect(register(w, "fd-a", jc, addr, password="kurz"), 420, "registerAccount with a weak password", "policy")
    expect(register(w, "fd-a", jc, w.p["praxis_a"]["kim_address"]), 409, "registerAccount of a taken address")
    w.control("fd-a", "/vzd-active", {"telematik_id": w.p["praxis_c"]["telematik_id"], "active": False})
    expect(register(w, "fd-a", jc, addr), 423, "registerAccount while the VZD entry is inactive")
    w.control("fd-a", "/vzd-active", {"telematik_id": w.p["praxis_c"]["telematik_id"], "active": True})
    for status in (502, 500):
        w.control("fd-a", "/fail", {"op": "registerAccount", "count": 1, "status": status})
        expect(register(w, "fd-a", jc, addr), status, f"registerAccount with an injected {status}")
    expect(register(w, "fd-a", jc, addr, kimVersion="1.5"), 204, "registerAccount (PS256, server-authenticated TLS)")
    expect(register(w, "fd-a", jc, addr), 409, "registerAccount of the same address again")
    log = json.dumps(w.control("fd-a", "/requests"))
    check(b64(STRONG) not in log and b64(w.letter("fd-a")["initial_password"]) not in log and jc not in log,
          "the control API's request log holds no password, iniPassword or JWT")
    jb = w.jwt("praxis_c", "BP256R1")
    expect(register(w, "fd-b", jb, "praxis.conrad@fd-b.kim.telematik-test", kimVersion="1.5+"), 204,
           "registerAccount at fd-b (BP256R1 JWT, raw r||s)")


def test_vzd_and_mail(w: World, addr: str) -> None:
    tid = w.p["praxis_c"]["telematik_id"]
    out = w.ldap(f"(mail={addr})", "telematikID", "mail", "komLeData", "kimData")
    check(f"telematikID: {tid}" in out and f"komLeData: 1.5,{addr}" in out and f"kimData: {addr},1.5" in out,
          "ldapsearch finds the new address in practice C's VZD entry (mail, komLeData, kimData)", out)
    a = w.p["praxis_a"]
    token = uuid.uuid4().hex
    r = acc.swaks(w.w, "fd-a", user=a["kim_address"], password=a["mailbox_password"], mail_from=a["kim_address"],
                  rcpt=addr, subject=f"accmgr {token}", body=f"token {token}")
    check(r.returncode == 0, "swaks: practice A sends to the new address at once", r.stdout[-2000:] + r.stderr)
    got = acc.wait_for_mail(w.w, "fd-a", {"kim_address": addr, "mailbox_password": STRONG}, token)
    check(got is not None, "POP3S: the new mailbox holds the mail, readable with the new password")


def test_account(w: World, jc: str, ja: str, addr: str) -> None:
    pw = {"password": b64(STRONG)}
    jb = w.jwt("praxis_c", "BP256R1")
    code, obj, _ = w.call("fd-a", "GET", f"/account/{addr}", jb, mtls=True, **pw)
    check(code == 200 and obj.get("username") == addr and obj.get("regStat") == "registered"
          and obj.get("kimVersion") == "1.5" and obj.get("maxMailSize") == 734003200
          and obj.get("dataTimeToLive") == 90, "getAccount (BP256R1, mutual TLS) -> 200 with the account", str(obj))
    expect(w.call("fd-a", "GET", f"/account/nobody@{w.w['providers']['fd-a']['domain']}", jc, **pw), 404,
           "getAccount of an unknown address")
    expect(w.call("fd-a", "GET", f"/account/{addr}", jc, password=b64("Falsch.2024!!")), 401,
           "getAccount with a wrong password")
    expect(w.call("fd-a", "GET", f"/account/{addr}", ja, **pw), 401, "getAccount with another Telematik-ID's card",
           "Telematik-ID")
    expect(w.call("fd-a", "GET", f"/account/{addr}", jc), 400, "getAccount without password header")
    for status in (502, 500):
        w.control("fd-a", "/fail", {"op": "getAccount", "count": 1, "status": status})
        expect(w.call("fd-a", "GET", f"/account/{addr}", jc, **pw), status, f"getAccount with an injected {status}")
    expect(w.call("fd-a", "PUT", f"/account/{addr}", jc, {"password": b64("schwach")}, **pw), 420,
           "setAccount with a weak new password")
    expect(w.call("fd-a", "PUT", f"/account/{addr}", jc, {"kimVersion": "9"}, **pw), 422, "setAccount kimVersion 9")
    expect(w.call("fd-a", "PUT", f"/account/{addr}", jc, {"dataTimeToLive": 5}, **pw), 400,
           "setAccount dataTimeToLive 5")
    expect(w.call("fd-a", "PUT", f"/account/{addr}", jc, {"kimVersion": "1.5+", "dataTimeToLive": 30}, **pw), 204,
           "setAccount kimVersion 1.5+ and dataTimeToLive 30")
    out = w.ldap(f"(mail={addr})", "komLeData")
    check(f"komLeData: 1.5+,{addr}" in out, "the VZD entry says komLeData 1.5+ afterwards", out)
    code, obj, _ = w.call("fd-a", "GET", f"/account/{addr}", jc, **pw)
    check(code == 200 and obj["kimVersion"] == "1.5+" and obj["dataTimeToLive"] == 30,
          "getAccount shows kimVersion 1.5+ and dataTimeToLive 30", str(obj))
    st, _, body, _ = w.curl("fd-a", "/AccountLimit/v1.1/limit", "-u", f"{addr}:{STRONG}", service="accmgr")
    check(st == 200 and json.loads(body).get("dataTimeToLive") == 30,
          "AccountLimit knows the new account (hashed password) and its dataTimeToLive 30", body)
    new = "Noch-Sicherer.2025#"
    expect(w.call("fd-a", "PUT", f"/account/{addr}", jc, {"password": b64(new)}, **pw), 204, "setAccount password")
    expect(w.call("fd-a", "GET", f"/account/{addr}", jc, **pw), 401, "getAccount with the old password")
    r = acc.pop3(w.w, "fd-a", {"kim_address": addr, "mailbox_password": new})
    check(r.returncode == 0, "POP3S accepts the changed password", r.stderr)
    expect(w.call("fd-a", "PUT", f"/account/{addr}", jc, {"password": b64(STRONG)}, password=b64(new)), 204,
           "setAccount password back")


def test_out_of_office(w: World, jc: str, addr: str) -> None:
    pw = {"password": b64(STRONG)}
    code, obj, _ = w.call("fd-a", "GET", f"/account/{addr}/outofoffice", jc, **pw)
    check(code == 200 and obj == {"active": False}, "getOutOfOffice before any note -> active false only", str(obj))
    expect(w.call("fd-a", "PUT", f"/account/{addr}/outofoffice", jc, {"active": False}, **pw), 400,
           "updateOutOfOffice: the first call without all fields")
    note = {"startDate": "2026-07-20T17:32:28Z", "endDate": "2026-07-28T17:32:28Z", "message": "Urlaub bis 28.7.",
            "active": True}
    expect(w.call("fd-a", "PUT", f"/account/{addr}/outofoffice", jc, dict(note, endDate="2026-07-01T00:00:00Z"), **pw),
           400, "updateOutOfOffice with endDate before startDate")
    expect(w.call("fd-a", "PUT", f"/account/{addr}/outofoffice", jc, note, **pw), 204, "updateOutOfOffice, all fields")
    code, obj, _ = w.call("fd-a", "GET", f"/account/{addr}/outofoffice", jc, **pw)
    check(code == 200 and obj == note, "getOutOfOffice returns the note", str(obj))
    expect(w.call("fd-a", "PUT", f"/account/{addr}/outofoffice", jc, {}, **pw), 204,
           "updateOutOfOffice without active (= false)")
    code, obj, _ = w.call("fd-a", "GET", f"/account/{addr}/outofoffice", jc, **pw)
    check(code == 200 and obj == dict(note, active=False), "the stored values stay, active is false", str(obj))
    expect(w.call("fd-a", "PUT", f"/account/{addr}/outofoffice", jc, {"active": True}, **pw), 400,
           "updateOutOfOffice active=true without the other fields")


def test_cert(w: World, jc: str, addr: str) -> None:
    pw = {"password": b64(STRONG)}
    expect(w.call("fd-a", "POST", f"/account/{addr}/cert", jc, {}, **pw), 400, "createCert without commonName")
    for cert_pw in ("Zert-Passwort.1", None):
        body = {"commonName": "Praxis Conrad"} | ({"certPassword": b64(cert_pw)} if cert_pw else {})
        code, obj, _ = w.call("fd-a", "POST", f"/account/{addr}/cert", jc, body, **pw)
        if not check(code == 200 and isinstance(obj, dict) and "file" in obj,
                     f"createCert ({'with' if cert_pw else 'without'} certPassword) -> 200", str(obj)[:300]):
            continue
        p12 = TMP / f"cm-{uuid.uuid4().hex}.p12"
        p12.write_bytes(base64.b64decode(obj["file"]))
        r = acc.run("openssl", "pkcs12", "-in", str(p12), "-passin", f"pass:{cert_pw or ''}", "-nodes",
                    "-clcerts", "-nokeys")
        pem = TMP / f"cm-{uuid.uuid4().hex}.pem"
        pem.write_text(r.stdout)
        v = acc.run("openssl", "verify", "-CAfile", w.w["pki"]["ca_bundle_pem"], "-purpose", "sslclient", str(pem))
        s = acc.run("openssl", "x509", "-in", str(pem), "-noout", "-subject", "-issuer", "-ext",
                    "certificatePolicies")
        check(r.returncode == 0 and v.returncode == 0 and "CN = Praxis Conrad#CM" in s.stdout
              and w.w["pki"]["cas"]["komp"]["cn"] in s.stdout and "1.2.276.0.76.4.175" in s.stdout,
              "the PKCS#12 holds a C.CM.TLS-CS 'Praxis Conrad#CM' from the world's komp CA",
              r.stderr + v.stdout + v.stderr + s.stdout)
    w.control("fd-a", "/fail", {"op": "createCert", "count": 1, "status": 502})
    expect(w.call("fd-a", "POST", f"/account/{addr}/cert", jc, {"commonName": "X"}, **pw), 502,
           "createCert with an injected 502 (CMP)")


def test_deregistration(w: World, jc: str, addr: str) -> None:
    pw = {"password": b64(STRONG)}
    expect(w.call("fd-a", "PUT", f"/account/{addr}/revokeDeregistration", jc, **pw), 403,
           "revokeDeregistration of a registered account")
    expect(w.call("fd-a", "DELETE", f"/account/{addr}", jc, **pw), 204, "deregisterAccount")
    code, obj, _ = w.call("fd-a", "GET", f"/account/{addr}", jc, **pw)
    check(code == 200 and obj["regStat"] == "deregistered" and abs(obj["deregDate"] - (time.time() + 30 * 86400)) < 120,
          "getAccount: deregistered, deregDate = now + 30 days", str(obj))
    r = acc.pop3(w.w, "fd-a", {"kim_address": addr, "mailbox_password": STRONG})
    check(r.returncode == 0, "POP3S still works after deregisterAccount", r.stderr)
    expect(w.call("fd-a", "PUT", f"/account/{addr}/revokeDeregistration", jc, **pw), 204, "revokeDeregistration")
    code, obj, _ = w.call("fd-a", "GET", f"/account/{addr}", jc, **pw)
    check(code == 200 and obj["regStat"] == "registered" and "deregDate" not in obj, "registered again", str(obj))
    expect(w.call("fd-a", "DELETE", f"/account/{addr}", jc, **pw), 204, "deregisterAccount again")
    w.control("fd-a", "/time", {"shift": 31 * 86400})
    expect(w.call("fd-a", "GET", f"/account/{addr}", jc, **pw), 404, "getAccount 31 days after deregistration")
    w.control("fd-a", "/time", {"shift": 0})
    r = acc.pop3(w.w, "fd-a", {"kim_address": addr, "mailbox_password": STRONG})
    check(r.returncode != 0, "POP3S refuses the deleted account")
    check(w.ldap(f"(mail={addr})", "mail").strip() == "", "the VZD no longer lists the deleted address")


def test_porting(w: World, jc: str, addr: str) -> None:
    pw = {"password": b64(STRONG)}
    j2 = w.jwt("praxis_c2")
    tid2 = w.p["praxis_c2"]["telematik_id"]
    expect(register(w, "fd-a", jc, addr), 204, "registerAccount of the address to port")
    code, first, _ = w.call("fd-a", "GET", f"/account/{addr}/OTP", jc, **pw)
    check(code == 200 and "otp" in first, "getOTP with the old card -> 200", str(first))
    code, second, _ = w.call("fd-a", "GET", f"/account/{addr}/OTP", jc, **pw)
    check(code == 200 and second["otp"] != first["otp"], "getOTP again issues a new OTP", str(second))
    expect(w.call("fd-a", "PUT", f"/account/{addr}/telematikID", j2, otp=first["otp"], **pw), 403,
           "setTID with the replaced OTP")
    expect(w.call("fd-a", "PUT", f"/account/{addr}/telematikID", j2, **pw), 400, "setTID without otp header")
    w.control("fd-a", "/vzd-active", {"telematik_id": tid2, "active": False})
    expect(w.call("fd-a", "PUT", f"/account/{addr}/telematikID", j2, otp=second["otp"], **pw), 423,
           "setTID while the new card's VZD entry is inactive")
    w.control("fd-a", "/vzd-active", {"telematik_id": tid2, "active": True})
    expect(w.call("fd-a", "PUT", f"/account/{addr}/telematikID", j2, otp=second["otp"], **pw), 204,
           "setTID with the new card's JWT and the OTP")
    out = w.ldap(f"(mail={addr})", "telematikID")
    check(f"telematikID: {tid2}" in out and w.p["praxis_c"]["telematik_id"] not in out,
          "the address moved to the new card's VZD entry", out)
    expect(w.call("fd-a", "GET", f"/account/{addr}", jc, **pw), 401, "getAccount with the old card after porting")
    code, _, _ = w.call("fd-a", "GET", f"/account/{addr}", j2, **pw)
    check(code == 200, "getAccount with the new card after porting -> 200")
    code, third, _ = w.call("fd-a", "GET", f"/account/{addr}/OTP", j2, **pw)
    w.control("fd-a", "/time", {"shift": 8 * 86400})
    expect(w.call("fd-a", "PUT", f"/account/{addr}/telematikID", jc, otp=third["otp"], **pw), 408,
           "setTID with an OTP older than a week")
    w.control("fd-a", "/time", {"shift": 0})


def test_limit(w: World, jc: str) -> None:
    tid = w.p["praxis_c"]["telematik_id"]
    dom = w.w["providers"]["fd-a"]["domain"]
    have = sum(1 for a in w.control("fd-a", "/accounts")["accounts"] if a["telematik_id"] == tid)
    t0 = time.monotonic()
    ok = all(register(w, "fd-a", jc, f"conrad.{i:03d}@{dom}")[0] == 204 for i in range(have, 100))
    check(ok, f"registerAccount of addresses {have + 1}..100 for one Telematik-ID ({time.monotonic() - t0:.0f}s)")
    expect(register(w, "fd-a", jc, f"conrad.101@{dom}"), 420, "registerAccount of the 101st address", "100")


def main() -> int:
    w = World()
    for fd in ("fd-a", "fd-b"):
        w.control(fd, "/accounts/reset", {})
    jc, ja = w.jwt("praxis_c"), w.jwt("praxis_a")
    dom = w.w["providers"]["fd-a"]["domain"]
    addr = f"praxis.conrad.{uuid.uuid4().hex[:6]}@{dom}"
    test_register(w, jc, ja, addr)
    test_vzd_and_mail(w, addr)
    test_account(w, jc, ja, addr)
    test_out_of_office(w, jc, addr)
    test_cert(w, jc, addr)
    test_porting(w, jc, f"conrad.port@{dom}")
    test_deregistration(w, jc, addr)
    test_limit(w, w.jwt("praxis_c"))
    for fd in ("fd-a", "fd-b"):
        w.control(fd, "/accounts/reset", {})
    check(w.ldap(f"(telematikID={w.p['praxis_c']['telematik_id']})", "mail").count("mail:") == 0,
          "after /reset practice C's VZD entry has no address again")
    if acc.failures:
        print(f"{len(acc.failures)} check(s) failed", flush=True)
        return 1
    print("all checks passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
