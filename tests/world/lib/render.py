"""Configuration files of the world's daemons, rendered from templates/.

Placeholders are written @NAME@ (Postfix and Dovecot use $ and % themselves).
Rendering is deterministic, so re-running it on a running world changes no
file content.
"""
from __future__ import annotations

import base64
import grp
import json
import os
import pwd
import re
from pathlib import Path

import model
from accmgr_store import ssha256
from model import Participant
from pki import Pki
from worldcfg import DNS_TTL, DNSSD_DOMAIN, HOST, TEMPLATES, Layout

VZD_ADMIN_PW = "vzd-admin"
PROVIDERS = ("fd-a", "fd-b")


def fill(template: str, values: dict[str, object]) -> str:
    text = (TEMPLATES / template).read_text(encoding="utf-8")
    for k, v in values.items():
        text = text.replace(f"@{k}@", str(v))
    leftover = re.findall(r"@[A-Z][A-Z0-9_]*@", text)
    if leftover:
        raise RuntimeError(f"{template}: unfilled placeholders {leftover}")
    return text


def write(path: Path, text: str, mode: int = 0o644, group: str | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    if group:
        os.chown(path, 0, grp.getgrnam(group).gr_gid)


def provider_paths(layout: Layout, fd: str) -> dict[str, Path]:
    d = layout.fd(fd)
    return {"dir": d, "postfix": d / "postfix", "queue": d / "queue", "data": d / "data",
            "dovecot": d / "dovecot", "dovecot_conf": d / "dovecot" / "dovecot.conf",
            "dovecot_run": d / "dovecot" / "run", "dovecot_state": d / "dovecot" / "state",
            "mail": d / "mail", "postfix_log": layout.logs / f"{fd}-postfix.log",
            "dovecot_log": layout.logs / f"{fd}-dovecot.log",
            "kas": d / "kas", "kas_config": d / "kas" / "config.json", "kas_state": d / "kas" / "state",
            "kas_log": layout.logs / f"{fd}-kas.log", "kas_pid": layout.run / f"kas-{fd}.pid"}


def provider_ports(ports: dict[str, int], fd: str) -> dict[str, int]:
    key = "FD_A" if fd == "fd-a" else "FD_B"
    return {"smtps": ports[f"{key}_SMTPS"], "pop3s": ports[f"{key}_POP3S"], "inbound": ports[f"{key}_INBOUND"],
            "kas": ports[f"{key}_KAS"], "accmgr": ports[f"{key}_ACCMGR"], "kas_control": ports[f"{key}_KAS_CONTROL"]}


def mailboxes(parts: list[Participant], fd: str) -> dict[str, str]:
    """address -> password; one mailbox even when two identities share it."""
    out: dict[str, str] = {}
    for p in parts:
        if p.provider == fd and p.mailbox:
            out.setdefault(p.address, p.password)
    return out


def render_provider(layout: Layout, pki: Pki, ports: dict[str, int], parts: list[Participant], fd: str) -> None:
    pp = provider_paths(layout, fd)
    own = provider_ports(ports, fd)
    peer = "fd-b" if fd == "fd-a" else "fd-a"
    peer_ports = provider_ports(ports, peer)
    tls = pki.tls_paths(fd)
    domain = f"{fd}.kim.telematik-test"
    common = {"FD": fd, "DOMAIN": domain, "HOST": HOST, "CA_BUNDLE": pki.bundle(),
              "TLS_CERT": tls["fullchain_pem"], "TLS_KEY": tls["key_pem"]}
    # Postfix
    conf = pp["postfix"]
    write(conf / "main.cf", fill("postfix-main.cf.in", dict(
        common, CONF=conf, QUEUE=pp["queue"], DATA=pp["data"], LOG=pp["postfix_log"], LOGDIR=layout.logs,
        DOVECOT_RUN=pp["dovecot_run"])))
    write(conf / "master.cf", fill("postfix-master.cf.in", dict(
        common, CONF=conf, SMTPS_PORT=own["smtps"], INBOUND_PORT=own["inbound"], PEER_HOST=f"mx.{peer}.kim.telematik-test")))
    write(conf / "transport",
          f"# generated: the other KIM provider, over loopback (no DNS/MX in the world)\n"
          f"{peer}.kim.telematik-test to-peer:[{HOST}]:{peer_ports['inbound']}\n")
    boxes = mailboxes(parts, fd)
    users = dict(boxes)
    for acc in accmgr_accounts(layout, fd):   # what the Account Manager registered or changed
        if acc.get("password_hash"):
            users[acc["address"]] = acc["password_hash"]
    boxes = {a: users[a] for a in sorted(users)}
    write(conf / "vmailbox", "# generated: mailboxes of this provider\n" +
          "".join(f"{a} {a}\n" for a in sorted(boxes)))
    write(conf / "sender_login.regexp",
          "# generated: every address is owned by the login of the same name only,\n"
          "# so reject_sender_login_mismatch enforces AUTH user == MAIL FROM.\n"
          "/^(.+)$/ ${1}\n")
    for name in ("sender", "recipient", "data", "end_of_data"):
        write(conf / f"test_{name}_access.regexp",
              f"# generated empty: tests/reliability fills it to make the {name} check refuse, then restores it\n")
    for d in (pp["queue"], pp["data"]):
        d.mkdir(parents=True, exist_ok=True)
    pw = pwd.getpwnam("postfix")
    os.chown(pp["data"], pw.pw_uid, pw.pw_gid)
    # Dovecot
    dv = pp["dovecot"]
    write(pp["dovecot_conf"], fill("dovecot.conf.in", dict(
        common, DIR=dv, RUN=pp["dovecot_run"], STATE=pp["dovecot_state"], LOG=pp["dovecot_log"],
        MAIL=pp["mail"], POP3S_PORT=own["pop3s"])))
    # Read by Dovecot's auth process, which runs as the "dovecot" user.
    write(dv / "users", "".join(f"{a}:{p}\n" for a, p in boxes.items()), 0o640, "dovecot")
    write(dv / "deny-pop3", "".join(f"{a}:\n" for a in sorted(boxes)), 0o640, "dovecot")
    for name in ("deny-pop3valid", "deny-smtp", "deny-smtpvalid", "deny-lmtp", "deny-lmtpvalid"):
        write(dv / name, "", 0o640, "dovecot")
    for d in (pp["dovecot_run"], pp["dovecot_state"]):
        d.mkdir(parents=True, exist_ok=True)
    pp["mail"].mkdir(parents=True, exist_ok=True)
    mail = pwd.getpwnam("mail")
    os.chown(pp["mail"], mail.pw_uid, grp.getgrnam("mail").gr_gid)
    pp["mail"].chmod(0o700)


def accmgr_state_file(layout: Layout, fd: str) -> Path:
    return provider_paths(layout, fd)["kas_state"] / "accmgr.json"


def accmgr_accounts(layout: Layout, fd: str) -> list[dict]:
    """The test Account Manager's accounts (lib/accmgr_store.py), if it ever ran."""
    f = accmgr_state_file(layout, fd)
    return json.loads(f.read_text(encoding="utf-8")).get("accounts", []) if f.exists() else []


def render_vzd(layout: Layout, pki: Pki, parts: list[Participant]) -> None:
    v = layout.vzd
    tls = pki.tls_paths("vzd")
    write(v / "vzd-test.schema", (TEMPLATES / "vzd-test.schema").read_text())
    write(v / "slapd.conf", fill("slapd.conf.in", {
        "VZD": v, "LOG": layout.logs / "vzd-slapd.log", "TLS_CERT": tls["fullchain_pem"],
        "TLS_KEY": tls["key_pem"], "CA_BUNDLE": pki.bundle(), "ADMIN_PW": VZD_ADMIN_PW}), 0o600)
    write(v / "seed.ldif", seed_ldif(pki, parts))


def _ldif(attr: str, value: str | bytes) -> str:
    if isinstance(value, bytes):
        return f"{attr}:: {base64.b64encode(value).decode()}\n"
    safe = value.isascii() and value.isprintable() and not value.startswith((" ", ":", "<")) \
        and not value.endswith(" ")
    if safe:
        return f"{attr}: {value}\n"
    return f"{attr}:: {base64.b64encode(value.encode()).decode()}\n"


def seed_ldif(pki: Pki, parts: list[Participant]) -> str:
    out = ["# VZD test entries (generated). dc=data,dc=vzd, flat uid=<UUID> entries.\n",
           "dn: dc=data,dc=vzd\nobjectClass: top\nobjectClass: domain\ndc: data\n\n"]
    # A fixed timestamp keeps the file stable between runs.
    changed = "2024-01-15T10:45:25.537594+01:00"
    for p in parts:
        e = [f"dn: uid={p.vzd_uid},dc=data,dc=vzd\n", "objectClass: top\n", "objectClass: vzd-komleview\n"]
        e.append(_ldif("uid", p.vzd_uid))
        e.append(_ldif("telematikID", p.telematik_id))
        e += [_ldif("domainID", d) for d in p.domain_ids]
        e.append(_ldif("displayName", p.name))
        e.append(_ldif("cn", p.name))
        if p.role != "doctor":
            e.append(_ldif("sn", p.name))
        e += [_ldif("professionOID", o) for o in p.profession_oids]
        e.append(_ldif("entryType", p.entry_type))
        e.append(_ldif("personalEntry", "TRUE" if p.role == "doctor" else ("false" if p.role == "insurer" else "FALSE")))
        e.append(_ldif("dataFromAuthority", "TRUE"))
        e.append(_ldif("countryCode", "DE"))
        # Further mail/kimData values from vzd_extra go right after the participant's own: slapadd
        # mangles an attribute whose values are split by other attributes.
        if p.mailbox:
            e.append(_ldif("mail", p.address))
        e += [_ldif("mail", x) for x in p.vzd_extra.get("mail", [])]
        if p.kom_le and p.mailbox:
            e.append(_ldif("komLeData", f"{p.kom_le},{p.address}"))
        if p.kim_data:
            e.append(_ldif("kimData", p.kim_data))
        e += [_ldif("kimData", x) for x in p.vzd_extra.get("kimData", [])]
        for k in p.keys:
            if k.cert_type.endswith(".ENC"):
                e.append(_ldif("userCertificate;binary", pki.key_paths(p.id, k.label)["cert_der"].read_bytes()))
        for attr, values in p.vzd_extra.items():
            if attr not in ("mail", "kimData"):
                e += [_ldif(attr, x) for x in values]
        e.append(_ldif("changeDateTime", changed))
        out.append("".join(e) + "\n")
    return "".join(out)


# --- the KAS, AccountLimit and ServiceInformation (lib/kas_server.py) -----------------
MAX_MAIL_SIZE = 734003200                 # AccountLimit maxMailSize (700 MiB, the schema's minimum)
KAS_MAX_SIZE = MAX_MAIL_SIZE + 12 + 16    # + AES-GCM IV and tag: the encrypted mail data
KAS_MAX_DOWNLOADS = 1000                  # per recipient and object (reference KAS default)
# I_ServiceInformation: the example of ServiceInformation.yaml 1.0.3 and the digest's §6.1;
# referenceID and initial password both required (AccountManager.yaml 2.4.0 requires iniPassword).
SERVICE_INFORMATION = {
    "kimServiceVersion": "1.5.5",
    "passwordPolicyRegEx": r"^(?=.*[0-9])(?=.*[a-z])(?=.*[A-Z])(?=.*[*.!@#$%^&(){}\[\]:;'<>,?/~_+\-=|\\]).{12,256}$",
    "passwordPolicyDisplay": "At least one number [0-9] At least one lowercase letter [a-z] "
                             "At least one capital letter [A-Z] "
                             "At least one special character [*.!@#$%^&(){}[]:;'<>,?/~_+-=|\\] "
                             "Minimum length 12 characters Maximum length 256 characters.",
    "jwtExpiration": 300,
    "referenceIdRequired": True,
    "initialPasswordRequired": True,
}


def kas_hosts(fd: str) -> tuple[str, str]:
    return f"kas.{fd}.kim.telematik-test", f"accmgr.{fd}.kim.telematik-test"


def kas_mailboxes(parts: list[Participant], fd: str) -> dict[str, dict]:
    """address -> what the KAS and AccountLimit know of it (no password: that is Dovecot's)."""
    out: dict[str, dict] = {}
    for p in parts:
        if p.provider == fd and p.mailbox and p.address not in out:
            out[p.address] = {"data_time_to_live": p.data_time_to_live, "quota": p.quota,
                              "max_mail_size": MAX_MAIL_SIZE, "kim_version": p.kom_le}
    return out


def render_kas(layout: Layout, pki: Pki, ports: dict[str, int], parts: list[Participant], fd: str) -> None:
    pp, pt, tls = provider_paths(layout, fd), provider_ports(ports, fd), pki.tls_paths(f"kas-{fd}")
    kas_host, accmgr_host = kas_hosts(fd)
    cfg = {"provider": fd, "domain": f"{fd}.kim.telematik-test", "host": HOST,
           "kas_host": kas_host, "kas_port": pt["kas"], "accmgr_host": accmgr_host, "accmgr_port": pt["accmgr"],
           "control_port": pt["kas_control"],
           "cert": str(tls["fullchain_pem"]), "key": str(tls["key_pem"]), "client_ca": str(pki.ca_pem("komp")),
           "users_file": str(pp["dovecot"] / "users"), "state_dir": str(pp["kas_state"]),
           "max_size": KAS_MAX_SIZE, "max_downloads": KAS_MAX_DOWNLOADS,
           "mailboxes": kas_mailboxes(parts, fd), "service_information": SERVICE_INFORMATION}
    # The Account Manager (lib/accmgr.py): its accounts, the world's own mailboxes as accounts,
    # the registration letters (secrets as salted hashes only), the files and services it changes.
    cfg.update({
        "state_file": str(accmgr_state_file(layout, fd)), "deny_pop3_file": str(pp["dovecot"] / "deny-pop3"),
        "vmailbox_file": str(pp["postfix"] / "vmailbox"), "postfix_config_dir": str(pp["postfix"]),
        "postfix_pid_file": str(pp["queue"] / "pid" / "master.pid"),
        "ldap_url": f"ldap://{HOST}:{ports['LDAP']}", "ldap_base": "dc=data,dc=vzd",
        "ldap_admin_dn": "cn=admin,dc=data,dc=vzd", "ldap_admin_password": VZD_ADMIN_PW,
        "ca_bundle": str(pki.bundle()), "world_dir": str(layout.root), "world_ports": ports,
        "seed_accounts": [{"address": a, "telematik_ids": [p.telematik_id for p in parts if p.address == a],
                           "kim_version": box["kim_version"], "data_time_to_live": box["data_time_to_live"],
                           "password_hash": ssha256(mailboxes(parts, fd)[a], a.encode()[:8])}
                          for a, box in kas_mailboxes(parts, fd).items()],
        "letters": [{"reference_id": l.reference_id, "telematik_id": l.telematik_id,
                     "initial_password_hash": ssha256(l.initial_password, l.reference_id.encode()[:8])}
                    for l in model.registration_letters(parts) if l.provider == fd],
    })
    write(pp["kas_config"], json.dumps(cfg, indent=2) + "\n", 0o600)
    pp["kas_state"].mkdir(parents=True, exist_ok=True)
    pp["kas_state"].chmod(0o700)


# --- DNS-SD (dnsmasq) -----------------------------------------------------------------------
def dns_paths(layout: Layout) -> dict[str, Path]:
    d = layout.root / "dns"
    return {"dir": d, "conf": d / "dnsmasq.conf", "pid": layout.run / "dnsmasq.pid",
            "log": layout.logs / "dnsmasq.log"}


def dns_records(ports: dict[str, int]) -> dict[str, list]:
    """The DNS-SD records of both providers: PTR -> instance, SRV, TXT, A."""
    ptr, srv, txt, a = [], [], [], []
    for fd in PROVIDERS:
        pt = provider_ports(ports, fd)
        kas_host, accmgr_host = kas_hosts(fd)
        domain = f"{fd}.kim.telematik-test"
        for svc, host, port, strings in (
                ("_kas._tcp", kas_host, pt["kas"], ["path=/attachments/v2.4"]),
                ("_accmgr._tcp", accmgr_host, pt["accmgr"],
                 ["accountlimit=/AccountLimit/v1.1", "serviceinformation=/ServiceInformation/v1.0",
                  "accountmanager=/AccountMgmt/v2.4"])):
            service = f"{svc}.{DNSSD_DOMAIN}"
            instance = f"{domain}.{service}"
            ptr.append((service, instance))
            srv.append((instance, host, port))
            txt.append((instance, strings))
            a.append((host, HOST))
    return {"ptr": ptr, "srv": srv, "txt": txt, "a": a}


def render_dns(layout: Layout, ports: dict[str, int]) -> None:
    dp = dns_paths(layout)
    r = dns_records(ports)
    lines = ["# dnsmasq of the kimgate test world (generated): DNS-SD records of the KAS and",
             "# the Account Manager of each provider. Nothing is forwarded or read from the system.",
             f"port={ports['DNS']}", f"listen-address={HOST}", "bind-interfaces", "no-resolv", "no-hosts",
             "no-poll", "keep-in-foreground", f"local=/{DNSSD_DOMAIN}/", f"local-ttl={DNS_TTL}",
             "user=nobody", "group=nogroup", f"pid-file={dp['pid']}", f"log-facility={dp['log']}", "log-queries"]
    lines += [f"ptr-record={name},{target}" for name, target in r["ptr"]]
    lines += [f"srv-host={name},{host},{port},0,0" for name, host, port in r["srv"]]
    lines += [f"txt-record={name}," + ",".join(f'"{t}"' for t in strings) for name, strings in r["txt"]]
    lines += [f"host-record={host},{ip}" for host, ip in r["a"]]
    write(dp["conf"], "\n".join(lines) + "\n")
