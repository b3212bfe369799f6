"""world.json and world.env: the machine-readable description of the world.

Tests, the demo and kimgated's test configuration read only these files.
The schema is documented in tests/world/README.md; keep both in step and
bump SCHEMA_VERSION on incompatible changes.
"""
from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

from model import CAS, KONNEKTOR_ICCSN, Participant, registration_letters
from pki import Pki, tls_p12_password
from render import (KAS_MAX_DOWNLOADS, KAS_MAX_SIZE, PROVIDERS, VZD_ADMIN_PW, dns_paths, dns_records, kas_hosts,
                    kas_mailboxes, mailboxes, provider_paths, provider_ports)
from worldcfg import DNS_TTL, DNSSD_DOMAIN, HOST, SOFTHSM_MODULE, Layout

SCHEMA_VERSION = 1


def _s(p: Path) -> str:
    return str(p)


def key_status(p: Participant) -> str:
    return {"expired": "expired", "revoked": "revoked", "wrong_key_usage": "wrong_key_usage"}.get(
        p.awkward or "", "good")


def kas_entry(layout: Layout, pki: Pki, ports: dict[str, int], fd: str) -> dict:
    pp, pt, tls = provider_paths(layout, fd), provider_ports(ports, fd), pki.tls_paths(f"kas-{fd}")
    host = kas_hosts(fd)[0]
    return {"host": host, "port": pt["kas"], "url": f"https://{host}:{pt['kas']}/attachments/v2.4",
            "control": f"http://{HOST}:{pt['kas_control']}", "control_port": pt["kas_control"],
            "address": HOST, "client_certificate": "required (issued by the komp CA)",
            "server_cert_pem": _s(tls["cert_pem"]), "server_fullchain_pem": _s(tls["fullchain_pem"]),
            "max_size": KAS_MAX_SIZE, "max_downloads": KAS_MAX_DOWNLOADS,
            "config": _s(pp["kas_config"]), "state_dir": _s(pp["kas_state"]), "log": _s(pp["kas_log"])}


def accmgr_entry(ports: dict[str, int], fd: str) -> dict:
    host, port = kas_hosts(fd)[1], provider_ports(ports, fd)["accmgr"]
    base = f"https://{host}:{port}"
    return {"host": host, "port": port, "url": base, "address": HOST,
            "client_certificate": "optional; AccountLimit requires one",
            "accountlimit_url": f"{base}/AccountLimit/v1.1", "serviceinformation_url": f"{base}/ServiceInformation/v1.0",
            "accountmanager_url": f"{base}/AccountMgmt/v2.4",
            "control": f"http://{HOST}:{provider_ports(ports, fd)['kas_control']}"}


def mailbox_limits(box: dict) -> dict:
    return {"kim_version": box["kim_version"], "large_mail": (box["kim_version"] or "").endswith("+"),
            "data_time_to_live": box["data_time_to_live"], "quota": box["quota"], "max_mail_size": box["max_mail_size"]}


def dns_entry(layout: Layout, ports: dict[str, int]) -> dict:
    dp, r = dns_paths(layout), dns_records(ports)
    return {"server": f"{HOST}:{ports['DNS']}", "host": HOST, "port": ports["DNS"], "dnssd_domain": DNSSD_DOMAIN,
            "ttl": DNS_TTL, "config": _s(dp["conf"]), "log": _s(dp["log"]),
            "records": {"PTR": [{"name": n, "target": t} for n, t in r["ptr"]],
                        "SRV": [{"name": n, "target": h, "port": p, "priority": 0, "weight": 0}
                                for n, h, p in r["srv"]],
                        "TXT": [{"name": n, "strings": t} for n, t in r["txt"]],
                        "A": [{"name": n, "address": a} for n, a in r["a"]]}}


