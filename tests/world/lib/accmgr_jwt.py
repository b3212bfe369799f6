"""The test Account Manager's check of the KIMBearerAuth JWT (A_19457-02,
KOM-LE-A_2187-05 as the shared contract of issue 17 reads them):

  header  {"alg": "PS256" | "BP256R1", "typ": "JWT", "x5c": ["<base64 DER AUT certificate>"]}
  body    {"nbf": <s>, "iat": <s>, "exp": <s>}
  sig     PS256: RSASSA-PSS, SHA-256, MGF1-SHA-256, salt 32;
          BP256R1: ECDSA brainpoolP256r1 over SHA-256, raw r||s (64 bytes)

x5c[0] must chain to the world's PKI (`openssl verify` against the CA bundle),
the signature must verify with its key (`openssl dgst`), nbf/exp must hold now
(60 s leeway) and span at most jwtExpiration (+60 s). The Telematik-ID is the
registrationNumber of the certificate's admission extension (1.3.36.8.3.3).
Every failure is a JwtError whose message says which check failed (→ 401).
"""
from __future__ import annotations

import base64
import json
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

LEEWAY = 60
OID_ADMISSION = bytes.fromhex("06052b24080303")   # OID 1.3.36.8.3.3, DER
OID_BRAINPOOL_P256R1 = "brainpoolP256r1"


class JwtError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Verified:
    telematik_id: str
    alg: str
    subject: str
    nbf: int
    exp: int


def b64url(data: str) -> bytes:
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))


# --- DER ----------------------------------------------------------------------------------------
def _tlv(buf: bytes, i: int) -> tuple[int, int, int]:
    """(tag, content start, content end) of the TLV at i."""
    tag = buf[i]
    n = buf[i + 1]
    j = i + 2
    if n & 0x80:
        k = n & 0x7F
        if k == 0 or k > 4:
            raise ValueError("bad DER length")
        n = int.from_bytes(buf[j:j + k], "big")
        j += k
    if j + n > len(buf):
        raise ValueError("DER element runs past its container")
    return tag, j, j + n


def _children(buf: bytes, start: int, end: int):
    i = start
    while i < end:
        tag, s, e = _tlv(buf, i)
        yield tag, s, e
        i = e


def _printable_strings(buf: bytes, start: int, end: int, out: list[str]) -> None:
    for tag, s, e in _children(buf, start, end):
        if tag == 0x13:
            out.append(buf[s:e].decode("ascii", "replace"))
        elif tag & 0x20:       # constructed
            _printable_strings(buf, s, e, out)


def telematik_id_of(der: bytes) -> str | None:
    """registrationNumber (PrintableString) in the admission extension of a certificate."""
    i = der.find(OID_ADMISSION)
    while i >= 0:
        # Extension ::= SEQUENCE { extnID, critical BOOLEAN OPTIONAL, extnValue OCTET STRING }
        j = i + len(OID_ADMISSION)
        tag, s, e = _tlv(der, j)
        if tag == 0x01:
            tag, s, e = _tlv(der, e)
        if tag == 0x04:
            found: list[str] = []
            _printable_strings(der, s, e, found)
            return found[0] if found else None
        i = der.find(OID_ADMISSION, i + 1)
    return None


def ecdsa_raw_to_der(raw: bytes) -> bytes:
    def integer(x: bytes) -> bytes:
        x = x.lstrip(b"\0") or b"\0"
        if x[0] & 0x80:
            x = b"\0" + x
        return bytes([0x02, len(x)]) + x
    body = integer(raw[:32]) + integer(raw[32:])
    return bytes([0x30, len(body)]) + body


