"""SoftHSM2 tokens: one per card, holding the card's keys and certificates.

Keys are written with pkcs11-tool (not softhsm2-util --import) because only
pkcs11-tool lets us set CKA_DERIVE on the ECC encryption keys; softhsm2-util
imports EC keys as sign-only. Private key, public key and certificate of one
card key share CKA_ID and CKA_LABEL.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from model import Participant
from pki import Pki, run
from worldcfg import SOFTHSM_MODULE, Layout


def _conf_text(tokendir: Path) -> str:
    return ("# SoftHSM2 configuration of the kimgate test world (generated)\n"
            f"directories.tokendir = {tokendir}\n"
            "objectstore.backend = file\n"
            "log.level = ERROR\n"
            "slots.removable = false\n"
            "slots.mechanisms = ALL\n")


def write_conf(layout: Layout) -> None:
    layout.tokens.mkdir(parents=True, exist_ok=True)
    text = _conf_text(layout.tokens)
    if not layout.softhsm_conf.exists() or layout.softhsm_conf.read_text() != text:
        layout.softhsm_conf.write_text(text)


def _p11(conf: Path, token: str, pin: str, *args: str) -> None:
    env = dict(os.environ, SOFTHSM2_CONF=str(conf))
    res = subprocess.run(["pkcs11-tool", "--module", SOFTHSM_MODULE, "--token-label", token,
                          "--login", "--pin", pin, *args], env=env, capture_output=True)
    if res.returncode != 0:
        raise RuntimeError(f"pkcs11-tool {' '.join(args)} on {token}: {res.stderr.decode(errors='replace')}")


def make_tokens(layout: Layout, pki: Pki, parts: list[Participant]) -> None:
    """Build each token in a private token directory (SoftHSM is not safe
    against concurrent writers of one directory), in parallel, then move the
    finished token directories into the world's token directory."""
    if layout.tokens.exists():
        shutil.rmtree(layout.tokens)
    build = layout.root / "tokens.build"
    if build.exists():
        shutil.rmtree(build)
    write_conf(layout)
    cards = [p for p in parts if p.token]
    with ThreadPoolExecutor(len(cards) or 1) as ex:
        list(ex.map(lambda p: _build_token(build / p.token, pki, p), cards))
    for p in cards:
        for d in (build / p.token / "tokens").iterdir():
            d.rename(layout.tokens / d.name)
    shutil.rmtree(build)


def _build_token(d: Path, pki: Pki, p: Participant) -> None:
    (d / "tokens").mkdir(parents=True)
    conf = d / "softhsm2.conf"
    conf.write_text(_conf_text(d / "tokens"))
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", p.token,
                    "--pin", p.user_pin, "--so-pin", p.so_pin],
                   env=dict(os.environ, SOFTHSM2_CONF=str(conf)), check=True, capture_output=True)
    for k in p.keys:
        paths = pki.key_paths(p.id, k.label)
        pub = paths["key_der"].with_suffix(".pub.der")
        run("openssl", "pkey", "-in", str(paths["key_pem"]), "-pubout", "-outform", "DER", "-out", str(pub))
        usage = [f"--usage-{u}" for u in k.p11_usage]
        common = ["--id", k.cka_id, "--label", k.label]
        _p11(conf, p.token, p.user_pin, "--write-object", str(paths["key_der"]), "--type", "privkey",
             *common, *usage)
        _p11(conf, p.token, p.user_pin, "--write-object", str(pub), "--type", "pubkey", *common, *usage)
        _p11(conf, p.token, p.user_pin, "--write-object", str(paths["cert_der"]), "--type", "cert", *common)
        pub.unlink()