def describe(layout: Layout, pki: Pki, ports: dict[str, int], parts: list[Participant]) -> dict:
    cas = {}
    for ca in CAS:
        cas[ca.id] = {
            "cn": ca.cn, "algorithm": "RSA-2048" if ca.alg == "rsa" else "brainpoolP256r1",
            "issuer": ca.parent, "cert_pem": _s(pki.ca_pem(ca.id)), "cert_der": _s(pki.ca_der(ca.id)),
            "chain_pem": _s(pki.chain(ca.id)),
            "crl_pem": _s(pki.crl_pem(ca.id)), "crl_der": _s(pki.crl_der(ca.id)), "crl_url": pki.crl_url(ca.id),
            "ocsp_url": pki.ocsp_url(ca.id),
            "ocsp_signer_pem": _s(pki.ca_dir(ca.id) / "ocsp.pem") if ca.has_ocsp else None,
            "index": _s(pki.ca_dir(ca.id) / "index.txt"),
        }
    providers = {}
    for fd in PROVIDERS:
        pp, pt, tls = provider_paths(layout, fd), provider_ports(ports, fd), pki.tls_paths(fd)
        providers[fd] = {
            "domain": f"{fd}.kim.telematik-test", "host": HOST, "tls_server_name": f"mx.{fd}.kim.telematik-test",
            "smtps_port": pt["smtps"], "pop3s_port": pt["pop3s"], "inbound_port": pt["inbound"],
            "smtps_url": f"smtps://{HOST}:{pt['smtps']}", "pop3s_url": f"pop3s://{HOST}:{pt['pop3s']}",
            "max_message_size": 760000000,
            "server_cert_pem": _s(tls["cert_pem"]), "server_cert_der": _s(tls["cert_der"]),
            "server_key_pem": _s(tls["key_pem"]), "server_fullchain_pem": _s(tls["fullchain_pem"]),
            "postfix_config_dir": _s(pp["postfix"]), "postfix_queue_dir": _s(pp["queue"]),
            "dovecot_config": _s(pp["dovecot_conf"]), "maildir_root": _s(pp["mail"]),
            "postfix_log": _s(pp["postfix_log"]), "dovecot_log": _s(pp["dovecot_log"]),
            "mailboxes": sorted(mailboxes(parts, fd)),
            "kas": kas_entry(layout, pki, ports, fd),
            "accmgr": accmgr_entry(ports, fd),
        }

    def tls_entry(tid: str, **extra) -> dict:
        t = pki.tls_paths(tid)
        return dict({"cert_pem": _s(t["cert_pem"]), "cert_der": _s(t["cert_der"]), "key_pem": _s(t["key_pem"]),
                     "chain_pem": _s(t["chain_pem"]), "fullchain_pem": _s(t["fullchain_pem"]),
                     "p12": _s(t["p12"]), "p12_password": tls_p12_password(tid),
                     "serial": pki.serial_of(t["cert_pem"])}, **extra)

    participants = {}
    for p in parts:
        keys = {}
        for k in p.keys:
            kp = pki.key_paths(p.id, k.label)
            keys[k.label] = {
                "cert_type": k.cert_type, "algorithm": "RSA-2048" if k.alg == "rsa" else "brainpoolP256r1",
                "issuer_ca": k.ca, "cka_id": k.cka_id, "label": k.label, "key_usage": k.key_usage,
                "policies": list(k.policies), "pkcs11_usage": list(k.p11_usage),
                "cert_pem": _s(kp["cert_pem"]), "cert_der": _s(kp["cert_der"]),
                "key_pem": _s(kp["key_pem"]), "key_der": _s(kp["key_der"]), "chain_pem": _s(kp["chain_pem"]),
                "p12": _s(kp["p12"]), "p12_password": p.p12_password,
                "serial": pki.serial_of(kp["cert_pem"]), "status": key_status(p),
                "in_vzd": k.cert_type.endswith(".ENC"),
            }
        participants[p.id] = {
            "id": p.id, "name": p.name, "role": p.role, "provider": p.provider,
            "kim_address": p.address or None, "mailbox_password": p.password or None,
            "telematik_id": p.telematik_id, "bsnr": p.bsnr, "ik": p.ik, "lanr": p.lanr,
            "kv_region": p.kv_region, "domain_ids": list(p.domain_ids),
            "profession_oid": p.profession_oids[0], "profession_oids": list(p.profession_oids),
            "entry_type": p.entry_type, "kom_le_version": p.kom_le, "kim_data": p.kim_data,
            "large_mail": (p.kom_le or "").endswith("+"), "awkward": p.awkward,
            "data_time_to_live": p.data_time_to_live, "quota": p.quota,
            "vzd_dn": f"uid={p.vzd_uid},dc=data,dc=vzd",
            "card": {"type": p.card_type, "iccsn": p.iccsn,
                     "pin_type": "PIN.CH" if p.card_type == "HBA" else "PIN.SMC",
                     "token_label": p.token, "user_pin": p.user_pin, "so_pin": p.so_pin,
                     "p12_password": p.p12_password},
            "keys": keys,
        }
    awkward = {}
    for p in parts:
        if p.awkward:
            a = awkward.setdefault(p.awkward, {"kim_address": p.address, "participants": [], "provider": p.provider})
            a["participants"].append(p.id)
    awkward_doc = {
        "expired": "only ENC certificate expired (notAfter 2021-01-01)",
        "revoked": "only ENC certificate revoked (keyCompromise): CRL and OCSP say revoked",
        "wrong_key_usage": "'ENC' certificate with keyUsage digitalSignature only; no komLeData (= KIM 1.0)",
        "two_telematik_ids": "one address in two VZD entries whose ENC certificates carry different TelematikIDs",
    }
    for k, v in awkward.items():
        v["description"] = awkward_doc[k]

    w = {
        "schema_version": SCHEMA_VERSION,
        "world_dir": _s(layout.root),
        "host": HOST,
        "env_file": _s(layout.world_env),
        "ports": ports,
        "pki": {
            "root_pem": _s(pki.ca_pem("root")), "root_der": _s(pki.ca_der("root")),
            "ca_bundle_pem": _s(pki.bundle()), "crls_pem": _s(layout.pki / "crls.pem"),
            "cas": cas,
        },
        "ocsp": {
            "url": pki.ocsp_url("smcb"),
            "port": ports["OCSP"],
            "responders": {c.id: {"url": pki.ocsp_url(c.id), "ca_pem": _s(pki.ca_pem(c.id)),
                                  "signer_pem": _s(pki.ca_dir(c.id) / "ocsp.pem")}
                           for c in CAS if c.has_ocsp},
        },
        "crl": {"path": _s(pki.crl_pem("smcb")), "der_path": _s(pki.crl_der("smcb")),
                "url": pki.crl_url("smcb"), "http_base_url": f"http://{HOST}:{ports['HTTP']}/"},
        "providers": providers,
        "client_module": tls_entry("cm", cn="kimgate-cm-01#CM", cert_type="C.CM.TLS-CS"),
        "konnektor": tls_entry("konnektor", iccsn=KONNEKTOR_ICCSN, cn=KONNEKTOR_ICCSN,
                               cert_type="C.AK.AUT", san_dns=["konnektor.konlan"]),
        "vzd": {
            "ldaps_url": f"ldaps://{HOST}:{ports['LDAPS']}", "ldap_url": f"ldap://{HOST}:{ports['LDAP']}",
            "host": HOST, "ldaps_port": ports["LDAPS"], "ldap_port": ports["LDAP"],
            "base_dn": "dc=data,dc=vzd", "bind": "anonymous",
            "admin_dn": "cn=admin,dc=data,dc=vzd", "admin_password": VZD_ADMIN_PW,
            "tls_server_name": "ldap.vzd.kim.telematik-test",
            "server_cert_pem": _s(pki.tls_paths("vzd")["cert_pem"]),
            "schema": _s(layout.vzd / "vzd-test.schema"), "seed_ldif": _s(layout.vzd / "seed.ldif"),
            "log": _s(layout.logs / "vzd-slapd.log"),
        },
        "softhsm": {"module": SOFTHSM_MODULE, "conf": _s(layout.softhsm_conf), "tokendir": _s(layout.tokens),
                    "tokens": {p.token: p.id for p in parts if p.token},
                    "missing_mechanisms": ["CKM_RSA_PKCS_OAEP with SHA-256 (only SHA-1 OAEP works)"]},
        "participants": participants,
        "mailboxes": [dict({"address": a, "password": pw, "provider": fd,
                        "participants": [p.id for p in parts if p.address == a]},
                       **mailbox_limits(kas_mailboxes(parts, fd)[a]))
                  for fd in PROVIDERS for a, pw in sorted(mailboxes(parts, fd).items())],
        "dns": dns_entry(layout, ports),
        "awkward": awkward,
        # What a provider hands a practice for registerAccount (Account Manager, lib/accmgr.py).
        "registration_letters": [{"provider": l.provider, "reference_id": l.reference_id,
                                  "initial_password": l.initial_password, "telematik_id": l.telematik_id,
                                  "participant": l.participant, "address_hint": l.address_hint}
                                 for l in registration_letters(parts)],
        "logs_dir": _s(layout.logs),
    }
    return w


