#!/usr/bin/env python3
"""Routing addresses (issue 18) against the test world with real clients (smtplib): practice A
(KV Hessen, BSNR 461234500) and practice B (KV Nordrhein) send to routing addresses of route.kimgate.invalid and kimgated
replaces them before the directory lookups — an eAU by the IK in the address and one by the IK in
the signed eAU bundle (through the Kostenträger file) reach the insurer `kasse`, one to the second
insurer reaches the one of its three addresses tagged eAU; a 1-Click delivery
with its begleitdatei.xml and a QS sonography delivery with a DICOM file reach KV Hessen, practice
B's 1-Click delivery KV Nordrhein; a .exe
and a begleitdatei with a foreign BSNR are refused with 554 5.6.0 naming file and rule; an SDKVCA
file overrides the VZD (the test address) and maps a KV-Connect address and header; `kimctl route
explain` explains each."""
import email
import email.policy
import os
import subprocess
import sys
import time
import uuid

from harness import Failures, Kimgated, arrived, begleitdatei, letter, load_world, run, smtp_error, wait_until, world_test_args, wrap_up

DOMAIN = "route.kimgate.invalid"


def signed_bundle(work, ik):
    """An eAU FHIR bundle with payor IK `ik`, in a CMS SignedData of a throw-away key (the PVS's QES
    stand-in; kimgate does not verify it)."""
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<Bundle xmlns="http://hl7.org/fhir"><id value="{uuid.uuid4()}"/>
 <entry><resource><Coverage><status value="active"/>
  <payor><identifier><system value="http://fhir.de/sid/arge-ik/iknr"/><value value="{ik}"/></identifier>
  <display value="Test-Krankenkasse Hessen"/></payor></Coverage></resource></entry></Bundle>"""
    src, key, cert, out = (os.path.join(work, n) for n in ("eau.xml", "hba.key", "hba.pem", "eau.p7s"))
    open(src, "w").write(xml)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-subj", "/CN=HBA stand-in", "-days", "1"], check=True, capture_output=True)
    subprocess.run(["openssl", "cms", "-sign", "-binary", "-nodetach", "-in", src, "-signer", cert, "-inkey", key,
                    "-outform", "DER", "-out", out], check=True, capture_output=True)
    os.remove(key)
    return open(out, "rb").read()


def with_files(m, files):
    for name, data, maintype, subtype in files:
        m.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return m


def sdkvca(kvh, test_box):
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<ehd:ehd xmlns:ehd="urn:ehd/001" xmlns="urn:ehd/kvca/001">
 <ehd:header><ehd:document_type_cd V="KVCA"/></ehd:header>
 <ehd:body><kvca_liste><institution_liste><kv><id EX="46"/><anwendungsliste>
  <anwendung gueltig_ab="2024-01-01"><id EX="1CLICK"/><version V="2"/>
   <email V="abrechnung.46@kv-safenet.de"/><test_email V="abrechnung.test@kv-safenet.de"/>
   <kim_email V="{kvh}"/><kim_test_email V="{test_box}"/></anwendung>
  <anwendung gueltig_ab="2024-01-01"><id EX="QS-Sono"/><version V="1"/><kim_email V="{kvh}"/></anwendung>
 </anwendungsliste></kv></institution_liste></kvca_liste></ehd:body></ehd:ehd>
"""