# --- verification ---------------------------------------------------------------------------------
class JwtVerifier:
    def __init__(self, ca_bundle: str, work_dir: str, jwt_expiration: int):
        self.ca_bundle = ca_bundle
        self.work_dir = work_dir
        self.jwt_expiration = jwt_expiration
        self.cache: dict[str, Verified] = {}    # token -> result of the expensive checks
        self.lock = threading.Lock()

    def verify(self, authorization: str | None) -> Verified:
        if not authorization:
            raise JwtError("Authorization header missing (Bearer JWT required)")
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise JwtError("Authorization must be 'Bearer <JWT>'")
        token = token.strip()
        with self.lock:
            v = self.cache.get(token)
        if v is None:
            v = self._verify_token(token)
            with self.lock:
                if len(self.cache) > 1000:
                    self.cache.clear()
                self.cache[token] = v
        self._check_times(v.nbf, v.exp)
        return v

    def _check_times(self, nbf: int, exp: int) -> None:
        now = time.time()
        if exp + LEEWAY < now:
            raise JwtError(f"JWT expired: exp {exp} lies {int(now - exp)} s in the past")
        if nbf - LEEWAY > now:
            raise JwtError(f"JWT not yet valid: nbf {nbf} lies {int(nbf - now)} s in the future")
        if exp - nbf > self.jwt_expiration + LEEWAY:
            raise JwtError(f"JWT validity exp-nbf = {exp - nbf} s exceeds jwtExpiration {self.jwt_expiration} s")

    def _verify_token(self, token: str) -> Verified:
        parts = token.split(".")
        if len(parts) != 3 or not all(parts):
            raise JwtError("JWT malformed: compact serialisation with three parts expected")
        try:
            header = json.loads(b64url(parts[0]))
            body = json.loads(b64url(parts[1]))
            sig = b64url(parts[2])
        except (ValueError, UnicodeDecodeError) as e:
            raise JwtError(f"JWT malformed: {e}") from None
        if not isinstance(header, dict) or not isinstance(body, dict):
            raise JwtError("JWT malformed: header and body must be JSON objects")
        alg = header.get("alg")
        if alg not in ("PS256", "BP256R1"):
            raise JwtError(f"JWT alg {alg!r} not accepted (PS256 or BP256R1)")
        x5c = header.get("x5c")
        if not isinstance(x5c, list) or not x5c or not isinstance(x5c[0], str):
            raise JwtError("JWT header x5c with the AUT certificate missing")
        for claim in ("nbf", "exp"):
            if not isinstance(body.get(claim), int):
                raise JwtError(f"JWT malformed: claim {claim} (integer seconds) missing")
        self._check_times(body["nbf"], body["exp"])
        try:
            der = base64.b64decode(x5c[0], validate=True)
        except ValueError:
            raise JwtError("JWT header x5c[0] is not base64") from None
        tid = None
        try:
            tid = telematik_id_of(der)
        except (ValueError, IndexError):
            pass
        if not tid:
            raise JwtError("the AUT certificate carries no Telematik-ID (admission extension)")
        with tempfile.TemporaryDirectory(dir=self.work_dir, prefix="jwt-") as d:
            subject = self._check_cert(Path(d), der, alg)
            self._check_signature(Path(d), alg, (parts[0] + "." + parts[1]).encode(), sig)
        return Verified(tid, alg, subject, body["nbf"], body["exp"])

    def _check_cert(self, d: Path, der: bytes, alg: str) -> str:
        pem = d / "cert.pem"
        pem.write_text("-----BEGIN CERTIFICATE-----\n" + base64.encodebytes(der).decode() + "-----END CERTIFICATE-----\n")
        res = subprocess.run(["openssl", "verify", "-CAfile", self.ca_bundle, str(pem)], capture_output=True, timeout=20)
        if res.returncode != 0:
            detail = (res.stdout + res.stderr).decode(errors="replace").strip().splitlines()
            raise JwtError("the JWT's certificate does not chain to the TI PKI: " + (detail[-1] if detail else "?"))
        info = subprocess.run(["openssl", "x509", "-in", str(pem), "-noout", "-subject", "-text", "-pubkey"],
                              capture_output=True, timeout=20)
        out = info.stdout.decode(errors="replace")
        pub = out.splitlines(keepends=True)
        start = next((i for i, l in enumerate(pub) if "BEGIN PUBLIC KEY" in l), None)
        if info.returncode != 0 or start is None:
            raise JwtError("the JWT's certificate cannot be read")
        end = next(i for i, l in enumerate(pub) if "END PUBLIC KEY" in l)
        (d / "pub.pem").write_text("".join(pub[start:end + 1]))
        is_rsa = "rsaEncryption" in out
        is_bp = OID_BRAINPOOL_P256R1 in out
        if alg == "PS256" and not is_rsa:
            raise JwtError("JWT alg PS256 needs an RSA AUT certificate")
        if alg == "BP256R1" and not is_bp:
            raise JwtError("JWT alg BP256R1 needs a brainpoolP256r1 AUT certificate")
        return next((l[len("subject="):].strip() for l in out.splitlines() if l.startswith("subject=")), "")

    def _check_signature(self, d: Path, alg: str, signing_input: bytes, sig: bytes) -> None:
        data, sigf = d / "input", d / "sig"
        data.write_bytes(signing_input)
        args = ["openssl", "dgst", "-sha256", "-verify", str(d / "pub.pem"), "-signature", str(sigf)]
        if alg == "PS256":
            sigf.write_bytes(sig)
            args += ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32",
                     "-sigopt", "rsa_mgf1_md:sha256"]
        else:
            if len(sig) != 64:
                raise JwtError(f"JWT signature invalid: BP256R1 wants raw r||s of 64 bytes, got {len(sig)}")
            sigf.write_bytes(ecdsa_raw_to_der(sig))
        res = subprocess.run(args + [str(data)], capture_output=True, timeout=20)
        if res.returncode != 0:
            raise JwtError(f"JWT signature invalid ({alg})")
