"""Who lives in the test world: CAs, participants, their cards and keys.

All identifiers are invented test data in the shapes of the real ones
(spec/routing-and-identifiers.md, spec/vzd-ldap.md). Policy and type OIDs
follow gemSpec_OID Tab_PKI_404/405; the choices the digests do not cover are
marked "inferred" here and in README.md.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field

# --- OIDs --------------------------------------------------------------------
OID_POLICY_GEM_OR_CP = "1.2.276.0.76.4.163"   # oid_policy_gem_or_cp
OID_POLICY_HBA_CP = "1.2.276.0.76.4.145"      # oid_policy_hba_cp
OID_HBA_ENC = "1.2.276.0.76.4.74"
OID_HBA_AUT = "1.2.276.0.76.4.75"
OID_SMCB_ENC = "1.2.276.0.76.4.76"
OID_SMCB_AUT = "1.2.276.0.76.4.77"
OID_SMCB_OSIG = "1.2.276.0.76.4.78"
OID_AK_AUT = "1.2.276.0.76.4.79"              # Konnektor C.AK.AUT
OID_FD_TLS_S = "1.2.276.0.76.4.169"
OID_CM_TLS_C = "1.2.276.0.76.4.175"           # C.CM.TLS-CS
ROLE_AK = "1.2.276.0.76.4.103"                # technical role Anwendungskonnektor
ROLE_KOMLE = "1.2.276.0.76.4.172"             # technical role KOM-LE Fachdienst
ROLE_CMFD = "1.2.276.0.76.4.174"              # technical role Clientmodul

PROF_ARZT = "1.2.276.0.76.4.30"
PROF_ARZTPRAXIS = "1.2.276.0.76.4.50"
PROF_ZAHNARZTPRAXIS = "1.2.276.0.76.4.51"
PROF_KOSTENTRAEGER = "1.2.276.0.76.4.59"
# The digest (vzd-ldap.md §4) and the issue name 1.2.276.0.76.4.255 for a
# KV; gemSpec_OID Tab_PKI_403 as quoted elsewhere names 1.2.276.0.76.4.210
# (oid_leo_kassenaerztliche_vereinigung) and gives .255 to the public health
# service. The KV entry carries both so either search finds it.
PROF_KV = "1.2.276.0.76.4.255"
PROF_KV_GEMSPEC = "1.2.276.0.76.4.210"

KONNEKTOR_ICCSN = "80276001011699901234"


# --- CAs ---------------------------------------------------------------------
@dataclass(frozen=True)
class CA:
    id: str
    cn: str
    alg: str               # "rsa" | "ecc"
    parent: str | None     # None: self-signed root
    has_ocsp: bool        # served by the OCSP responder (all issuing CAs)


CAS = [
    CA("root", "GEM.RCA-KIMGATE TEST-ONLY", "rsa", None, False),
    CA("komp", "KIMGATE.KOMP-CA1 TEST-ONLY", "rsa", "root", True),
    CA("smcb", "KIMGATE.SMCB-CA1 TEST-ONLY", "rsa", "root", True),
    CA("smcb_ecc", "KIMGATE.SMCB-CA2 ECC TEST-ONLY", "ecc", "root", True),
    CA("hba", "KIMGATE.HBA-CA1 TEST-ONLY", "rsa", "root", True),
]
CA_BY_ID = {c.id: c for c in CAS}


# --- keys on cards -----------------------------------------------------------
@dataclass(frozen=True)
class KeySpec:
    label: str             # PKCS#11 CKA_LABEL and key name in world.json
    cert_type: str         # C.HCI.ENC, ...
    alg: str               # "rsa" (RSA-2048) | "ecc" (brainpoolP256r1)
    ca: str
    cka_id: str            # hex
    key_usage: str         # openssl keyUsage value
    policies: tuple[str, ...]
    p11_usage: tuple[str, ...]   # pkcs11-tool --usage-* flags


def _smcb(label, ctype, alg, cka, ku, typ, usage):
    ca = "smcb" if alg == "rsa" else "smcb_ecc"
    return KeySpec(label, ctype, alg, ca, cka, ku, (OID_POLICY_GEM_OR_CP, typ), usage)


SMCB_KEYS = (
    _smcb("C.HCI.AUT.RSA", "C.HCI.AUT", "rsa", "01", "critical, digitalSignature", OID_SMCB_AUT, ("sign",)),
    _smcb("C.HCI.AUT.ECC", "C.HCI.AUT", "ecc", "02", "critical, digitalSignature", OID_SMCB_AUT, ("sign",)),
    _smcb("C.HCI.ENC.RSA", "C.HCI.ENC", "rsa", "03", "critical, keyEncipherment, dataEncipherment", OID_SMCB_ENC, ("decrypt",)),
    _smcb("C.HCI.ENC.ECC", "C.HCI.ENC", "ecc", "04", "critical, keyAgreement", OID_SMCB_ENC, ("derive",)),
    _smcb("C.HCI.OSIG.RSA", "C.HCI.OSIG", "rsa", "05", "critical, nonRepudiation", OID_SMCB_OSIG, ("sign",)),
    _smcb("C.HCI.OSIG.ECC", "C.HCI.OSIG", "ecc", "06", "critical, nonRepudiation", OID_SMCB_OSIG, ("sign",)),
)


def _hba(label, ctype, alg, cka, ku, typ, usage):
    return KeySpec(label, ctype, alg, "hba", cka, ku, (OID_POLICY_HBA_CP, typ), usage)


HBA_KEYS = (
    _hba("C.HP.AUT.RSA", "C.HP.AUT", "rsa", "01", "critical, digitalSignature", OID_HBA_AUT, ("sign",)),
    _hba("C.HP.AUT.ECC", "C.HP.AUT", "ecc", "02", "critical, digitalSignature", OID_HBA_AUT, ("sign",)),
    _hba("C.HP.ENC.RSA", "C.HP.ENC", "rsa", "03", "critical, keyEncipherment, dataEncipherment", OID_HBA_ENC, ("decrypt",)),
    _hba("C.HP.ENC.ECC", "C.HP.ENC", "ecc", "04", "critical, keyAgreement", OID_HBA_ENC, ("derive",)),
)

ENC_ONLY = (SMCB_KEYS[2],)
WRONG_KU = (KeySpec("C.HCI.ENC.RSA", "C.HCI.ENC", "rsa", "smcb", "03",
                    "critical, digitalSignature", (OID_POLICY_GEM_OR_CP, OID_SMCB_ENC), ("sign",)),)


# --- participants --------------------------------------------------------------
@dataclass
class Participant:
    id: str
    name: str
    role: str                      # practice | doctor | insurer | kv | awkward
    provider: str                  # fd-a | fd-b
    local_part: str
    password: str
    telematik_id: str
    profession_oids: tuple[str, ...]
    profession_item: str
    entry_type: str
    iccsn: str
    card_type: str                 # SMC-B | HBA
    keys: tuple[KeySpec, ...]
    subject: dict[str, str]        # DN attributes (openssl short names), CN last
    domain_ids: tuple[str, ...] = ()
    bsnr: str | None = None
    ik: str | None = None
    kv_region: str | None = None
    lanr: str | None = None
    token: str | None = None       # SoftHSM token label
    user_pin: str | None = None
    so_pin: str | None = None
    p12_password: str = "kimgate-test"
    kom_le: str | None = None      # komLeData version ("1.0", "1.5", "1.5+")
    data_time_to_live: int = 90    # days (AccountLimit dataTimeToLive)
    quota: int = 16 * 1024 ** 3    # bytes on the KAS (AccountLimit quota); -1 = unlimited
    kim_data: str | None = None    # kimData "<mail>,<ver>[,<tags>]" (None: not set)
    awkward: str | None = None     # expired | revoked | wrong_key_usage | two_telematik_ids
    vzd_extra: dict[str, list[str]] = field(default_factory=dict)
    mailbox: bool = True           # False: no address yet (VZD entry without mail/kimData, no mailbox)

    @property
    def address(self) -> str:
        return f"{self.local_part}@{self.provider}.kim.telematik-test" if self.mailbox else ""

    @property
    def vzd_uid(self) -> str:
        # Stable per TelematikID, so re-seeding keeps the DNs.
        return str(uuid.uuid5(uuid.NAMESPACE_URL, "kimgate-world:" + self.telematik_id))


def _smcb_subject(o, l, plz, street, iccsn, cn, st=None):
    s = {"C": "DE", "L": l, "postalCode": plz, "street": street, "O": o,
         "serialNumber": f"12.{iccsn}", "CN": cn}
    if st:
        s["ST"] = st
    return s


def participants() -> list[Participant]:
    p: list[Participant] = []
    # Practice A: GP in KV Hessen (BSNR region 46), SMC-B on fd-a.
    p.append(Participant(
        id="praxis_a", name="Hausarztpraxis Dr. Anna Aurich", role="practice", provider="fd-a",
        local_part="praxis.a", password="Praxis-A.2024!", telematik_id="1-20461234500",
        profession_oids=(PROF_ARZTPRAXIS,), profession_item="Betriebsstätte Arzt", entry_type="2",
        iccsn="80276883110000100001", card_type="SMC-B", keys=SMCB_KEYS,
        subject=_smcb_subject("Hausarztpraxis Dr. Anna Aurich NOT-VALID", "Frankfurt am Main", "60311",
                              "Zeil 12", "80276883110000100001", "Praxis Dr. Aurich TEST-ONLY"),
        domain_ids=("461234500",), bsnr="461234500", kv_region="46",
        token="SMCB-A", user_pin="123456", so_pin="12345678", p12_password="smcb-a-p12",
        kom_le="1.5", kim_data="praxis.a@fd-a.kim.telematik-test,1.5,KIM-Mail;V1.0|eAU;V1.0",
        vzd_extra={"specialization": ["urn:psc:1.3.6.1.4.1.19376.3.276.1.5.4:ALLG"], "st": ["Hessen"],
                   "l": ["Frankfurt am Main"], "postalCode": ["60311"], "street": ["Zeil 12"],
                   "holder": ["kbv"]}))
    # Doctor A: eHBA, personal mailbox on fd-a.
    p.append(Participant(
        id="arzt_a", name="Dr. Anna Aurich", role="doctor", provider="fd-a",
        local_part="anna.aurich", password="Anna-Aurich.2024!", telematik_id="1-1123456601",
        profession_oids=(PROF_ARZT,), profession_item="Ärztin/Arzt", entry_type="1",
        iccsn="80276001080000100003", card_type="HBA", keys=HBA_KEYS,
        subject={"C": "DE", "title": "Dr.", "GN": "Anna", "SN": "Aurich",
                 "serialNumber": "12.80276001080000100003", "CN": "Dr. Anna Aurich TEST-ONLY"},
        lanr="123456601", kv_region="46",
        token="HBA-A", user_pin="345678", so_pin="34567890", p12_password="hba-a-p12",
        kom_le="1.5", kim_data="anna.aurich@fd-a.kim.telematik-test,1.5",
        vzd_extra={"givenName": ["Anna"], "sn": ["Aurich"], "title": ["Dr."],
                   "specialization": ["urn:as:1.2.276.0.76.5.114:010"], "st": ["Hessen"]}))
    # Practice B: dentist on fd-b, opted in to large mails (1.5+).
    p.append(Participant(
        id="praxis_b", name="Zahnarztpraxis Dr. Bernd Berger", role="practice", provider="fd-b",
        local_part="praxis.b", password="Praxis-B.2024!", telematik_id="2-2381234567",
        profession_oids=(PROF_ZAHNARZTPRAXIS,), profession_item="Zahnarztpraxis", entry_type="2",
        iccsn="80276883110000100002", card_type="SMC-B", keys=SMCB_KEYS,
        subject=_smcb_subject("Zahnarztpraxis Dr. Bernd Berger NOT-VALID", "Düsseldorf", "40213",
                              "Königsallee 5", "80276883110000100002", "Zahnarztpraxis Dr. Berger TEST-ONLY"),
        domain_ids=("381234567",), kv_region="38",
        token="SMCB-B", user_pin="234567", so_pin="23456789", p12_password="smcb-b-p12",
        kom_le="1.5+", kim_data="praxis.b@fd-b.kim.telematik-test,1.5,KIM-Mail;V1.0",
        data_time_to_live=30,   # differs from the default so that Expires from getLimits is testable
        vzd_extra={"st": ["Nordrhein"], "l": ["Düsseldorf"], "postalCode": ["40213"],
                   "street": ["Königsallee 5"], "holder": ["kzbv"]}))
    # Health insurer: IK with a valid check digit, entryType 5, KIM 1.0 only,
    # with the "-" placeholders and lower-case boolean of the real RU data.
    p.append(Participant(
        id="kasse", name="Test-Krankenkasse Hessen", role="insurer", provider="fd-b",
        local_part="eau.tkkh", password="Kasse-eAU.2024!", telematik_id="8-01-0000104612348",
        profession_oids=(PROF_KOSTENTRAEGER,), profession_item="Betriebsstätte Kostenträger", entry_type="5",
        iccsn="80276883110000100004", card_type="SMC-B", keys=SMCB_KEYS,
        subject=_smcb_subject("Test-Krankenkasse Hessen NOT-VALID", "Kassel", "34117",
                              "Kurfürstenstraße 3", "80276883110000100004", "Test-Krankenkasse Hessen TEST-ONLY"),
        domain_ids=("104612348", "104690009"), ik="104612348",
        token="SMCB-KK", user_pin="456789", so_pin="45678901", p12_password="kasse-p12",
        kom_le="1.0", kim_data=None, quota=-1,   # unlimited: the -1 case of AccountLimit
        vzd_extra={"otherName": ["-"], "title": ["-"], "st": ["-"], "l": ["Kassel"],
                   "postalCode": ["34117"], "street": ["Kurfürstenstraße 3"],
                   "organization": ["Test-Krankenkasse Hessen NOT-VALID"], "holder": ["dtsg"],
                   "KOM-LE-Version": ["1.0"], "maxKOMLEadr": ["1"]}))
    # KV Hessen data acceptance point (1-Click billing, QS documentation).
    p.append(Participant(
        id="kv_hessen", name="KV Hessen Datenannahmestelle", role="kv", provider="fd-a",
        local_part="datenannahme.kvh", password="KVH-Annahme.2024!", telematik_id="9-2.210.4600001",
        profession_oids=(PROF_KV, PROF_KV_GEMSPEC), profession_item="Kassenärztliche Vereinigung",
        entry_type="6", iccsn="80276883110000100005", card_type="SMC-B", keys=SMCB_KEYS,
        subject=_smcb_subject("Kassenärztliche Vereinigung Hessen NOT-VALID", "Frankfurt am Main", "60528",
                              "Europa-Allee 90", "80276883110000100005", "KV Hessen Datenannahme TEST-ONLY"),
        domain_ids=("46",), kv_region="46",
        token="SMCB-KVH", user_pin="567890", so_pin="56789012", p12_password="kvh-p12",
        # Opted in to large mails (QS documentation, 1-Click archives): the 1.5+ mailbox of fd-a.
        kom_le="1.5+",
        kim_data="datenannahme.kvh@fd-a.kim.telematik-test,1.5,"
                 "1ClickAbrechnung;Lieferung;V2.0|eDokumentation-QSHLT;Lieferung;V2.0",
        vzd_extra={"st": ["Hessen"], "l": ["Frankfurt am Main"], "postalCode": ["60528"],
                   "street": ["Europa-Allee 90"], "holder": ["kbv"]}))
    # Routing (issue 18): a second KV region, so that a practice's KV deliveries go to its own KV
    # (practice B's domainID 381234567 lies in KV Nordrhein, 38) ...
    p.append(Participant(
        id="kv_nordrhein", name="KV Nordrhein Datenannahmestelle", role="kv", provider="fd-b",
        local_part="datenannahme.kvno", password="KVNO-Annahme.2024!", telematik_id="9-2.210.3800001",
        profession_oids=(PROF_KV, PROF_KV_GEMSPEC), profession_item="Kassenärztliche Vereinigung",
        entry_type="6", iccsn="80276883110000100020", card_type="SMC-B", keys=SMCB_KEYS,
        subject=_smcb_subject("Kassenärztliche Vereinigung Nordrhein NOT-VALID", "Düsseldorf", "40474",
                              "Tersteegenstraße 9", "80276883110000100020", "KV Nordrhein Datenannahme TEST-ONLY"),
        domain_ids=("38",), kv_region="38", p12_password="kvno-p12", kom_le="1.5",
        kim_data="datenannahme.kvno@fd-b.kim.telematik-test,1.5,1ClickAbrechnung;Lieferung;V2.0",
        vzd_extra={"st": ["Nordrhein"], "l": ["Düsseldorf"], "postalCode": ["40474"],
                   "street": ["Tersteegenstraße 9"], "holder": ["kbv"]}))
    # ... and a second insurer with several addresses whose kimData application tags differ (the
    # "Lumpenpostfächer"): only eau.bkkno takes eAU; post.bkkno and eeb.bkkno are VZD values only.
    p.append(Participant(
        id="kasse_nordrhein", name="Test-BKK Nordrhein", role="insurer", provider="fd-a",
        local_part="eau.bkkno", password="BKKNO-eAU.2024!", telematik_id="8-01-0000103812348",
        profession_oids=(PROF_KOSTENTRAEGER,), profession_item="Betriebsstätte Kostenträger", entry_type="5",
        iccsn="80276883110000100021", card_type="SMC-B", keys=SMCB_KEYS,
        subject=_smcb_subject("Test-BKK Nordrhein NOT-VALID", "Köln", "50667", "Domkloster 1",
                              "80276883110000100021", "Test-BKK Nordrhein TEST-ONLY"),
        domain_ids=("103812348",), ik="103812348", p12_password="bkkno-p12", kom_le="1.5",
        kim_data="post.bkkno@fd-a.kim.telematik-test,1.5,KIM-Mail;V1.0",
        vzd_extra={"mail": ["post.bkkno@fd-a.kim.telematik-test", "eeb.bkkno@fd-a.kim.telematik-test"],
                   "kimData": ["eeb.bkkno@fd-a.kim.telematik-test,1.5,eEB;V1.0",
                               "eau.bkkno@fd-a.kim.telematik-test,1.5,eAU;V1.0|KIM-Mail;V1.0"],
                   "st": ["Nordrhein"], "l": ["Köln"], "postalCode": ["50667"], "street": ["Domkloster 1"],
                   "holder": ["dtsg"]}))
    # The awkward cases: each a practice-like SMC-B identity on fd-b.
    for i, (pid, local, awk, keys) in enumerate([
            ("expired", "expired", "expired", ENC_ONLY),
            ("revoked", "revoked", "revoked", ENC_ONLY),
            ("wrongku", "wrongku", "wrong_key_usage", WRONG_KU),
            ("twoids_1", "twoids", "two_telematik_ids", ENC_ONLY),
            ("twoids_2", "twoids", "two_telematik_ids", ENC_ONLY)]):
        iccsn = f"802768831100001000{10 + i:02d}"
        tid = f"1-2046999990{i + 1}"
        p.append(Participant(
            id=pid, name=f"Awkward case {pid}", role="awkward", provider="fd-b",
            local_part=local, password=f"Awkward-{local}.2024!", telematik_id=tid,
            profession_oids=(PROF_ARZTPRAXIS,), profession_item="Betriebsstätte Arzt", entry_type="2",
            iccsn=iccsn, card_type="SMC-B", keys=keys,
            subject=_smcb_subject(f"Praxis {pid} NOT-VALID", "Wiesbaden", "65183", "Marktstraße 1",
                                  iccsn, f"Praxis {pid} TEST-ONLY"),
            domain_ids=(f"4599999{i + 1:02d}",), bsnr=f"4599999{i + 1:02d}", kv_region="45",
            p12_password=f"{pid}-p12",
            # wrongku has no komLeData at all: the client must assume 1.0.
            kom_le=None if pid == "wrongku" else "1.0",
            awkward=awk))
    p += practice_c()
    return p


def practice_c() -> list[Participant]:
    """Practice C (GP practice, KV Hessen) before its KIM registration: two SMC-Bs (the
    current card and the follow-up card of a new Betriebsstaette, for porting an address),
    VZD entries without mail/kimData/komLeData, no mailbox; registration letters below."""
    out = []
    for pid, bsnr, iccsn, token, pins, street in (
            ("praxis_c", "467654300", "80276883110000100006", "SMCB-C", ("678901", "67890123"), "Kirchplatz 3"),
            ("praxis_c2", "467654400", "80276883110000100007", "SMCB-N", ("789012", "78901234"), "Marktplatz 7")):
        out.append(Participant(
            id=pid, name="Hausarztpraxis Dr. Clara Conrad", role="practice", provider="fd-a",
            local_part="", password="", telematik_id=f"1-20{bsnr}",
            profession_oids=(PROF_ARZTPRAXIS,), profession_item="Betriebsstätte Arzt", entry_type="2",
            iccsn=iccsn, card_type="SMC-B", keys=SMCB_KEYS,
            subject=_smcb_subject("Hausarztpraxis Dr. Clara Conrad NOT-VALID", "Darmstadt", "64283", street,
                                  iccsn, "Praxis Dr. Conrad TEST-ONLY"),
            domain_ids=(bsnr,), bsnr=bsnr, kv_region="46",
            token=token, user_pin=pins[0], so_pin=pins[1], p12_password=f"{token.lower()}-p12",
            kom_le=None, kim_data=None, mailbox=False,
            vzd_extra={"st": ["Hessen"], "l": ["Darmstadt"], "postalCode": ["64283"], "street": [street],
                       "holder": ["kbv"]}))
    return out


@dataclass(frozen=True)
class RegistrationLetter:
    """What a provider hands a practice for registerAccount (referenceID + initial password)."""
    provider: str
    reference_id: str
    initial_password: str
    participant: str
    telematik_id: str
    address_hint: str | None = None


def registration_letters(parts: list[Participant]) -> list[RegistrationLetter]:
    """One letter per provider for practice C's current card; the follow-up card gets none
    (it takes an address over with getOTP/setTID)."""
    c = next(p for p in parts if p.id == "praxis_c")
    return [
        RegistrationLetter("fd-a", "FDA-REG-2024-000471", "Start-FdA.4711", c.id, c.telematik_id,
                           "praxis.conrad@fd-a.kim.telematik-test"),
        RegistrationLetter("fd-b", "FDB-7d3f9a2e-0815", "Start-FdB.0815", c.id, c.telematik_id),
    ]


# --- TLS identities (component PKI) ------------------------------------------
@dataclass(frozen=True)
class TlsSpec:
    id: str
    cn: str
    alg: str
    eku: str
    policies: tuple[str, ...]
    role_oid: str | None
    role_item: str | None
    san: tuple[str, ...]
    o: str
    serial_number: str | None = None


def tls_identities() -> list[TlsSpec]:
    fd = []
    for name in ("fd-a", "fd-b"):
        host = f"mx.{name}.kim.telematik-test"
        fd.append(TlsSpec(name, host, "rsa", "serverAuth, clientAuth",
                          (OID_POLICY_GEM_OR_CP, OID_FD_TLS_S), ROLE_KOMLE, "KOM-LE Fachdienst",
                          (f"DNS:{host}", f"DNS:{name}.kim.telematik-test", "DNS:localhost", "IP:127.0.0.1"),
                          f"KIM test provider {name} NOT-VALID"))
        # The provider's KAS and Account Manager (one test server process).
        fd.append(TlsSpec(f"kas-{name}", f"kas.{name}.kim.telematik-test", "rsa", "serverAuth",
                          (OID_POLICY_GEM_OR_CP, OID_FD_TLS_S), ROLE_KOMLE, "KOM-LE Fachdienst",
                          (f"DNS:kas.{name}.kim.telematik-test", f"DNS:accmgr.{name}.kim.telematik-test",
                           "IP:127.0.0.1"),
                          f"KIM test provider {name} NOT-VALID"))
    return fd + [
        TlsSpec("vzd", "ldap.vzd.kim.telematik-test", "rsa", "serverAuth",
                (OID_POLICY_GEM_OR_CP,), None, None,
                ("DNS:ldap.vzd.kim.telematik-test", "DNS:localhost", "IP:127.0.0.1"), "KIM test VZD NOT-VALID"),
        TlsSpec("cm", "kimgate-cm-01#CM", "rsa", "clientAuth",
                (OID_POLICY_GEM_OR_CP, OID_CM_TLS_C), ROLE_CMFD, "Clientmodul", (),
                "kimgate test client module NOT-VALID"),
        # The Konnektor's server certificate: CN is the gSMC-K ICCSN, no IP
        # SAN, so host name verification against 127.0.0.1 fails as it does
        # against a real Konnektor.
        TlsSpec("konnektor", KONNEKTOR_ICCSN, "rsa", "serverAuth, clientAuth",
                (OID_POLICY_GEM_OR_CP, OID_AK_AUT), ROLE_AK, "Anwendungskonnektor",
                ("DNS:konnektor.konlan",), "kimgate test Konnektor NOT-VALID",
                serial_number=KONNEKTOR_ICCSN),
    ]
