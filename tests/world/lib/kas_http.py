"""HTTP building blocks of the test KAS: a streaming multipart/form-data
reader, the RFC 5322 date parser of the `expires` field, Basic auth, and an
HTTPS ThreadingHTTPServer that does the TLS handshake in the worker thread.

Nothing here holds a request body in memory: a form part is either a small
text field (bounded) or passed on chunk by chunk to a sink.
"""
from __future__ import annotations

import base64
import datetime as dt
import re
import socket
import ssl
from http.server import ThreadingHTTPServer

# 64 KiB: below glibc's mmap threshold, so a read does not map and unmap fresh pages
# (a TLS record carries at most 16 KiB anyway).
CHUNK = 64 * 1024
FIELD_LIMIT = 64 * 1024      # a text form field (messageID, recipients, expires)
HEADER_LIMIT = 16 * 1024     # the header block of one form part


class HttpError(Exception):
    """Answer the request with this status and an Error JSON body."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


# --- the request body -----------------------------------------------------------
class BodyReader:
    """Reads exactly Content-Length bytes from the connection."""

    def __init__(self, rfile, length: int):
        self.rfile = rfile
        self.remaining = length

    def read(self, n: int = CHUNK) -> bytes:
        if self.remaining <= 0:
            return b""
        data = self.rfile.read1(min(n, self.remaining)) if hasattr(self.rfile, "read1") \
            else self.rfile.read(min(n, self.remaining))
        if not data:
            raise HttpError(400, "request body shorter than Content-Length")
        self.remaining -= len(data)
        return data

    def drain(self, sock: socket.socket | None, idle_timeout: float = 2.0) -> None:
        """Discard the rest of the body; give up when the client stops sending."""
        if sock is not None:
            sock.settimeout(idle_timeout)
        try:
            while self.remaining > 0:
                self.read()
        except (OSError, HttpError):
            pass


def parse_params(value: str) -> tuple[str, dict[str, str]]:
    """'form-data; name="x"; filename=y' -> ('form-data', {'name': 'x', 'filename': 'y'})."""
    items, cur, quoted, esc = [], "", False, False
    for ch in value:
        if esc:
            cur += ch
            esc = False
        elif ch == "\\" and quoted:
            esc = True
        elif ch == '"':
            quoted = not quoted
            cur += ch
        elif ch == ";" and not quoted:
            items.append(cur)
            cur = ""
        else:
            cur += ch
    items.append(cur)
    params = {}
    for it in items[1:]:
        if "=" in it:
            k, v = it.split("=", 1)
            v = v.strip()
            if len(v) >= 2 and v[0] == v[-1] == '"':
                v = v[1:-1]
            params[k.strip().lower()] = v
    return items[0].strip().lower(), params


def boundary_of(content_type: str | None) -> bytes:
    if not content_type:
        raise HttpError(400, "Content-Type multipart/form-data required")
    kind, params = parse_params(content_type)
    if kind != "multipart/form-data":
        raise HttpError(400, f"Content-Type {kind} is not multipart/form-data")
    b = params.get("boundary", "")
    if not 1 <= len(b) <= 70:
        raise HttpError(400, "multipart boundary missing or invalid")
    return b.encode("latin-1")


class MultipartReader:
    """Streams the parts of a multipart/form-data body (RFC 7578)."""

    def __init__(self, body: BodyReader, boundary: bytes):
        self.body = body
        self.buf = b""
        self.delim = b"--" + boundary
        self.part_end = b"\r\n--" + boundary
        self.done = False

    def _fill(self) -> None:
        data = self.body.read()
        self.buf += data

    def _pump(self, marker: bytes, sink, limit: int | None) -> None:
        """Pass everything before marker to sink, consume the marker."""
        keep = len(marker) - 1
        total = 0
        while True:
            i = self.buf.find(marker)
            if i >= 0:
                chunk, self.buf = self.buf[:i], self.buf[i + len(marker):]
                total += len(chunk)
                if limit is not None and total > limit:
                    raise HttpError(400, "form part too large")
                sink(chunk)
                return
            if len(self.buf) > keep:
                chunk, self.buf = self.buf[:-keep], self.buf[-keep:]
                total += len(chunk)
                if limit is not None and total > limit:
                    raise HttpError(400, "form part too large")
                sink(chunk)
            if self.body.remaining <= 0:
                raise HttpError(400, "multipart body ends without its closing boundary")
            self._fill()

    def _need(self, n: int) -> bytes:
        while len(self.buf) < n:
            if self.body.remaining <= 0:
                raise HttpError(400, "multipart body truncated")
            self._fill()
        return self.buf[:n]

    def start(self) -> None:
        self._pump(self.delim, lambda _chunk: None, None)   # preamble

    def next_headers(self) -> dict[str, str] | None:
        """Headers of the next part (lower-case names), None after the last part."""
        if self.done:
            return None
        tail = self._need(2)
        if tail == b"--":
            self.done = True
            self.body.drain(None)     # epilogue
            return None
        if tail != b"\r\n":
            raise HttpError(400, "malformed multipart delimiter")
        self.buf = self.buf[2:]
        if self._need(2) == b"\r\n":
            self.buf = self.buf[2:]
            return {}
        raw = bytearray()
        self._pump(b"\r\n\r\n", raw.extend, HEADER_LIMIT)
        headers = {}
        for line in bytes(raw).decode("utf-8", "replace").split("\r\n"):
            if ":" not in line:
                raise HttpError(400, "malformed multipart part header")
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
        return headers

    def read_field(self) -> bytes:
        out = bytearray()
        self._pump(self.part_end, out.extend, FIELD_LIMIT)
        return bytes(out)

    def stream_part(self, sink) -> None:
        self._pump(self.part_end, sink, None)


# --- the expires field ---------------------------------------------------------------
_MONTHS = {m: i + 1 for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}
_MONTHS.update({"mär": 3, "mrz": 3, "mai": 5, "okt": 10, "dez": 12})   # German locale
_DAYS = {"mon", "tue", "wed", "thu", "fri", "sat", "sun", "mo", "di", "mi", "do", "fr", "sa", "so"}
_DATE = re.compile(
    r"^\s*(?:(?P<dow>[A-Za-zäÄ]{2,3})\.?,\s*)?(?P<day>\d{1,2})\s+(?P<mon>[A-Za-zäÄ]{3})\.?\s+(?P<year>\d{2}|\d{4})"
    r"\s+(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?\s+(?P<zone>[+-]\d{4}|GMT|UTC|UT|Z)\s*$")


def parse_expires(text: str, now: dt.datetime | None = None) -> dt.datetime:
    """RFC 5322 date-time as the reference KAS accepts it: optional weekday,
    2- or 4-digit year, optional seconds, English or German abbreviations.
    A 2-digit year is placed like Java's SimpleDateFormat "yy": within
    80 years before and 20 years after now."""
    m = _DATE.match(text)
    if not m:
        raise ValueError(f"not an RFC 5322 date-time: {text!r}")
    if m["dow"] and m["dow"].lower() not in _DAYS:
        raise ValueError(f"unknown weekday {m['dow']!r}")
    mon = _MONTHS.get(m["mon"].lower())
    if mon is None:
        raise ValueError(f"unknown month {m['mon']!r}")
    year = int(m["year"])
    if len(m["year"]) == 2:
        now = now or dt.datetime.now(dt.timezone.utc)
        year += (now.year // 100) * 100
        if year > now.year + 20:
            year -= 100
        elif year <= now.year - 80:
            year += 100
    zone = m["zone"]
    if zone[0] in "+-":
        off = dt.timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5]))
        tz = dt.timezone(off if zone[0] == "+" else -off)
    else:
        tz = dt.timezone.utc
    return dt.datetime(year, mon, int(m["day"]), int(m["h"]), int(m["m"]), int(m["s"] or 0), tzinfo=tz)


# --- Basic auth -------------------------------------------------------------------------
def basic_credentials(header: str | None) -> tuple[str, str] | None:
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, sep, pw = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return (user, pw) if sep else None


def redact_authorization(header: str) -> str:
    """For the request log: the scheme and the user name, never the password."""
    creds = basic_credentials(header)
    if creds:
        return f"Basic {creds[0]}"
    scheme = header.partition(" ")[0]
    return f"{scheme} <redacted>"


# --- HTTPS ---------------------------------------------------------------------------------
class TlsHTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer whose connections are TLS; the handshake runs in
    the connection's thread (handler.setup), not in the accept loop."""
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, handler, context: ssl.SSLContext | None, app):
        self.context = context
        self.app = app
        super().__init__(addr, handler)

    def get_request(self):
        sock, addr = self.socket.accept()
        if self.context is None:
            return sock, addr
        return self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr

    def handle_error(self, request, client_address):
        # A client that goes away mid-request is not a server error.
        import sys
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, ssl.SSLError, TimeoutError, socket.timeout)):
            return
        super().handle_error(request, client_address)


def server_context(cert: str, key: str, client_ca: str, require_client_cert: bool) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    # Only the component CA that issues C.CM.TLS-CS is a trust anchor (not the root, which
    # would also accept card certificates whose chain the client sends along).
    ctx.load_verify_locations(client_ca)
    ctx.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
    ctx.verify_mode = ssl.CERT_REQUIRED if require_client_cert else ssl.CERT_OPTIONAL
    return ctx