def _env_name(*parts: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "_", "_".join(parts).upper()).strip("_")


def env_lines(w: dict) -> list[str]:
    kv: list[tuple[str, object]] = [
        ("WORLD_DIR", w["world_dir"]), ("WORLD_JSON", str(Path(w["world_dir"]) / "world.json")),
        ("WORLD_HOST", w["host"]),
        ("WORLD_CA_PEM", w["pki"]["ca_bundle_pem"]), ("WORLD_ROOT_CA_PEM", w["pki"]["root_pem"]),
        ("WORLD_CRLS_PEM", w["pki"]["crls_pem"]),
        ("WORLD_OCSP_URL", w["ocsp"]["url"]), ("WORLD_CRL_PEM", w["crl"]["path"]), ("WORLD_CRL_URL", w["crl"]["url"]),
        ("WORLD_HTTP_URL", w["crl"]["http_base_url"]),
        ("WORLD_LDAPS_URL", w["vzd"]["ldaps_url"]), ("WORLD_LDAP_URL", w["vzd"]["ldap_url"]),
        ("WORLD_LDAP_BASE", w["vzd"]["base_dn"]), ("WORLD_LDAPS_PORT", w["vzd"]["ldaps_port"]),
        ("WORLD_LDAP_ADMIN_DN", w["vzd"]["admin_dn"]), ("WORLD_LDAP_ADMIN_PASSWORD", w["vzd"]["admin_password"]),
        ("SOFTHSM2_CONF", w["softhsm"]["conf"]), ("WORLD_PKCS11_MODULE", w["softhsm"]["module"]),
    ]
    for name, port in w["ports"].items():
        kv.append((f"WORLD_PORT_{name}", port))
    for ca, r in w["ocsp"]["responders"].items():
        kv.append((_env_name("WORLD_OCSP", ca, "URL"), r["url"]))
    for ca, c in w["pki"]["cas"].items():
        kv += [(_env_name("WORLD_CA", ca, "PEM"), c["cert_pem"]), (_env_name("WORLD_CA", ca, "CRL_PEM"), c["crl_pem"])]
    for fd, p in w["providers"].items():
        for key in ("domain", "tls_server_name", "smtps_port", "pop3s_port", "inbound_port",
                    "server_cert_pem", "postfix_config_dir", "dovecot_config", "maildir_root"):
            kv.append((_env_name("WORLD", fd, key), p[key]))
    for prefix, tid in (("WORLD_CM", "client_module"), ("WORLD_KONNEKTOR", "konnektor")):
        t = w[tid]
        for key in ("cert_pem", "cert_der", "key_pem", "chain_pem", "fullchain_pem", "p12", "p12_password"):
            kv.append((_env_name(prefix, key), t[key]))
    kv.append(("WORLD_KONNEKTOR_ICCSN", w["konnektor"]["iccsn"]))
    kv += [("WORLD_DNS_SERVER", w["dns"]["server"]), ("WORLD_DNS_PORT", w["dns"]["port"]),
           ("WORLD_DNSSD_DOMAIN", w["dns"]["dnssd_domain"])]
    for fd, p in w["providers"].items():
        kv += [(_env_name("WORLD", fd, "KAS_URL"), p["kas"]["url"]),
               (_env_name("WORLD", fd, "KAS_CONTROL"), p["kas"]["control"]),
               (_env_name("WORLD", fd, "ACCMGR_URL"), p["accmgr"]["url"])]
    for letter in w["registration_letters"]:
        pre = _env_name("WORLD", letter["provider"], letter["participant"])
        kv += [(f"{pre}_REFERENCE_ID", letter["reference_id"]), (f"{pre}_INITIAL_PASSWORD", letter["initial_password"])]
    for pid, p in w["participants"].items():
        pre = _env_name("WORLD", pid)
        if p["kim_address"]:
            kv += [(f"{pre}_ADDRESS", p["kim_address"]), (f"{pre}_PASSWORD", p["mailbox_password"])]
        kv += [(f"{pre}_PROVIDER", p["provider"]), (f"{pre}_TELEMATIK_ID", p["telematik_id"]),
               (f"{pre}_ICCSN", p["card"]["iccsn"])]
        for opt in ("bsnr", "ik"):
            if p[opt]:
                kv.append((f"{pre}_{opt.upper()}", p[opt]))
        if p["card"]["token_label"]:
            kv += [(f"{pre}_TOKEN", p["card"]["token_label"]), (f"{pre}_PIN", p["card"]["user_pin"]),
                   (f"{pre}_SO_PIN", p["card"]["so_pin"])]
        kv.append((f"{pre}_P12_PASSWORD", p["card"]["p12_password"]))
        for label, k in p["keys"].items():
            kp = _env_name(pre, label.replace("C.", "", 1))
            kv += [(f"{kp}_CERT_PEM", k["cert_pem"]), (f"{kp}_CERT_DER", k["cert_der"]),
                   (f"{kp}_KEY_PEM", k["key_pem"]), (f"{kp}_P12", k["p12"]), (f"{kp}_CKA_ID", k["cka_id"])]
    return [f"{k}={shlex.quote(str(v))}" for k, v in kv]


def write_description(layout: Layout, w: dict) -> None:
    tmp = layout.world_json.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(w, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(layout.world_json)
    head = ["# kimgate test world (generated by tests/world/up). Shell-sourceable.",
            "# The complete description is in world.json (WORLD_JSON)."]
    tmp = layout.world_env.with_suffix(".env.tmp")
    tmp.write_text("\n".join(head + env_lines(w)) + "\n", encoding="utf-8")
    tmp.replace(layout.world_env)