def main():
    args = world_test_args(("--kimctl", {"required": True}))
    t = Failures()
    t0 = time.monotonic()
    w = load_world()
    P = w["participants"]
    a, b, kasse, kvh = P["praxis_a"], P["praxis_b"], P["kasse"], P["kv_hessen"]
    kvno, bkk = P["kv_nordrhein"], P["kasse_nordrhein"]
    kg = Kimgated(args.kimgated, args.source, w)
    work = kg.work
    kt = os.path.join(work, "kostentraeger.txt")
    open(kt, "w").write("# IK Haupt-IK\n104690009 104612348\n")
    kvca = os.path.join(work, "kvca.xml")
    open(kvca, "w").write(sdkvca(kvh["kim_address"], b["kim_address"]))
    base = kg.base_config + f'\n[routing]\nkostentraeger_file = "{kt}"\n'
    with_sdkvca = base + f'sdkvca_file = "{kvca}"\n'

    def send(m, p=a):
        s = kg.smtp(p)
        try:
            return s.send_message(m) == {}
        finally:
            s.quit()

    def refused(m):
        return smtp_error(lambda: send(m))

    def outer(p, m):
        raw = arrived(w, p, m["Message-ID"])
        return email.message_from_bytes(raw, policy=email.policy.compat32) if raw else None

    def explain(m):
        path = os.path.join(work, f"explain-{uuid.uuid4()}.eml")
        open(path, "wb").write(m.as_bytes())
        return run([args.kimctl, "--config", kg.config, "route", "explain", path])

    try:
        t.check(kg.start(base), "kimgated starts with [routing] and a Kostenträger file")

        # 1. eAU by the IK in the routing address.
        m = letter(a["kim_address"], [f"eau-104612348@{DOMAIN}"], f"eAU {uuid.uuid4()}")
        e = explain(m)
        t.check(e.returncode == 0 and f"-> {kasse['kim_address']}" in e.stdout and "IK 104612348" in e.stdout,
                f"route explain: eau-104612348@ -> the insurer's address ({e.stdout.strip()[-300:]} {e.stderr})")
        t.check(send(m), "eAU to eau-104612348@route.kimgate.invalid is accepted with 250")
        o = outer(kasse, m)
        t.check(o is not None, "the eAU arrived in the insurer's mailbox")
        if o is not None:
            t.check(kasse["kim_address"] in (o["To"] or "") and DOMAIN not in (o["To"] or ""),
                    f"outer To names the insurer, not the routing address ({o['To']})")
            t.check(o["X-KIM-Dienstkennung"] == "eAU;Lieferung;V1.0",
                    f"Dienstkennung eAU;Lieferung;V1.0 set from the service table ({o['X-KIM-Dienstkennung']})")

        # 2. eAU by bundle: IK 104690009 in the signed container, Haupt-IK 104612348 by the Kostenträger file.
        m = with_files(letter(a["kim_address"], [f"eau@{DOMAIN}"], f"eAU {uuid.uuid4()}"),
                       [("eau.p7s", signed_bundle(work, "104690009"), "application", "pkcs7-mime")])
        e = explain(m)
        t.check(e.returncode == 0 and "read from the Coverage payor" in e.stdout and "Haupt-IK 104612348" in e.stdout,
                f"route explain: IK from the bundle, Haupt-IK from the Kostenträger file ({e.stdout.strip()[-400:]})")
        t.check(send(m), "eAU to eau@route.kimgate.invalid with a signed bundle is accepted with 250")
        t.check(outer(kasse, m) is not None, "the eAU by bundle arrived in the insurer's mailbox")
        m = letter(a["kim_address"], [f"eau@{DOMAIN}"], "eAU ohne Anhang")
        r = refused(m)
        t.check(r is not None and r[0] == 554 and "5.6.0" in r[1], f"eau@ without a bundle: 554 5.6.0 ({r})")

        # 3. 1-Click billing to the practice's KV (BSNR 461234500 -> KV 46), chosen in the VZD by kimData tag.
        guid = str(uuid.uuid4())
        files = [("begleitdatei.xml", begleitdatei(guid, "461234500", ["Z01461234500.con.xkm"]), "application", "xml"),
                 ("Z01461234500.con.xkm", os.urandom(3000), "application", "octet-stream")]
        m = with_files(letter(a["kim_address"], [f"kv-1click@{DOMAIN}"], "1ClickAbrechnung-Lieferung"), files)
        e = explain(m)
        t.check(e.returncode == 0 and f"-> {kvh['kim_address']}" in e.stdout and guid in e.stdout and
                "kimData names the application 1ClickAbrechnung" in e.stdout,
                f"route explain: kv-1click@ -> KV Hessen by kimData tag, GUID shown ({e.stdout.strip()[-400:]})")
        t.check(send(m), "1-Click delivery to kv-1click@ is accepted with 250")
        o = outer(kvh, m)
        t.check(o is not None and o["X-KIM-Dienstkennung"] == "1ClickAbrechnung;Lieferung;V2.0",
                "the 1-Click delivery arrived at KV Hessen with Dienstkennung 1ClickAbrechnung;Lieferung;V2.0")
        files[0] = ("begleitdatei.xml", begleitdatei(guid, "381234567", ["Z01461234500.con.xkm"]), "application", "xml")
        m = with_files(letter(a["kim_address"], [f"kv-1click@{DOMAIN}"], "1ClickAbrechnung-Lieferung"), files)
        r = refused(m)
        t.check(r is not None and r[0] == 554 and "5.6.0" in r[1] and "begleitdatei.xml" in r[1] and "381234567" in r[1],
                f"1-Click with a foreign BSNR in begleitdatei.xml: 554 5.6.0 naming file and BSNR ({r})")

        # 3b. The second KV region: practice B (domainID 381234567) reaches KV Nordrhein, not KV Hessen.
        guid_b = str(uuid.uuid4())
        files_b = [("begleitdatei.xml", begleitdatei(guid_b, "381234567", ["Z01381234567.con.xkm"]), "application",
                    "xml"), ("Z01381234567.con.xkm", os.urandom(2000), "application", "octet-stream")]
        m = with_files(letter(b["kim_address"], [f"kv-1click@{DOMAIN}"], "1ClickAbrechnung-Lieferung"), files_b)
        e = explain(m)
        t.check(e.returncode == 0 and f"-> {kvno['kim_address']}" in e.stdout and "KV 38 Nordrhein" in e.stdout,
                f"route explain: practice B's kv-1click@ -> KV Nordrhein ({e.stdout.strip()[-300:]})")
        t.check(send(m, b), "practice B's 1-Click delivery is accepted with 250")
        t.check(arrived(w, kvno, m["Message-ID"]) is not None, "it arrived at KV Nordrhein (second KV region)")

        # 3c. The second insurer has three addresses; only one is tagged eAU in kimData.
        m = letter(a["kim_address"], [f"eau-103812348@{DOMAIN}"], f"eAU {uuid.uuid4()}")
        e = explain(m)
        t.check(e.returncode == 0 and f"-> {bkk['kim_address']}" in e.stdout and
                "only one of 3 address(es) whose kimData names the application eAU" in e.stdout,
                f"route explain: of the insurer's 3 addresses the eAU-tagged one ({e.stdout.strip()[-300:]})")
        t.check(send(m), "eAU to eau-103812348@ is accepted with 250")
        t.check(arrived(w, bkk, m["Message-ID"]) is not None, "it arrived in the insurer's eAU mailbox")

        # 4. QS sonography: no kimData tag in the VZD; the SDKVCA file names the address.
        m = with_files(letter(a["kim_address"], [f"kv-qs-sono@{DOMAIN}"], "QS Sono"),
                       [("bild.dcm", b"\0" * 128 + b"DICM" + os.urandom(500), "application", "dicom")])
        r = refused(m)
        t.check(r is not None and r[0] == 550 and "QS-Sono" in r[1],
                f"QS sonography without SDKVCA: the VZD KV entry has no QS-Sono address, 550 ({r})")
        t.check(kg.restart(with_sdkvca), "kimgated restarts with an SDKVCA file")
        e = explain(m)
        t.check(e.returncode == 0 and "SDKVCA" in e.stdout and "anwendung QS-Sono" in e.stdout,
                f"route explain: kv-qs-sono@ from SDKVCA ({e.stdout.strip()[-300:]})")
        t.check(send(m), "QS sonography delivery with a .dcm file is accepted with 250")
        o = outer(kvh, m)
        t.check(o is not None, "the QS sonography delivery arrived at KV Hessen")
        m = with_files(letter(a["kim_address"], [f"kv-qs-sono@{DOMAIN}"], "QS Sono"),
                       [("bild.dcm", b"DICM", "application", "dicom"), ("setup.exe", b"MZ" + os.urandom(100),
                                                                          "application", "octet-stream")])
        r = refused(m)
        t.check(r is not None and r[0] == 554 and "5.6.0" in r[1] and "setup.exe" in r[1] and ".dcm" in r[1],
                f"QS sonography with a .exe: 554 5.6.0 naming the file and the allowed types ({r})")
        e = explain(m)
        t.check(e.returncode == 1 and "refused: 554 5.6.0" in e.stdout and "setup.exe" in e.stdout,
                f"route explain names the refusing rule ({e.stdout.strip()[-300:]})")

        # 5. The SDKVCA file overrides the VZD: a test delivery goes to its kim_test_email.
        files[0] = ("begleitdatei.xml", begleitdatei(str(uuid.uuid4()), "461234500", ["Z01461234500.con.xkm"]),
                    "application", "xml")
        m = with_files(letter(a["kim_address"], [f"kv-1click+test@{DOMAIN}"], "1ClickAbrechnung-Lieferung"), files)
        t.check(send(m), "1-Click test delivery to kv-1click+test@ is accepted with 250")
        t.check(arrived(w, b, m["Message-ID"]) is not None,
                "the test delivery arrived at SDKVCA's kim_test_email (not the VZD's KV address)")

        # 6. KV-Connect: the KV's old address and header become the KIM ones.
        m = letter(a["kim_address"], ["abrechnung.46@kv-safenet.de"], "KV-Connect Altlast",
                   extra={"X-KVC-Dienstkennung": "1ClickAbrechnung;Lieferung;V2.0"})
        e = explain(m)
        t.check(e.returncode == 0 and "[kv-connect]" in e.stdout and f"-> {kvh['kim_address']}" in e.stdout,
                f"route explain shows the KV-Connect mappings ({e.stdout.strip()[-400:]})")
        t.check(send(m), "a mail to abrechnung.46@kv-safenet.de is accepted with 250")
        o = outer(kvh, m)
        t.check(o is not None and o["X-KIM-Dienstkennung"] == "1ClickAbrechnung;Lieferung;V2.0",
                "it arrived at KV Hessen with X-KIM-Dienstkennung taken from X-KVC-Dienstkennung")

        # 7. A malformed routing address.
        r = refused(letter(a["kim_address"], [f"eau-104612340@{DOMAIN}"], "eAU"))
        t.check(r is not None and r[0] == 553 and "expected 8" in r[1], f"eau-<bad IK>@: 553 5.1.3 ({r})")
        log = kg.log_text()
        t.check("event=route_resolved" in log and "event=route_refused" in log,
                "every routing decision is logged with its reason")
    finally:
        wrap_up(t, kg, "route", t0)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
