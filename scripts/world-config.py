#!/usr/bin/env python3
"""Writes a kimgated configuration for the test world: PVS listeners on loopback, a local
Konnektor with the world's cards (SoftHSM tokens), the world's VZD and the C.CM.TLS-CS
identity for the providers. Secrets go into files next to the configuration (mode 0600).

usage: world-config.py WORLD_JSON OUT_DIR [--smtps PORT] [--pop3s PORT] [--smtp PORT] [--pop3 PORT]
                       [--cards praxis_a,arzt_a,praxis_b,praxis_c,praxis_c2]   (participant ids; praxis_c, praxis_c2: not yet
                                                              registered, for the Account Manager flows)"""
import argparse
import json
import os


def secret(out_dir, name, value):
    path = os.path.join(out_dir, name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(value + "\n")
    return path


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("world_json")
    ap.add_argument("out_dir")
    ap.add_argument("--smtps", type=int, default=12465)
    ap.add_argument("--pop3s", type=int, default=12995)
    ap.add_argument("--smtp", type=int, default=12587)
    ap.add_argument("--pop3", type=int, default=12110)
    ap.add_argument("--cards", default="praxis_a,arzt_a,praxis_b,praxis_c,praxis_c2")
    a = ap.parse_args()
    w = json.load(open(a.world_json))
    os.makedirs(a.out_dir, exist_ok=True)
    cm = w["client_module"]
    cm_pass = secret(a.out_dir, "cm-p12.pass", cm["p12_password"])
    cards = []
    # praxis_c and praxis_c2 (cards and registration letters, no address yet) when the world has them.
    for pid in a.cards.split(","):
        p = w["participants"].get(pid)
        if not p or "card" not in p:
            continue
        c = p["card"]
        pin = secret(a.out_dir, f"{c['token_label']}.pin", c["user_pin"])
        block = [
            "[[konnektor.card]]",
            f'name = "{c["type"]} {p["name"]}"',
            f'type = "{"HBA" if c["type"] == "HBA" else "SMC-B"}"',
            f'iccsn = "{c["iccsn"]}"',
            f'pkcs11_module = "{w["softhsm"]["module"]}"',
            f'token_label = "{c["token_label"]}"',
            f'pin_file = "{pin}"',
            'contexts = ["Mandant1/CS1/*"]',
        ]
        if c["type"] == "HBA":
            block.append('user_id = "0b2ae8f0-4c4e-4d8e-9a58-6a4c1b0e7d11"')
        cards.append("\n".join(block))
    services = ""
    if "dns" in w:
        # The providers' KAS and AccountLimit, found by DNS-SD at the world's dnsmasq.
        services = (f'\n[services]\ndns_server = "{w["dns"]["server"]}"\n'
                    f'dnssd_domain = "{w["dns"]["dnssd_domain"]}"\n')
    # The providers' mail servers for the PVS user names (kimctl pvs-settings).
    for prov in w["providers"].values():
        services += (f'\n[[services.provider]]\ndomain = "{prov["domain"]}"\n'
                     f'smtp_server = "127.0.0.1:{prov["smtps_port"]}"\npop3_server = "127.0.0.1:{prov["pop3s_port"]}"\n')
    config = f"""# kimgated for the test world ({a.world_json}); written by scripts/world-config.py
[daemon]
state_dir = "{os.path.join(a.out_dir, 'state')}"
hostname = "kimgate.praxis.test"
control_socket = "{os.path.join(a.out_dir, 'control.sock')}"

[log]
level = "info"

[pvs]
plaintext_on_loopback = true

[[pvs.listener]]
protocol = "smtp"
address = "127.0.0.1"
port = {a.smtps}

[[pvs.listener]]
protocol = "pop3"
address = "127.0.0.1"
port = {a.pop3s}

[[pvs.listener]]
protocol = "smtp"
address = "127.0.0.1"
port = {a.smtp}
tls = "starttls"

[[pvs.listener]]
protocol = "pop3"
address = "127.0.0.1"
port = {a.pop3}
tls = "starttls"

[[konnektor]]
id = "local"
kind = "local"
default = true
trust_anchors = "{w['pki']['ca_bundle_pem']}"

{chr(10).join(c + chr(10) for c in cards)}
[directory]
url = "{w['vzd']['ldaps_url']}"
base_dn = "{w['vzd']['base_dn']}"
ca_file = "{w['pki']['ca_bundle_pem']}"

[fachdienst]
client_p12 = "{cm['p12']}"
client_p12_password_file = "{cm_pass}"
ca_file = "{w['pki']['ca_bundle_pem']}"
{services}"""
    path = os.path.join(a.out_dir, "kimgate.toml")
    with open(path, "w") as f:
        f.write(config)
    print(path)


if __name__ == "__main__":
    main()
