#!/usr/bin/env python3
"""The world's KAS, AccountLimit, ServiceInformation and DNS-SD, checked with
real clients: curl with the client module's certificate, dig against dnsmasq.

    kas_world_test.py            everything but the 700 MiB transfer (CTest world.kas)
    kas_world_test.py --large    700 MiB up and down with bounded KAS memory (world.kas_large)

Runs against a world started by tests/world/up; resets both KAS through their
control ports first and at the end. Stdlib only.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORLD = Path(os.environ.get("KIMGATE_WORLD_DIR") or HERE.parent.parent / "build" / "world")
MiB = 1024 * 1024
JSON_TYPE = "application/json; charset=utf-8"
failures: list[str] = []


def check(cond: bool, what: str, detail: str = "") -> bool:
    print(f"{'ok  ' if cond else 'FAIL'} {what}", flush=True)
    if not cond:
        failures.append(what)
        if detail:
            print("     " + str(detail).strip().replace("\n", "\n     ")[-3000:], flush=True)
    return cond


def run(*args: str, timeout: float = 120, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), capture_output=True, timeout=timeout, **kw)


class World:
    def __init__(self):
        self.w = json.loads((WORLD / "world.json").read_text(encoding="utf-8"))
        self.p = self.w["participants"]
        self.tmp = Path(tempfile.mkdtemp(prefix="kasworld-"))

    def who(self, pid: str) -> tuple[str, str]:
        return self.p[pid]["kim_address"], self.p[pid]["mailbox_password"]

    def curl(self, fd: str, url_path: str, *args: str, service: str = "kas", cert: bool = True,
             cert_pair: tuple[str, str] | None = None, timeout: float = 120) -> tuple[int, dict, bytes, int]:
        """(HTTP status, response headers, body, curl exit code)."""
        s = self.w["providers"][fd][service]
        url = url_path if url_path.startswith("https://") else f"https://{s['host']}:{s['port']}{url_path}"
        hdr = self.tmp / f"h-{uuid.uuid4().hex}"
        cmd = ["curl", "-sS", "--max-time", str(timeout), "--cacert", self.w["pki"]["ca_bundle_pem"],
               "--resolve", f"{s['host']}:{s['port']}:127.0.0.1", "-D", str(hdr), "-w", "\n%{http_code}"]
        if cert:
            c, k = cert_pair or (self.w["client_module"]["cert_pem"], self.w["client_module"]["key_pem"])
            cmd += ["--cert", c, "--key", k]
        r = run(*cmd, *args, url, timeout=timeout + 30)
        out, _, code = r.stdout.rpartition(b"\n")
        headers = {}
        if hdr.exists():
            for line in hdr.read_text("latin-1").splitlines():
                if ":" in line:
                    k, v = line.split(":", 1)
                    headers[k.strip().lower()] = v.strip()
            hdr.unlink()
        return int(code or 0), headers, out, r.returncode

    def upload(self, fd: str, who: str, data: Path | None = None, *, size: int | None = None,
               recipients=("praxis_b",), expires: str = "Tue, 01 Apr 2031 12:00:00 +0000",
               password: str | None = None, part_length: bool = True, fields: bool = True,
               extra: tuple[str, ...] = (), timeout: float = 120):
        if data is None:
            data = self.tmp / f"up-{size}"
            if not data.exists():
                data.write_bytes(os.urandom(size or 1000))
        user, pw = self.who(who)
        args = ["-u", f"{user}:{password if password is not None else pw}"]
        if fields:
            args += ["-F", f"messageID={uuid.uuid4()}@{self.w['providers'][fd]['domain']}"]
            for r in recipients:
                args += ["-F", f"recipients={self.p[r]['kim_address'] if r in self.p else r}"]
            args += ["-F", f"expires={expires}"]
        part = f"attachment=@{data};type=application/octet-stream;filename=attachment.enc"
        if part_length:
            part += f';headers="Content-Length: {data.stat().st_size}"'
        args += ["-F", part, *extra]
        return self.curl(fd, "/attachments/v2.4/attachment/", *args, timeout=timeout)

    def control(self, fd: str, path: str, obj: dict | None = None) -> dict:
        url = self.w["providers"][fd]["kas"]["control"] + path
        req = urllib.request.Request(url, data=None if obj is None else json.dumps(obj).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read())

    def objects(self, fd: str) -> dict[str, dict]:
        return {o["id"]: o for o in self.control(fd, "/objects")["objects"]}


def link_id(body: bytes) -> str:
    return json.loads(body)["sharedLink"].rsplit("/", 1)[1]


def is_error_json(status: int, headers: dict, body: bytes, want: int) -> bool:
    try:
        e = json.loads(body)
    except ValueError:
        return False
    return (status == want and headers.get("content-type") == JSON_TYPE and isinstance(e.get("message"), str)
            and isinstance(e.get("traceId"), str) and 0 < len(e["traceId"]) <= 255)


# --- DNS-SD --------------------------------------------------------------------------------
def dig(w: World, name: str, rtype: str) -> list[tuple[int, str]]:
    d = w.w["dns"]
    r = run("dig", "+norec", "+noall", "+answer", "@" + d["host"], "-p", str(d["port"]), name, rtype, timeout=30)
    out = []
    for line in r.stdout.decode().splitlines():
        parts = line.split(None, 4)
        if len(parts) == 5 and parts[3] == rtype:
            out.append((int(parts[1]), parts[4]))
    return out


def test_dns(w: World) -> None:
    d = w.w["dns"]
    check(d["server"] == f"127.0.0.1:{d['port']}" and d["dnssd_domain"] == "kim.telematik-test",
          "world.json describes the DNS server and the DNS-SD domain", str(d))
    for svc, txt in (("_kas._tcp", ['"path=/attachments/v2.4"']),
                     ("_accmgr._tcp", ['"accountlimit=/AccountLimit/v1.1"', '"serviceinformation=/ServiceInformation/v1.0"',
                                       '"accountmanager=/AccountMgmt/v2.4"'])):
        service = f"{svc}.{d['dnssd_domain']}"
        ptr = dig(w, service, "PTR")
        instances = sorted(v.rstrip(".") for _, v in ptr)
        want = sorted(f"{fd}.kim.telematik-test.{service}" for fd in w.w["providers"])
        check(instances == want and all(ttl == d["ttl"] for ttl, _ in ptr),
              f"dig: PTR {service} names both providers' instances (TTL {d['ttl']})", str(ptr))
        for fd, prov in w.w["providers"].items():
            inst = f"{prov['domain']}.{service}"
            # The client's rule: the labels before the service name are the provider domain.
            check(inst[: -len(service) - 1] == prov["domain"], f"instance {inst} carries the provider domain")
            target = prov["kas" if svc == "_kas._tcp" else "accmgr"]
            srv = dig(w, inst, "SRV")
            check([v for _, v in srv] == [f"0 0 {target['port']} {target['host']}."],
                  f"dig: SRV {inst} -> {target['host']}:{target['port']}", str(srv))
            t = dig(w, inst, "TXT")
            check(len(t) == 1 and t[0][1].split() == txt, f"dig: TXT {inst} = {' '.join(txt)}", str(t))
            a = dig(w, target["host"], "A")
            check([v for _, v in a] == ["127.0.0.1"] and a[0][0] == d["ttl"], f"dig: A {target['host']} = 127.0.0.1",
                  str(a))
    r = run("dig", "+norec", "@" + d["host"], "-p", str(d["port"]), "nothing.kim.telematik-test", "A", timeout=30)
    check("status: NXDOMAIN" in r.stdout.decode(), "dig: an unknown name under the DNS-SD domain is NXDOMAIN",
          r.stdout.decode())


# --- I_Attachment_Service ------------------------------------------------------------------
def test_roundtrip(w: World) -> None:
    fd, kas = "fd-a", w.w["providers"]["fd-a"]["kas"]
    data = w.tmp / "twenty.bin"
    data.write_bytes(os.urandom(20 * MiB))
    digest = hashlib.sha256(data.read_bytes()).hexdigest()
    st, h, body, _ = w.upload(fd, "praxis_a", data, recipients=("praxis_b", "kasse"))
    ok = check(st == 201 and h.get("content-type") == JSON_TYPE and
               re.fullmatch(rf"https://{re.escape(kas['host'])}:{kas['port']}/attachments/v2\.4/attachment/"
                            r"[0-9a-f-]{36}", json.loads(body).get("sharedLink", "")) is not None,
               "curl: practice A uploads 20 MiB as multipart/form-data (201, sharedLink on kas.fd-a)", body)
    if not ok:
        return
    link, oid = json.loads(body)["sharedLink"], link_id(body)
    b_addr = w.p["praxis_b"]["kim_address"]
    req = [r for r in w.control(fd, "/requests")["requests"] if r.get("object") == oid]
    dump = json.dumps(req)
    check(len(req) == 1 and ["Authorization", f"Basic {w.p['praxis_a']['kim_address']}"] in req[0]["headers"]
          and w.p["praxis_a"]["mailbox_password"] not in dump
          and [f[0] for f in req[0]["form"]] == ["messageID", "recipients", "recipients", "expires"]
          and req[0]["attachment"]["received"] == 20 * MiB
          and ["content-length", str(20 * MiB)] in req[0]["attachment"]["headers"]
          and req[0]["client_cert_cn"] == w.w["client_module"]["cn"],
          "control /requests: user name only, form fields, attachment headers and byte count", dump[:3000])
    st, h, body, _ = w.curl(fd, link, "-I", "-H", f"recipient: {b_addr}")
    check(st == 200 and h.get("content-length") == str(20 * MiB) and h.get("content-type") == "application/octet-stream",
          "HEAD with recipient: 200, Content-Length", str(h))
    check(w.objects(fd)[oid]["downloads_total"] == 0, "HEAD does not count as a download")
    out = w.tmp / "down.bin"
    st, h, _, _ = w.curl(fd, link, "-H", f"recipient: {b_addr.upper()}", "-o", str(out))
    check(st == 200 and h.get("content-type") == "application/octet-stream" and out.exists()
          and hashlib.sha256(out.read_bytes()).hexdigest() == digest,
          "GET with recipient (any case): the same 20 MiB (SHA-256)", str(h))
    for hdr, want, what in (([f"recipient: {w.p['arzt_a']['kim_address']}"], 403, "a non-recipient: 403"),
                            ([], 400, "no recipient header: 400")):
        st, h, body, _ = w.curl(fd, link, *sum((["-H", x] for x in hdr), []))
        check(is_error_json(st, h, body, want), f"GET by {what} (Error JSON)", f"{st} {h} {body[:300]}")
    st, h, body, _ = w.curl(fd, link.rsplit("/", 1)[0] + f"/{uuid.uuid4()}", "-H", f"recipient: {b_addr}")
    check(is_error_json(st, h, body, 404), "GET of an unknown id: 404", f"{st} {body[:300]}")
    # 429: more downloads than max_downloads by one recipient.
    w.control(fd, "/max-downloads", {"count": 2})
    kk = w.p["kasse"]["kim_address"]
    codes = [w.curl(fd, link, "-H", f"recipient: {kk}", "-o", "/dev/null")[0] for _ in range(3)]
    head = w.curl(fd, link, "-I", "-H", f"recipient: {kk}")[0]
    other = w.curl(fd, link, "-I", "-H", f"recipient: {b_addr}")[0]
    check(codes == [200, 200, 429] and head == 429 and other == 200,
          "max_downloads 2: the third GET of one recipient is 429 (HEAD too), others unaffected", f"{codes} {head} {other}")
    w.control(fd, "/max-downloads", {"count": None})
    # DELETE: only the uploader.
    a_addr, a_pw = w.who("praxis_a")
    d_addr, d_pw = w.who("arzt_a")
    st, h, body, _ = w.curl(fd, link, "-X", "DELETE", "-u", f"{d_addr}:{d_pw}")
    check(is_error_json(st, h, body, 403), "DELETE by another mailbox of the provider: 403", f"{st} {body[:300]}")
    st, h, body, _ = w.curl(fd, link, "-X", "DELETE", "-u", f"{a_addr}:wrong")
    check(is_error_json(st, h, body, 401) and h.get("www-authenticate", "").startswith("Basic"),
          "DELETE with a wrong password: 401", f"{st} {h} {body[:300]}")
    st, h, body, _ = w.curl(fd, link, "-X", "DELETE", "-u", f"{a_addr}:{a_pw}")
    check(st == 200, "DELETE by the uploader: 200", f"{st} {body[:300]}")
    st, h, body, _ = w.curl(fd, link, "-H", f"recipient: {b_addr}")
    o = w.objects(fd)[oid]
    check(is_error_json(st, h, body, 404) and o["deleted"]
          and not (Path(w.w["providers"][fd]["kas"]["state_dir"]) / "objects" / f"{oid}.bin").exists(),
          "after DELETE: GET 404, the object is marked deleted and its file is gone", str(o))


def test_upload_refusals(w: World) -> None:
    fd = "fd-b"
    for what, kw, want in (
            ("a wrong password: 401", dict(password="wrong"), 401),
            ("a wrong password, 2 MiB (refused at Expect: 100-continue): 401", dict(password="wrong", size=2 * MiB), 401),
            ("no Content-Length on the attachment part: 400", dict(part_length=False), 400),
            ("no form fields: 400", dict(fields=False), 400),
            ("comma-separated recipients: 400", dict(recipients=("a@fd-a.kim.telematik-test,b@fd-a.kim.telematik-test",)), 400),
            ("expires not a date: 400", dict(expires="tomorrow"), 400),
            ("expires in the past: 400", dict(expires="Mon, 15 Aug 2022 15:52:01 +0000"), 400),
            ("Transfer-Encoding chunked instead of Content-Length: 400",
             dict(extra=("-H", "Transfer-Encoding: chunked")), 400)):
        st, h, body, _ = w.upload(fd, "praxis_b", size=kw.pop("size", 1000), **kw)
        check(is_error_json(st, h, body, want), f"upload with {what}", f"{st} {h} {body[:300]}")
    st, _, body, _ = w.upload(fd, "praxis_b", size=1000, expires="Mon, 15 Aug 33 15:52:01 +0000")
    o = w.objects(fd).get(link_id(body)) if st == 201 else None
    check(o is not None and o["expires"] == 2007733921.0, "expires with a 2-digit year (the doc's example) -> 2033",
          f"{st} {body[:300]} {o}")
    st, _, body, _ = w.upload(fd, "praxis_b", size=1000, expires="15 Okt 2031 08:00 +0200")
    check(st == 201, "expires without weekday and seconds, German month abbreviation", f"{st} {body[:300]}")
    # 413: over the size limit, in the part header and (2 MiB) already at the request's Content-Length.
    w.control(fd, "/max-size", {"bytes": 1500})
    for size in (2000, 2 * MiB):
        st, h, body, _ = w.upload(fd, "praxis_b", size=size)
        check(is_error_json(st, h, body, 413), f"upload of {size} bytes over max_size 1500: 413", f"{st} {body[:300]}")
    w.control(fd, "/max-size", {"bytes": None})
    st, h, body, _ = w.upload(fd, "praxis_b", size=1500)
    check(st == 201, "the size limit is back to its default after max-size null", f"{st} {body[:300]}")
    # 507: the uploader's remaining quota.
    w.control(fd, "/quota", {"mailbox": w.p["praxis_b"]["kim_address"], "remain": 1200})
    st, h, body, _ = w.upload(fd, "praxis_b", size=2000)
    check(is_error_json(st, h, body, 507), "upload larger than the remaining quota: 507", f"{st} {body[:300]}")
    st, h, body, _ = w.curl(fd, "/AccountLimit/v1.1/limit", "-u", ":".join(w.who("praxis_b")), service="accmgr")
    check(st == 200 and json.loads(body)["remainQuota"] == 1200, "AccountLimit reports the remaining quota set", body)
    st, _, body, _ = w.upload(fd, "praxis_b", size=1000)
    st2, _, body2, _ = w.curl(fd, "/AccountLimit/v1.1/limit", "-u", ":".join(w.who("praxis_b")), service="accmgr")
    check(st == 201 and json.loads(body2)["remainQuota"] == 200, "an upload uses up remaining quota", f"{body} {body2}")
    # TLS: no client certificate, or one from a card CA instead of the component CA.
    log = Path(w.w["providers"][fd]["kas"]["log"])
    for what, kw in (("without a client certificate", dict(cert=False)),
                     ("with a certificate from the SMC-B CA", dict(cert_pair=(
                         w.p["praxis_a"]["keys"]["C.HCI.AUT.RSA"]["cert_pem"],
                         w.p["praxis_a"]["keys"]["C.HCI.AUT.RSA"]["key_pem"])))):
        before = log.read_text().count("TLS handshake with 127.0.0.1 failed")
        st, _, _, rc = w.curl(fd, "/attachments/v2.4/attachment/x", "-H", "recipient: a@b.de", **kw)
        deadline = time.monotonic() + 5
        while log.read_text().count("TLS handshake with 127.0.0.1 failed") == before and time.monotonic() < deadline:
            time.sleep(0.1)
        check(st == 0 and rc in (35, 55, 56) and log.read_text().count("TLS handshake with 127.0.0.1 failed") > before,
              f"KAS: a request {what} fails in the TLS handshake (curl rc {rc}, the KAS logs it)")


def test_expiry_corruption_faults(w: World) -> None:
    fd = "fd-a"
    b = w.p["praxis_b"]["kim_address"]
    data = w.tmp / "small.bin"
    data.write_bytes(os.urandom(4096))
    soon = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(time.time() + 3))
    st, _, body, _ = w.upload(fd, "praxis_a", data, expires=soon)
    if not check(st == 201, "upload with expires in 3 s", body):
        return
    link, oid = json.loads(body)["sharedLink"], link_id(body)
    check(w.curl(fd, link, "-I", "-H", f"recipient: {b}")[0] == 200, "before expiry: HEAD 200")
    deadline, st = time.monotonic() + 15, 0
    while time.monotonic() < deadline and st != 404:
        time.sleep(0.5)
        st = w.curl(fd, link, "-H", f"recipient: {b}")[0]
    w.control(fd, "/cleanup", {})
    check(st == 404 and w.objects(fd)[oid]["expired"]
          and not (Path(w.w["providers"][fd]["kas"]["state_dir"]) / "objects" / f"{oid}.bin").exists(),
          "after expiry: 404 and the cleanup has removed the file")
    # Corruption: one flipped byte right after the 12-byte IV.
    st, _, body, _ = w.upload(fd, "praxis_a", data)
    link, oid = json.loads(body)["sharedLink"], link_id(body)
    w.control(fd, "/corrupt", {"id": oid})
    out = w.tmp / "corrupt.bin"
    st, _, _, _ = w.curl(fd, link, "-H", f"recipient: {b}", "-o", str(out))
    got, orig = out.read_bytes(), data.read_bytes()
    diff = [i for i in range(len(orig)) if got[i] != orig[i]] if len(got) == len(orig) else None
    check(st == 200 and diff == [12] and w.objects(fd)[oid]["corrupted"],
          "control /corrupt flips exactly the byte after the IV", str(diff))
    # Injected failures, one request each, then normal again.
    w.control(fd, "/fail", {"op": "get", "count": 1, "status": 500})
    codes = [w.curl(fd, link, "-H", f"recipient: {b}", "-o", "/dev/null")[0] for _ in range(2)]
    check(codes == [500, 200], "control /fail get 500 x1: one 500, then 200", str(codes))
    w.control(fd, "/fail", {"op": "add", "count": 1, "status": 503})
    st, h, body, _ = w.upload(fd, "praxis_a", size=2 * MiB)
    check(is_error_json(st, h, body, 503), "control /fail add 503: the upload is answered 503", f"{st} {body[:200]}")
    w.control(fd, "/fail", {"op": "head", "count": 1, "status": None, "delay": 3})
    t0 = time.monotonic()
    st, _, _, rc = w.curl(fd, link, "-I", "-H", f"recipient: {b}", timeout=1)
    check(rc == 28 and time.monotonic() - t0 < 3, "control /fail head with a 3 s delay: a 1 s client times out", f"rc {rc}")
    w.control(fd, "/fail", {"op": "limit", "count": 1, "status": 500})
    st, h, body, _ = w.curl(fd, "/AccountLimit/v1.1/limit", "-u", ":".join(w.who("praxis_a")), service="accmgr")
    check(is_error_json(st, h, body, 500), "control /fail limit 500: AccountLimit answers 500", f"{st} {body[:200]}")


# --- AccountLimit, ServiceInformation --------------------------------------------------------
def test_accmgr(w: World) -> None:
    for pid, fd in (("praxis_a", "fd-a"), ("praxis_b", "fd-b"), ("kasse", "fd-b")):
        st, h, body, _ = w.curl(fd, "/AccountLimit/v1.1/limit", "-u", ":".join(w.who(pid)), service="accmgr")
        box = next(m for m in w.w["mailboxes"] if m["address"] == w.p[pid]["kim_address"])
        lim = json.loads(body) if st == 200 else {}
        check(st == 200 and h.get("content-type") == JSON_TYPE and set(lim) == {"dataTimeToLive", "maxMailSize", "quota",
                                                                                "remainQuota"}
              and lim["dataTimeToLive"] == box["data_time_to_live"] and lim["maxMailSize"] == 734003200
              and lim["quota"] == box["quota"] and (lim["remainQuota"] == -1) == (box["quota"] == -1),
              f"AccountLimit {pid}: dataTimeToLive {box['data_time_to_live']}, quota {box['quota']}", body)
    check(next(m for m in w.w["mailboxes"] if m["address"] == w.p["praxis_b"]["kim_address"])["data_time_to_live"] == 30,
          "praxis_b keeps mail for 30 days (not the default 90)")
    a_addr = w.p["praxis_a"]["kim_address"]
    for what, args, kw, want in (
            ("a wrong password", ("-u", f"{a_addr}:wrong"), {}, 401),
            ("an unknown account", ("-u", "nobody@fd-a.kim.telematik-test:x"), {}, 404),
            ("no credentials", (), {}, 401),
            ("no client certificate", ("-u", ":".join(w.who("praxis_a"))), {"cert": False}, 401),
            ("a mailbox of the other provider", ("-u", ":".join(w.who("praxis_b"))), {}, 404)):
        st, h, body, _ = w.curl("fd-a", "/AccountLimit/v1.1/limit", *args, service="accmgr", **kw)
        check(is_error_json(st, h, body, want), f"AccountLimit with {what}: {want}", f"{st} {body[:300]}")
    st, h, body, _ = w.curl("fd-b", "/ServiceInformation/v1.0/serviceinfo", service="accmgr", cert=False)
    si = json.loads(body) if st == 200 else {}
    rx = re.compile(si.get("passwordPolicyRegEx", "^$"))
    check(st == 200 and h.get("content-type") == JSON_TYPE and si.get("kimServiceVersion") == "1.5.5"
          and si.get("jwtExpiration") == 300 and si.get("referenceIdRequired") is True
          and si.get("initialPasswordRequired") is True and "Minimum length 12" in si.get("passwordPolicyDisplay", "")
          and rx.match("Praxis-A.2024!") is not None and rx.match("PraxisA2024xyz") is None,
          "ServiceInformation (anonymous, no client certificate): version, policy regex, JWT expiration", body)
    st, h, body, _ = w.curl("fd-a", "/AccountMgmt/v2.4/account", "-X", "POST", service="accmgr")
    check(is_error_json(st, h, body, 401) and h.get("www-authenticate", "").startswith("Bearer"),
          "the Account Manager refuses registerAccount without a JWT (401, Bearer); accmgr_world_test checks it all",
          body)


def test_description(w: World) -> None:
    versions: dict[str, set] = {}
    for m in w.w["mailboxes"]:
        versions.setdefault(m["provider"], set()).add(m["kim_version"])
    check(all("1.5+" in v for v in versions.values()) and any("1.0" in v for v in versions.values())
          and w.p["praxis_a"]["kom_le_version"] == "1.5",
          "world.json: a 1.5+ mailbox on each provider, a 1.0 mailbox, praxis.a stays 1.5", str(versions))
    for fd, prov in w.w["providers"].items():
        kas, acc = prov["kas"], prov["accmgr"]
        check(kas["host"] == f"kas.{prov['domain']}" and kas["url"] == f"https://{kas['host']}:{kas['port']}/attachments/v2.4"
              and acc["host"] == f"accmgr.{prov['domain']}" and w.control(fd, "/health")["provider"] == fd,
              f"world.json describes {fd}'s KAS, accmgr and control port", json.dumps([kas, acc]))
        cert = run("openssl", "x509", "-in", kas["server_cert_pem"], "-noout", "-ext", "subjectAltName").stdout.decode()
        check(f"DNS:kas.{prov['domain']}" in cert and f"DNS:accmgr.{prov['domain']}" in cert and "IP Address:127.0.0.1" in cert,
              f"{fd}'s KAS certificate names kas., accmgr. and 127.0.0.1", cert)


# --- 700 MiB ------------------------------------------------------------------------------------
class RssWatch:
    def __init__(self, pid: int):
        self.pid, self.peak, self.stop = pid, 0, threading.Event()
        self.t = threading.Thread(target=self.loop, daemon=True)
        self.t.start()

    def loop(self) -> None:
        while not self.stop.wait(0.1):
            m = re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{self.pid}/status").read_text())
            self.peak = max(self.peak, int(m.group(1)) * 1024) if m else self.peak

    def done(self) -> int:
        self.stop.set()
        self.t.join()
        return self.peak


def test_large(w: World) -> None:
    fd, size = "fd-b", 734003200 + 28
    pid = int((WORLD / "run" / "kas-fd-b.pid").read_text())
    big = w.tmp / "700mib.enc"
    # Pseudo-random data at disk speed: AES-CTR over zeros, streamed through a pipe into the file.
    gen = subprocess.Popen(["openssl", "enc", "-aes-256-ctr", "-nosalt", "-pbkdf2", "-pass", "pass:kasworld"],
                           stdin=subprocess.PIPE, stdout=big.open("wb"))
    block = bytes(MiB)
    left = size
    while left:
        n = min(left, MiB)
        gen.stdin.write(block[:n])
        left -= n
    gen.stdin.close()
    gen.wait()
    sha = hashlib.sha256()
    with big.open("rb") as f:
        while chunk := f.read(4 * MiB):
            sha.update(chunk)
    watch = RssWatch(pid)
    t0 = time.monotonic()
    st, _, body, _ = w.upload(fd, "praxis_b", big, recipients=("kv_hessen",), timeout=900)
    up_s = time.monotonic() - t0
    peak_up = watch.done()
    if not check(st == 201, f"curl uploads 700 MiB + 28 bytes to kas.fd-b ({up_s:.1f}s)", body[:300]):
        return
    check(peak_up < 100 * MiB, f"KAS RSS during the upload stays under 100 MiB (peak {peak_up / MiB:.1f} MiB)")
    big.unlink()
    link = json.loads(body)["sharedLink"]
    kv = w.p["kv_hessen"]["kim_address"]
    st, h, _, _ = w.curl(fd, link, "-I", "-H", f"recipient: {kv}")
    check(st == 200 and h.get("content-length") == str(size), "HEAD: Content-Length 734003228", str(h))
    watch = RssWatch(pid)
    t0 = time.monotonic()
    s = w.w["providers"][fd]["kas"]
    curl = subprocess.Popen(["curl", "-sS", "--fail", "--cacert", w.w["pki"]["ca_bundle_pem"], "--resolve",
                             f"{s['host']}:{s['port']}:127.0.0.1", "--cert", w.w["client_module"]["cert_pem"],
                             "--key", w.w["client_module"]["key_pem"], "-H", f"recipient: {kv}", link],
                            stdout=subprocess.PIPE)
    got, n = hashlib.sha256(), 0
    while chunk := curl.stdout.read(4 * MiB):
        got.update(chunk)
        n += len(chunk)
    rc = curl.wait()
    peak_down = watch.done()
    check(rc == 0 and n == size and got.hexdigest() == sha.hexdigest(),
          f"curl downloads the 700 MiB again, SHA-256 equal ({time.monotonic() - t0:.1f}s)")
    check(peak_down < 100 * MiB, f"KAS RSS during the download stays under 100 MiB (peak {peak_down / MiB:.1f} MiB)")
    user, pw = w.who("praxis_b")
    check(w.curl(fd, link, "-X", "DELETE", "-u", f"{user}:{pw}")[0] == 200, "the uploader deletes the 700 MiB object")


def main() -> int:
    if not (WORLD / "world.json").exists():
        print(f"no world at {WORLD}: run tests/world/up first", file=sys.stderr)
        return 1
    w = World()
    r = run(str(HERE / "status"), env=dict(os.environ, KIMGATE_WORLD_DIR=str(WORLD)))
    check(r.returncode == 0, "status reports every component up (KAS and dnsmasq included)", r.stdout.decode())
    for fd in w.w["providers"]:
        w.control(fd, "/reset", {})
    try:
        if sys.argv[1:] == ["--large"]:
            test_large(w)
        else:
            test_description(w)
            test_dns(w)
            test_roundtrip(w)
            test_upload_refusals(w)
            test_expiry_corruption_faults(w)
            test_accmgr(w)
    finally:
        for fd in w.w["providers"]:
            w.control(fd, "/reset", {})
        subprocess.run(["rm", "-rf", str(w.tmp)], check=False)
    print(f"\n{len(failures)} failure(s)" + (": " + "; ".join(failures) if failures else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
