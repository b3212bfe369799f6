#!/usr/bin/env python3
"""The world's PKI web service: OCSP responder, CRLs and CA certificates.

One process, two sockets on 127.0.0.1:
  OCSP port   POST /<ca>            (RFC 6960 over HTTP, body = DER request)
              GET  /<ca>/<base64>   (RFC 6960 A.1 GET form)
  HTTP port   GET  /crl/<ca>.crl, /ca/<ca>.der (CRL distribution points, AIA)

Each OCSP answer is made by `openssl ocsp` in file mode from that CA's
`openssl ca` database, signed by the CA's delegated OCSP signer. We do not
use `openssl ocsp -port`: OpenSSL 3.0 cannot bind it to 127.0.0.1 only.
The CA database is read per request, so a revocation shows at once.
"""
from __future__ import annotations

import argparse
import base64
import os
import subprocess
import sys
import tempfile
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

MAX_REQUEST = 64 * 1024


class Handler(BaseHTTPRequestHandler):
    server_version = "kimgate-world-pki/1"
    pki: Path = Path()

    def log_message(self, fmt: str, *args) -> None:
        sys.stderr.write(f"{self.address_string()} {self.command} {self.path} {fmt % args}\n")

    def _send(self, code: int, body: bytes, ctype: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _ca_dir(self, name: str) -> Path | None:
        if not name.replace("_", "").isalnum():
            return None
        d = self.pki / "ca" / name
        return d if (d / "ocsp.pem").exists() else None

    def _ocsp(self, ca: str, req: bytes) -> None:
        d = self._ca_dir(ca)
        if d is None or not req or len(req) > MAX_REQUEST:
            self._send(404 if d is None else 400, b"", "text/plain")
            return
        with tempfile.TemporaryDirectory() as tmp:
            rq, rs = Path(tmp) / "req.der", Path(tmp) / "resp.der"
            rq.write_bytes(req)
            res = subprocess.run(
                ["openssl", "ocsp", "-index", str(d / "index.txt"), "-CA", str(d / "ca.pem"),
                 "-rsigner", str(d / "ocsp.pem"), "-rkey", str(d / "ocsp.key"),
                 "-reqin", str(rq), "-respout", str(rs), "-nmin", "60"],
                capture_output=True)
            if res.returncode != 0 or not rs.exists():
                sys.stderr.write(res.stderr.decode(errors="replace"))
                self._send(500, b"", "text/plain")
                return
            self._send(200, rs.read_bytes(), "application/ocsp-response")

    def do_POST(self) -> None:
        n = int(self.headers.get("Content-Length") or 0)
        if n > MAX_REQUEST:
            self._send(413, b"", "text/plain")
            return
        self._ocsp(self.path.strip("/"), self.rfile.read(n))

    def do_GET(self) -> None:
        parts = [p for p in self.path.split("/") if p]
        if len(parts) == 2 and parts[0] in ("crl", "ca"):
            f = self.pki / "pub" / parts[0] / parts[1]
            if f.is_file() and f.resolve().parent == (self.pki / "pub" / parts[0]).resolve():
                ctype = "application/pkix-crl" if parts[0] == "crl" else "application/pkix-cert"
                self._send(200, f.read_bytes(), ctype)
                return
        elif len(parts) >= 2 and self._ca_dir(parts[0]):
            b64 = urllib.parse.unquote("/".join(parts[1:]))
            try:
                req = base64.b64decode(b64, validate=False)
            except ValueError:
                req = b""
            self._ocsp(parts[0], req)
            return
        self._send(404, b"not found\n", "text/plain")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pki", required=True)
    ap.add_argument("--ocsp-port", type=int, required=True)
    ap.add_argument("--http-port", type=int, required=True)
    ap.add_argument("--pidfile", required=True)
    a = ap.parse_args()
    Handler.pki = Path(a.pki)
    servers = [ThreadingHTTPServer(("127.0.0.1", port), Handler) for port in (a.ocsp_port, a.http_port)]
    # Write the pid only once both sockets listen: `up` waits for the file.
    Path(a.pidfile).write_text(f"{os.getpid()}\n")
    for s in servers[1:]:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    try:
        servers[0].serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
