#!/usr/bin/env python3
"""Generator of the kimgate test world's files (called by tests/world/up).

    world.py generate   PKI and tokens (if missing or outdated), CRLs, all
                        daemon configs, seed LDIF, world.json, world.env
    world.py layout     print the state directory

Processes are started and stopped by the bash scripts beside this folder;
this program only writes files.
"""
from __future__ import annotations

import shutil
import sys
import time

# No __pycache__ in the source tree.
sys.dont_write_bytecode = True

import describe  # noqa: E402
import model
import render
import tokens
from pki import Pki
from worldcfg import MODEL_VERSION, Layout, ports, world_dir


def stamp_text(p: dict[str, int]) -> str:
    # The OCSP and HTTP ports are baked into every certificate (AIA, CRL DP).
    baked = {k: v for k, v in p.items() if k in ("OCSP", "HTTP")}
    return f"model={MODEL_VERSION} ports={sorted(baked.items())}\n"


def log(msg: str) -> None:
    print(f"world: {msg}", file=sys.stderr, flush=True)


def ensure_material(layout: Layout, pki: Pki, parts, p: dict[str, int]) -> None:
    stamp = layout.pki / ".stamp"
    if stamp.exists() and stamp.read_text() == stamp_text(p) and layout.softhsm_conf.exists():
        return
    t0 = time.monotonic()
    log("creating the test PKI and the SoftHSM tokens")
    for d in (layout.pki, layout.tokens):
        if d.exists():
            shutil.rmtree(d)
    layout.pki.mkdir(parents=True)
    layout.pki.chmod(0o755)
    pki.req_cnf()
    pki.make_cas()
    pki.make_ocsp_signers()
    pki.make_participants(parts)
    pki.make_tls(model.tls_identities())
    pki.finish_files(parts, model.tls_identities())
    tokens.make_tokens(layout, pki, parts)
    stamp.write_text(stamp_text(p))
    log(f"PKI and tokens ready in {time.monotonic() - t0:.1f}s")


def generate() -> None:
    layout = Layout(world_dir())
    p = ports()
    for d in (layout.root, layout.run, layout.logs):
        d.mkdir(parents=True, exist_ok=True)
    layout.root.chmod(0o755)
    parts = model.participants()
    pki = Pki(layout, p)
    ensure_material(layout, pki, parts, p)
    tokens.write_conf(layout)
    pki.gencrls()
    for fd in render.PROVIDERS:
        render.render_provider(layout, pki, p, parts, fd)
        render.render_kas(layout, pki, p, parts, fd)
    render.render_dns(layout, p)
    render.render_vzd(layout, pki, parts)
    describe.write_description(layout, describe.describe(layout, pki, p, parts))


def main(argv: list[str]) -> int:
    if argv[1:] == ["generate"]:
        generate()
        return 0
    if argv[1:] == ["layout"]:
        print(world_dir())
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
