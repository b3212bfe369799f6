#!/usr/bin/env python3
"""The test world's KIM Attachment Service, AccountLimit and ServiceInformation
of one provider (a test server: no real KAS or Account Manager is available).

One process per provider, three listeners on 127.0.0.1:

  kas      HTTPS, client certificate required: I_Attachment_Service 2.4
           under /attachments/v2.4/ (AttachmentService.yaml 2.4.0)
  accmgr   HTTPS, client certificate optional (the Account Manager's
           registration runs with server-authenticated TLS):
           I_AccountLimit_Service 1.1 (client certificate required by us),
           I_ServiceInformation 1.0 and I_AccountManager_Service 2.4 (accmgr.py)
  control  plain HTTP, JSON in and out, for tests (README.md "The KAS")

    kas_server.py --config <state>/fd-a/kas/config.json --pidfile <state>/run/kas-fd-a.pid

Mailbox passwords are read from the provider's Dovecot passwd-file on every
request, so the KAS and POP3/SMTP AUTH always agree. Stdlib only.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import secrets
import signal
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

sys.dont_write_bytecode = True

from kas_http import (CHUNK, BodyReader, HttpError, MultipartReader, TlsHTTPServer,  # noqa: E402
                      basic_credentials, boundary_of, parse_expires, parse_params,
                      redact_authorization, server_context)
from kas_store import OPS, StoredObject, Store, cleaner  # noqa: E402
from accmgr import BASE as ACCMGR_BASE, AccountManager, AmError  # noqa: E402
from accmgr_store import OPERATIONS as ACCMGR_OPS, secret_matches  # noqa: E402

KAS_BASE = "/attachments/v2.4"
LIMIT_PATH = "/AccountLimit/v1.1/limit"
SERVICEINFO_PATH = "/ServiceInformation/v1.0/serviceinfo"
FORM_OVERHEAD = 1024 * 1024          # multipart headers and text fields around the attachment
ADDRESS = re.compile(r"^[A-Za-z0-9._-]{1,64}@[a-z0-9.-]{1,189}$", re.I)
JSON_TYPE = "application/json; charset=utf-8"


def log(msg: str) -> None:
    print(f"{dt.datetime.now().isoformat(timespec='milliseconds')} {msg}", file=sys.stderr, flush=True)


class App:
    def __init__(self, cfg: dict):
        self.cfg = cfg
        self.store = Store(Path(cfg["state_dir"]), cfg["mailboxes"], cfg["max_size"], cfg["max_downloads"])
        self.accmgr = AccountManager(cfg, self.store)

    def passwords(self) -> dict[str, str]:
        out = {}
        for line in Path(self.cfg["users_file"]).read_text(encoding="utf-8").splitlines():
            addr, sep, pw = line.partition(":")
            if sep and addr and not addr.startswith("#"):
                out[addr.lower()] = pw.split(":", 1)[0]
        return out

    def authenticate(self, header: str | None, unknown_status: int = 401) -> str:
        creds = basic_credentials(header)
        if creds is None:
            raise HttpError(401, "Basic authentication required")
        user, pw = creds
        known = self.passwords().get(user.lower())
        if known is None:
            raise HttpError(unknown_status, "no such mail account" if unknown_status == 404
                            else "authentication failed")
        if not secret_matches(known, pw):
            raise HttpError(401, "authentication failed")
        return user

    def shared_link(self, oid: str) -> str:
        return f"https://{self.cfg['kas_host']}:{self.cfg['kas_port']}{KAS_BASE}/attachment/{oid}"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "kimgate-test-KAS/1.0"
    timeout = 120
    role = "kas"   # kas | accmgr | control

    @property
    def app(self) -> App:
        return self.server.app

    # --- connection ----------------------------------------------------------------
    def setup(self) -> None:
        super().setup()
        self.tls_ok = True
        if isinstance(self.connection, ssl.SSLSocket):
            try:
                self.connection.do_handshake()
            except (ssl.SSLError, OSError) as e:
                log(f"{self.role}: TLS handshake with {self.client_address[0]} failed: {e}")
                self.tls_ok = False

    def handle(self) -> None:
        if self.tls_ok:
            super().handle()

    def log_message(self, fmt: str, *args) -> None:
        log(f"{self.role}: " + (fmt % args))

    def peer_cn(self) -> str | None:
        if not isinstance(self.connection, ssl.SSLSocket):
            return None
        cert = self.connection.getpeercert()
        if not cert:
            return None
        for rdn in cert.get("subject", ()):
            for k, v in rdn:
                if k == "commonName":
                    return v
        return ""

    # --- answers ------------------------------------------------------------------------
    def send_json(self, status: int, obj: dict, close: bool = False) -> None:
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", JSON_TYPE)
        self.send_header("Content-Length", str(len(body)))
        if status == 401:
            self.send_header("WWW-Authenticate", 'Bearer realm="KIM"' if self.entry.get("op") == "accmgr"
                             else 'Basic realm="KIM", charset="UTF-8"')
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.entry["status"] = status

    def send_error_json(self, err: HttpError, close: bool = False) -> None:
        trace = secrets.token_hex(8)
        log(f"{self.role}: {self.command} {self.path} -> {err.status} {err.message} (traceId {trace})")
        self.entry["error"] = err.message
        self.send_json(err.status, {"message": err.message, "traceId": trace}, close)

    # --- request bookkeeping ------------------------------------------------------------
    def begin(self, op: str) -> None:
        headers = []
        for k, v in self.headers.items():
            if k.lower() in ("password", "inipassword", "otp"):   # Account Manager secrets
                v = "<redacted>"
            headers.append([k, redact_authorization(v) if k.lower() == "authorization" else v])
        self.entry = {"time": time.time(), "op": op, "port": self.role, "method": self.command,
                      "path": self.path, "headers": headers, "client_cert_cn": self.peer_cn(),
                      "status": None}

    def finish_entry(self) -> None:
        if self.role != "control":
            self.app.store.log_request(self.entry)

    def route(self) -> tuple[str, str | None]:
        path = re.sub(r"/+", "/", self.path.split("?", 1)[0])
        if self.role == "kas":
            if path in (f"{KAS_BASE}/attachment", f"{KAS_BASE}/attachment/"):
                return "collection", None
            m = re.fullmatch(rf"{re.escape(KAS_BASE)}/attachment/([^/]+)", path)
            if m:
                return "item", m.group(1)
        elif self.role == "accmgr":
            if path == LIMIT_PATH:
                return "limit", None
            if path == SERVICEINFO_PATH:
                return "serviceinfo", None
            if path.startswith(ACCMGR_BASE + "/"):
                return "accmgr", path
        return "unknown", None

    def dispatch(self) -> None:
        kind, oid = self.route()
        if kind == "accmgr":
            self.accmgr_dispatch(oid)
            return
        ops = {("collection", "POST"): "add", ("item", "GET"): "get", ("item", "HEAD"): "head",
               ("item", "DELETE"): "delete", ("limit", "GET"): "limit", ("serviceinfo", "GET"): "serviceinfo"}
        op = ops.get((kind, self.command))
        self.begin(op or "unknown")
        body = None
        try:
            if op is None:
                if kind == "unknown":
                    raise HttpError(404, "resource not available")
                raise HttpError(405, f"method {self.command} not allowed here")
            if op == "add":
                body = self.body_reader()
                self.add(body)
                return
            fault = self.app.store.take_fault(op)
            if fault:
                time.sleep(fault.delay)
                if fault.status:
                    raise HttpError(fault.status, fault.message)
            getattr(self, f"op_{op}")(oid)
        except HttpError as e:
            close = body is not None and body.remaining > 0
            self.send_error_json(e, close)
            if close:
                body.drain(self.connection)
        finally:
            self.finish_entry()

    do_GET = do_HEAD = do_POST = do_DELETE = do_PUT = dispatch

    # --- I_Attachment_Service ----------------------------------------------------------------
    def body_reader(self) -> BodyReader:
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            raise HttpError(400, "Content-Length required (no Transfer-Encoding)")
        cl = self.headers.get("Content-Length")
        if cl is None or not cl.strip().isdigit():
            self.close_connection = True
            raise HttpError(400, "Content-Length required")
        return BodyReader(self.rfile, int(cl))

    def handle_expect_100(self) -> bool:
        """Refuse an upload before its body is sent when the headers already decide it."""
        kind, _ = self.route()
        if self.role != "kas" or kind != "collection" or self.command != "POST" or "add" in self.app.store.faults:
            return super().handle_expect_100()
        try:
            self.app.authenticate(self.headers.get("Authorization"))
            self.check_request_length()
        except HttpError as e:
            self.begin("add")
            self.send_error_json(e, close=True)
            self.finish_entry()
            return False
        return super().handle_expect_100()

    def check_request_length(self) -> None:
        cl = self.headers.get("Content-Length", "")
        if cl.isdigit() and int(cl) > self.app.store.max_size + FORM_OVERHEAD:
            raise HttpError(413, "request larger than the maximum mail data size")

    def add(self, body: BodyReader) -> None:
        store = self.app.store
        fault = store.take_fault("add")
        if fault:
            if fault.status:
                body.drain(self.connection, idle_timeout=30)
            time.sleep(fault.delay)
            if fault.status:
                raise HttpError(fault.status, fault.message)
        user = self.app.authenticate(self.headers.get("Authorization"))
        self.check_request_length()
        reader = MultipartReader(body, boundary_of(self.headers.get("Content-Type")))
        oid, part = store.new_upload()
        fields: dict[str, list[str]] = {}
        self.entry["form"] = []
        size = None
        try:
            reader.start()
            while (headers := reader.next_headers()) is not None:
                _, disp = parse_params(headers.get("content-disposition", ""))
                name = disp.get("name")
                if name is None:
                    raise HttpError(400, "form part without a name")
                if name == "attachment":
                    if size is not None:
                        raise HttpError(400, "more than one attachment part")
                    size = self.receive_attachment(reader, headers, disp, user, part)
                    continue
                value = reader.read_field().decode("utf-8", "replace")
                self.entry["form"].append([name, value])
                fields.setdefault(name, []).append(value)
            self.store_object(oid, part, user, fields, size)
        finally:
            if part.exists():
                part.unlink()

    def receive_attachment(self, reader: MultipartReader, headers: dict, disp: dict, user: str, part: Path) -> int:
        store = self.app.store
        self.entry["attachment"] = {"headers": [[k, v] for k, v in headers.items()], "received": 0}
        cl = headers.get("content-length", "")
        if not cl.isdigit():
            raise HttpError(400, "the attachment part needs a Content-Length")
        if not disp.get("filename"):
            raise HttpError(400, "the attachment part needs a Content-Disposition filename")
        want = int(cl)
        if want > store.max_size:
            raise HttpError(413, f"mail data of {want} bytes exceeds the maximum of {store.max_size}")
        _, remain = store.quota(user)
        if remain != -1 and want > remain:
            raise HttpError(507, "insufficient storage: the account's remaining quota is too small")
        got = 0
        with open(part, "wb") as f:
            def sink(chunk: bytes) -> None:
                nonlocal got
                got += len(chunk)
                if got > want:
                    raise HttpError(400, "attachment longer than its Content-Length")
                f.write(chunk)
                self.entry["attachment"]["received"] = got
            reader.stream_part(sink)
        if got != want:
            raise HttpError(400, f"attachment has {got} bytes, its Content-Length says {want}")
        return got

    def store_object(self, oid: str, part: Path, user: str, fields: dict[str, list[str]], size: int | None) -> None:
        for name in ("messageID", "recipients", "expires"):
            if not fields.get(name) or not all(v.strip() for v in fields[name]):
                raise HttpError(400, f"form field {name} missing")
        if size is None:
            raise HttpError(400, "form part attachment missing")
        if len(fields["messageID"]) != 1 or len(fields["expires"]) != 1:
            raise HttpError(400, "messageID and expires must appear once")
        recipients = [r.strip() for r in fields["recipients"]]
        bad = [r for r in recipients if not ADDRESS.match(r)]
        if bad:
            raise HttpError(400, f"recipients must hold one KIM address per form part: {bad[0]!r}")
        try:
            expires = parse_expires(fields["expires"][0])
        except ValueError as e:
            raise HttpError(400, f"expires: {e}") from None
        if expires.timestamp() <= time.time():
            raise HttpError(400, "expires lies in the past")
        o = StoredObject(id=oid, size=size, uploader=user, recipients=recipients,
                         message_id=fields["messageID"][0].strip(), expires=expires.timestamp(),
                         expires_header=fields["expires"][0], created=time.time())
        self.app.store.commit(o, part)
        self.entry["object"] = oid
        self.send_json(201, {"sharedLink": self.app.shared_link(oid)})

    def readable(self, oid: str) -> StoredObject:
        recipient = (self.headers.get("recipient") or "").strip()
        if not recipient:
            raise HttpError(400, "header recipient missing")
        o = self.app.store.find_live(oid)
        if o is None:
            raise HttpError(404, "resource not found at the specified link")
        if recipient.lower() not in (r.lower() for r in o.recipients):
            raise HttpError(403, "recipient not included in the KIM mail's recipient list")
        return o

    def op_head(self, oid: str) -> None:
        o = self.readable(oid)
        if not self.app.store.downloads_left(o, self.headers["recipient"].strip()):
            raise HttpError(429, "mail data downloaded too many times")
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(o.size))
        self.end_headers()
        self.entry["status"] = 200

    def op_get(self, oid: str) -> None:
        o = self.readable(oid)
        try:
            f = open(self.app.store.data_path(o.id), "rb")
        except FileNotFoundError:
            raise HttpError(404, "resource not found at the specified link") from None
        with f:
            if not self.app.store.count_download(o, self.headers["recipient"].strip()):
                raise HttpError(429, "mail data downloaded too many times")
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(o.size))
            self.end_headers()
            self.entry["status"] = 200
            sent = 0
            while chunk := f.read(CHUNK):
                self.wfile.write(chunk)
                sent += len(chunk)
            self.entry["sent"] = sent

    def op_delete(self, oid: str) -> None:
        user = self.app.authenticate(self.headers.get("Authorization"))
        o = self.app.store.find_live(oid)
        if o is None:
            raise HttpError(404, "resource not found at the specified link")
        if o.uploader.lower() != user.lower():
            raise HttpError(403, "only the uploader may delete the mail data")
        self.app.store.delete(o)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
        self.entry["status"] = 200

    # --- I_AccountLimit_Service, I_ServiceInformation -----------------------------------
    def op_limit(self, _oid) -> None:
        if self.peer_cn() is None:
            raise HttpError(401, "client certificate (C.CM.TLS-CS) required")
        user = self.app.authenticate(self.headers.get("Authorization"), unknown_status=404)
        box = self.app.store.mailbox(user)
        if box is None:
            raise HttpError(404, "no such mail account")
        quota, remain = self.app.store.quota(user)
        self.send_json(200, {"dataTimeToLive": box["data_time_to_live"], "maxMailSize": box["max_mail_size"],
                             "quota": quota, "remainQuota": remain})

    def op_serviceinfo(self, _oid) -> None:
        self.send_json(200, self.app.cfg["service_information"])


class AccmgrHandler(Handler):
    role = "accmgr"

    def accmgr_dispatch(self, path: str) -> None:
        """I_AccountManager_Service 2.4: accmgr.py decides, this writes the answer."""
        self.begin("accmgr")
        try:
            n = self.headers.get("Content-Length") or "0"
            if self.headers.get("Transfer-Encoding") or not n.isdigit() or int(n) > 256 * 1024:
                self.close_connection = True
                raise HttpError(400, "request body needs a Content-Length of at most 256 KiB")
            body = self.rfile.read(int(n))
            status, obj = self.app.accmgr.handle(self.command, path, self.headers, body)
            if obj is None:
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                self.entry["status"] = status
            else:
                self.send_json(status, obj)
        except AmError as e:
            self.send_error_json(HttpError(e.status, e.message))
        except HttpError as e:
            self.send_error_json(e)
        except Exception as e:  # a defect of the test server: say so instead of dropping the connection
            log(f"accmgr: {self.command} {path}: {e!r}")
            self.send_error_json(HttpError(500, f"internal error of the test Account Manager: {type(e).__name__}"))
        finally:
            self.finish_entry()


class ControlHandler(Handler):
    """Plain HTTP on 127.0.0.1 for tests; see README.md for the API."""
    role = "control"

    def dispatch(self) -> None:
        self.begin("control")
        store = self.app.store
        path = self.path.split("?", 1)[0].rstrip("/")
        try:
            req = self.json_body() if self.command == "POST" else {}
            if (self.command, path) == ("GET", "/health"):
                out = {"ok": True, "provider": self.app.cfg["provider"], "pid": os.getpid()}
            elif (self.command, path) == ("GET", "/objects"):
                out = {"objects": store.listing()}
            elif (self.command, path) == ("GET", "/requests"):
                with store.lock:
                    out = {"requests": list(store.requests)}
            elif (self.command, path) == ("GET", "/settings"):
                out = store.settings()
            elif (self.command, path) == ("POST", "/fail") and (req.get("op") in ACCMGR_OPS or req.get("op") == "any"):
                out = self.app.accmgr.set_fault(req)
            elif (self.command, path) == ("POST", "/fail"):
                op = req.get("op")
                if op not in OPS:
                    raise HttpError(400, f"op must be one of {', '.join(OPS)}")
                store.set_fault(op, int(req.get("count", 1)), req.get("status"), float(req.get("delay", 0)),
                                str(req.get("message", "injected failure (test world control)")))
                out = store.settings()
            elif (self.command, path) == ("POST", "/quota"):
                if store.mailbox(str(req.get("mailbox", ""))) is None:
                    raise HttpError(404, "no such mailbox on this provider")
                store.set_remain(req["mailbox"], int(req["remain"]))
                out = store.settings()
            elif (self.command, path) == ("POST", "/max-size"):
                b = req.get("bytes")
                store.max_size = store.default_max_size if b is None else int(b)
                out = store.settings()
            elif (self.command, path) == ("POST", "/max-downloads"):
                c = req.get("count")
                store.max_downloads = store.default_max_downloads if c is None else int(c)
                out = store.settings()
            elif (self.command, path) in (("POST", "/corrupt"), ("POST", "/expire")):
                done = (store.corrupt if path == "/corrupt" else store.expire)(str(req.get("id", "")))
                if not done:
                    raise HttpError(404, "no such (live) object")
                out = {"objects": store.listing()}
            elif (self.command, path) == ("POST", "/cleanup"):
                store.cleanup()
                out = {"objects": store.listing()}
            elif (self.command, path) == ("POST", "/reset"):
                store.reset()      # the KAS only; the Account Manager: POST /accounts/reset
                out = store.settings()
            else:
                out = self.app.accmgr.control(self.command, path, req)
            self.send_json(200, out)
        except (KeyError, TypeError, ValueError) as e:
            self.send_error_json(HttpError(400, f"bad control request: {e}"))
        except (HttpError, AmError) as e:
            self.send_error_json(HttpError(e.status, e.message))

    do_GET = do_POST = dispatch

    def json_body(self) -> dict:
        n = int(self.headers.get("Content-Length") or 0)
        if n > 1024 * 1024:
            raise HttpError(413, "control request too large")
        data = self.rfile.read(n) if n else b"{}"
        obj = json.loads(data or b"{}")
        if not isinstance(obj, dict):
            raise HttpError(400, "JSON object expected")
        return obj


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True)
    ap.add_argument("--pidfile", required=True)
    args = ap.parse_args()
    cfg = json.loads(Path(args.config).read_text(encoding="utf-8"))
    app = App(cfg)
    host = cfg["host"]
    servers = [
        TlsHTTPServer((host, cfg["kas_port"]), Handler,
                      server_context(cfg["cert"], cfg["key"], cfg["client_ca"], True), app),
        TlsHTTPServer((host, cfg["accmgr_port"]), AccmgrHandler,
                      server_context(cfg["cert"], cfg["key"], cfg["client_ca"], False), app),
        TlsHTTPServer((host, cfg["control_port"]), ControlHandler, None, app),
    ]
    stop = threading.Event()
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    threads.append(threading.Thread(target=cleaner, args=(app.store, 5.0, stop), daemon=True))
    threads.append(threading.Thread(target=app.accmgr.sync_vzd, daemon=True))
    for t in threads:
        t.start()

    def on_term(_sig, _frame):
        stop.set()
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    tmp = Path(args.pidfile + ".tmp")
    tmp.write_text(f"{os.getpid()}\n")
    tmp.replace(args.pidfile)
    log(f"{cfg['provider']}: KAS https://{cfg['kas_host']}:{cfg['kas_port']}{KAS_BASE}, "
        f"accmgr https://{cfg['accmgr_host']}:{cfg['accmgr_port']}, control http://{host}:{cfg['control_port']}")
    stop.wait()
    for s in servers:
        s.shutdown()
        s.server_close()
    log(f"{cfg['provider']}: stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
