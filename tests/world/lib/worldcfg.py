"""Paths, ports and fixed parameters of the kimgate test world.

Everything the world writes lives under one state directory:
${KIMGATE_WORLD_DIR:-<repo>/build/world}. Ports default to 10000 + a fixed
offset and can be moved as a block (KIMGATE_WORLD_PORT_BASE) or one by one
(KIMGATE_WORLD_<NAME>_PORT, names as in PORT_OFFSETS).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent          # tests/world/lib
WORLD_SRC = HERE.parent                         # tests/world
REPO = WORLD_SRC.parent.parent                  # <repo>
TEMPLATES = WORLD_SRC / "templates"

# Bump when the generated material changes shape: an existing PKI with an
# older stamp is thrown away and made anew on the next `up`.
MODEL_VERSION = "4"   # 2: the KAS/accmgr TLS identities; 3: practice C (SMCB-C, SMCB-C2); 4: KV Nordrhein, BKK Nordrhein (routing)

HOST = "127.0.0.1"
SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
DOMAIN_SUFFIX = "kim.telematik-test"
DNSSD_DOMAIN = DOMAIN_SUFFIX        # PTR _kas._tcp.<this>, _accmgr._tcp.<this>
DNS_TTL = 300

# name -> offset from the port base. 10000-11999 belong to the world.
PORT_OFFSETS = {
    "FD_A_SMTPS": 465,
    "FD_A_POP3S": 995,
    "FD_A_INBOUND": 25,
    "FD_B_SMTPS": 1465,
    "FD_B_POP3S": 1995,
    "FD_B_INBOUND": 1025,
    "LDAPS": 636,
    "LDAP": 389,
    "OCSP": 888,
    "HTTP": 80,
    "FD_A_KAS": 443,
    "FD_A_ACCMGR": 444,
    "FD_A_KAS_CONTROL": 445,
    "FD_B_KAS": 1443,
    "FD_B_ACCMGR": 1444,
    "FD_B_KAS_CONTROL": 1445,
    "DNS": 53,
}


def world_dir() -> Path:
    env = os.environ.get("KIMGATE_WORLD_DIR")
    return Path(env).resolve() if env else (REPO / "build" / "world")


def ports() -> dict[str, int]:
    base = int(os.environ.get("KIMGATE_WORLD_PORT_BASE", "10000"))
    out = {}
    for name, off in PORT_OFFSETS.items():
        out[name] = int(os.environ.get(f"KIMGATE_WORLD_{name}_PORT", base + off))
    if len(set(out.values())) != len(out):
        raise SystemExit(f"world: port collision in {out}")
    return out


@dataclass(frozen=True)
class Layout:
    """Where each part of the world keeps its files."""
    root: Path

    @property
    def pki(self) -> Path: return self.root / "pki"
    @property
    def pub(self) -> Path: return self.pki / "pub"          # served over HTTP
    @property
    def tokens(self) -> Path: return self.root / "tokens"
    @property
    def softhsm_conf(self) -> Path: return self.root / "softhsm2.conf"
    @property
    def vzd(self) -> Path: return self.root / "vzd"
    @property
    def run(self) -> Path: return self.root / "run"
    @property
    def logs(self) -> Path: return self.root / "logs"
    @property
    def world_json(self) -> Path: return self.root / "world.json"
    @property
    def world_env(self) -> Path: return self.root / "world.env"

    def fd(self, name: str) -> Path:
        return self.root / name
