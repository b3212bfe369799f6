"""The test PKI: CAs, end-entity certificates, CRLs, OCSP signers, PKCS#12.

Made with the openssl command line at `up` time and kept under
$WORLD/pki until `down --purge` (or a model change). One `openssl ca`
database per CA, so each CA has its own CRL and its own OCSP responder.
"""
from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import model
from model import CA, CAS, CA_BY_ID, KeySpec, Participant, TlsSpec
from worldcfg import HOST, Layout

EXPIRED_START = "20190101000000Z"
EXPIRED_END = "20210101000000Z"
EE_DAYS = 5 * 365
CA_DAYS = 10 * 365


def run(*args: str, cwd: Path | None = None, input: bytes | None = None) -> None:
    res = subprocess.run(args, cwd=cwd, input=input, capture_output=True)
    if res.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{res.stderr.decode(errors='replace')}")


def genkey(path: Path, alg: str) -> None:
    if alg == "rsa":
        run("openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", str(path))
    else:
        run("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:brainpoolP256r1",
            "-pkeyopt", "ec_param_enc:named_curve", "-out", str(path))
    path.chmod(0o600)


def subj(attrs: dict[str, str]) -> str:
    def esc(v: str) -> str:
        return v.replace("\\", "\\\\").replace("/", "\\/").replace("+", "\\+")
    return "".join(f"/{k}={esc(v)}" for k, v in attrs.items())


def gmt(t: dt.datetime) -> str:
    return t.strftime("%Y%m%d%H%M%SZ")


class Pki:
    def __init__(self, layout: Layout, ports: dict[str, int]):
        self.l = layout
        self.ports = ports
        self.now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)

    # --- paths ---------------------------------------------------------------
    def ca_dir(self, ca: str) -> Path: return self.l.pki / "ca" / ca
    def ca_pem(self, ca: str) -> Path: return self.ca_dir(ca) / "ca.pem"
    def ca_der(self, ca: str) -> Path: return self.l.pub / "ca" / f"{ca}.der"
    def crl_pem(self, ca: str) -> Path: return self.ca_dir(ca) / "crl.pem"
    def crl_der(self, ca: str) -> Path: return self.l.pub / "crl" / f"{ca}.crl"
    def ocsp_url(self, ca: str) -> str | None:
        # One responder process, one path per issuing CA.
        return f"http://{HOST}:{self.ports['OCSP']}/{ca}" if CA_BY_ID[ca].has_ocsp else None
    def crl_url(self, ca: str) -> str: return f"http://{HOST}:{self.ports['HTTP']}/crl/{ca}.crl"
    def aia_url(self, ca: str) -> str: return f"http://{HOST}:{self.ports['HTTP']}/ca/{ca}.der"
    def bundle(self) -> Path: return self.l.pki / "ca-bundle.pem"
    def chain(self, ca: str) -> Path: return self.ca_dir(ca) / "chain.pem"   # issuing CA + root
    def ee_dir(self, owner: str) -> Path: return self.l.pki / "ee" / owner
    def tls_dir(self) -> Path: return self.l.pki / "tls"

    # --- CA database -----------------------------------------------------------
    def _ca_cnf(self, ca: str) -> Path:
        d = self.ca_dir(ca)
        cnf = d / "ca.cnf"
        fields = ["C", "ST", "L", "postalCode", "street", "O", "OU", "title", "GN", "SN",
                  "serialNumber", "CN"]
        names = {"C": "countryName", "ST": "stateOrProvinceName", "L": "localityName",
                 "O": "organizationName", "OU": "organizationalUnitName", "GN": "givenName",
                 "SN": "surname", "CN": "commonName"}
        policy = "\n".join(f"{names.get(f, f)} = optional" for f in fields)
        cnf.write_text(f"""# openssl ca configuration of the test CA '{ca}' (generated)
[ca]
default_ca = this_ca
[this_ca]
dir = {d}
database = $dir/index.txt
new_certs_dir = $dir/newcerts
certificate = $dir/ca.pem
private_key = $dir/ca.key
serial = $dir/serial
crlnumber = $dir/crlnumber
default_md = sha256
default_crl_days = 30
policy = policy_any
unique_subject = no
preserve = yes
email_in_dn = no
copy_extensions = none
string_mask = utf8only
[policy_any]
{policy}
[crl_ext]
authorityKeyIdentifier = keyid:always
""", encoding="utf-8")
        return cnf

    def _init_db(self, ca: str) -> None:
        d = self.ca_dir(ca)
        (d / "newcerts").mkdir(parents=True, exist_ok=True)
        (d / "index.txt").write_text("")
        (d / "index.txt.attr").write_text("unique_subject = no\n")
        (d / "crlnumber").write_text("1000\n")
        self._ca_cnf(ca)

    def sign(self, ca: str, csr: Path, out: Path, ext_text: str, start: str | None = None,
             end: str | None = None, days: int = EE_DAYS) -> None:
        ext = out.with_suffix(".ext.cnf")
        ext.write_text(ext_text, encoding="utf-8")
        args = ["openssl", "ca", "-batch", "-config", str(self.ca_dir(ca) / "ca.cnf"), "-utf8",
                "-notext", "-rand_serial", "-in", str(csr), "-out", str(out),
                "-extfile", str(ext), "-extensions", "ext"]
        args += ["-startdate", start or gmt(self.now - dt.timedelta(days=1))]
        if end:
            args += ["-enddate", end]
        else:
            args += ["-days", str(days)]
        run(*args)

    def csr(self, key: Path, attrs: dict[str, str], out: Path) -> None:
        run("openssl", "req", "-new", "-utf8", "-key", str(key), "-subj", subj(attrs), "-out", str(out),
            "-config", str(self.req_cnf()))

    def req_cnf(self) -> Path:
        """A minimal req config: UTF8String for every DN attribute, as in TI certificates."""
        cnf = self.l.pki / "req.cnf"
        if not cnf.exists():
            cnf.parent.mkdir(parents=True, exist_ok=True)
            cnf.write_text("[req]\ndistinguished_name = dn\nstring_mask = utf8only\nprompt = no\n[dn]\n")
        return cnf

    def to_der(self, pem: Path, der: Path) -> None:
        run("openssl", "x509", "-in", str(pem), "-outform", "DER", "-out", str(der))

    # --- CAs -------------------------------------------------------------------
    def _ca_ext(self, ca: CA) -> str:
        lines = ["[ext]", "basicConstraints = critical, CA:TRUE" + ("" if ca.parent is None else ", pathlen:0"),
                 "keyUsage = critical, keyCertSign, cRLSign", "subjectKeyIdentifier = hash"]
        if ca.parent:
            lines += ["authorityKeyIdentifier = keyid:always",
                      f"certificatePolicies = {model.OID_POLICY_GEM_OR_CP}"]
        return "\n".join(lines) + "\n"

    def make_cas(self) -> None:
        subj_base = {"C": "DE", "O": "kimgate test world NOT-VALID"}
        with ThreadPoolExecutor(4) as ex:
            for ca in CAS:
                self.ca_dir(ca.id).mkdir(parents=True, exist_ok=True)
            list(ex.map(lambda c: genkey(self.ca_dir(c.id) / "ca.key", c.alg), CAS))
        for ca in CAS:
            self._init_db(ca.id)
            d = self.ca_dir(ca.id)
            attrs = dict(subj_base, OU="Test-CA der Telematikinfrastruktur", CN=ca.cn)
            if ca.parent is None:
                # Self-signed: `openssl ca -selfsign` keeps the root in its own
                # database like every other certificate.
                self.csr(d / "ca.key", attrs, d / "ca.csr")
                ext = d / "ca.ext.cnf"
                ext.write_text(self._ca_ext(ca))
                run("openssl", "ca", "-batch", "-selfsign", "-config", str(d / "ca.cnf"), "-utf8", "-notext",
                    "-rand_serial", "-keyfile", str(d / "ca.key"), "-in", str(d / "ca.csr"),
                    "-out", str(d / "ca.pem"), "-extfile", str(ext), "-extensions", "ext",
                    "-startdate", gmt(self.now - dt.timedelta(days=2)), "-days", str(CA_DAYS))
            else:
                self.csr(d / "ca.key", attrs, d / "ca.csr")
                self.sign(ca.parent, d / "ca.csr", d / "ca.pem", self._ca_ext(ca),
                          start=gmt(self.now - dt.timedelta(days=2)), days=CA_DAYS)
        (self.l.pub / "ca").mkdir(parents=True, exist_ok=True)
        (self.l.pub / "crl").mkdir(parents=True, exist_ok=True)
        for ca in CAS:
            self.to_der(self.ca_pem(ca.id), self.ca_der(ca.id))
            root = self.ca_pem("root").read_text()
            chain = self.ca_pem(ca.id).read_text() + ("" if ca.parent is None else root)
            self.chain(ca.id).write_text(chain)
        self.bundle().write_text("".join(self.ca_pem(c.id).read_text() for c in CAS))
        shutil.copy(self.ca_pem("root"), self.l.pki / "root.pem")

    def make_ocsp_signers(self) -> None:
        with ThreadPoolExecutor(4) as ex:
            list(ex.map(lambda c: genkey(self.ca_dir(c.id) / "ocsp.key", c.alg),
                        [c for c in CAS if c.has_ocsp]))
        for ca in CAS:
            if not ca.has_ocsp:
                continue
            d = self.ca_dir(ca.id)
            self.csr(d / "ocsp.key", {"C": "DE", "O": "kimgate test world NOT-VALID",
                                      "CN": f"{ca.cn.replace(' TEST-ONLY', '')} OCSP-Signer TEST-ONLY"},
                     d / "ocsp.csr")
            self.sign(ca.id, d / "ocsp.csr", d / "ocsp.pem", "\n".join([
                "[ext]", "basicConstraints = critical, CA:FALSE", "keyUsage = critical, digitalSignature",
                "extendedKeyUsage = OCSPSigning", "noCheck = ignored", "subjectKeyIdentifier = hash",
                "authorityKeyIdentifier = keyid:always", f"certificatePolicies = {model.OID_POLICY_GEM_OR_CP}"]) + "\n")

    def gencrls(self) -> None:
        """(Re)issue every CA's CRL; called on each `up` so it never goes stale."""
        for ca in CAS:
            d = self.ca_dir(ca.id)
            run("openssl", "ca", "-batch", "-config", str(d / "ca.cnf"), "-gencrl", "-crlexts", "crl_ext",
                "-out", str(self.crl_pem(ca.id)))
            run("openssl", "crl", "-in", str(self.crl_pem(ca.id)), "-outform", "DER",
                "-out", str(self.crl_der(ca.id)))
        # All CRLs in one PEM, for tools that want a single file.
        (self.l.pki / "crls.pem").write_text("".join(self.crl_pem(c.id).read_text() for c in CAS))

    def revoke(self, ca: str, cert: Path) -> None:
        run("openssl", "ca", "-batch", "-config", str(self.ca_dir(ca) / "ca.cnf"), "-revoke", str(cert),
            "-crl_reason", "keyCompromise")

    # --- extensions --------------------------------------------------------------
    def ee_ext(self, ca: str, key_usage: str, policies: tuple[str, ...], *, eku: str | None = None,
               san: tuple[str, ...] = (), admission: tuple[str | None, str, tuple[str, ...]] | None = None) -> str:
        lines = ["[ext]", "basicConstraints = critical, CA:FALSE", f"keyUsage = {key_usage}",
                 "subjectKeyIdentifier = hash", "authorityKeyIdentifier = keyid:always",
                 f"certificatePolicies = {', '.join(policies)}",
                 f"authorityInfoAccess = OCSP;URI:{self.ocsp_url(ca)}, caIssuers;URI:{self.aia_url(ca)}",
                 f"crlDistributionPoints = URI:{self.crl_url(ca)}"]
        if eku:
            lines.append(f"extendedKeyUsage = {eku}")
        if san:
            lines.append(f"subjectAltName = {', '.join(san)}")
        if admission:
            reg, item, oids = admission
            lines.append("1.3.36.8.3.3 = ASN1:SEQUENCE:admission_syntax")
            lines += ["", "# AdmissionSyntax (Common PKI): contentsOfAdmissions only",
                      "[admission_syntax]", "contents = SEQUENCE:admissions_list",
                      "[admissions_list]", "a0 = SEQUENCE:admissions",
                      "[admissions]", "professionInfos = SEQUENCE:profession_infos",
                      "[profession_infos]", "p0 = SEQUENCE:profession_info",
                      "[profession_info]", "professionItems = SEQUENCE:profession_items",
                      "professionOIDs = SEQUENCE:profession_oids"]
            if reg:
                lines.append(f"registrationNumber = PRINTABLESTRING:{reg}")
            lines += ["[profession_items]", f"i0 = FORMAT:UTF8,UTF8String:{item}", "[profession_oids]"]
            lines += [f"o{i} = OID:{o}" for i, o in enumerate(oids)]
        return "\n".join(lines) + "\n"

    # --- end entities --------------------------------------------------------------
    def key_paths(self, owner: str, label: str) -> dict[str, Path]:
        d = self.ee_dir(owner)
        return {"key_pem": d / f"{label}.key.pem", "key_der": d / f"{label}.key.der",
                "cert_pem": d / f"{label}.pem", "cert_der": d / f"{label}.der",
                "csr": d / f"{label}.csr", "p12": d / f"{label}.p12",
                "chain_pem": d / f"{label}.chain.pem"}

    def tls_paths(self, tid: str) -> dict[str, Path]:
        d = self.tls_dir()
        return {"key_pem": d / f"{tid}.key.pem", "cert_pem": d / f"{tid}.pem", "cert_der": d / f"{tid}.der",
                "csr": d / f"{tid}.csr", "p12": d / f"{tid}.p12", "chain_pem": d / f"{tid}.chain.pem",
                "fullchain_pem": d / f"{tid}.fullchain.pem"}

    def make_participants(self, parts: list[Participant]) -> None:
        jobs = []
        for p in parts:
            self.ee_dir(p.id).mkdir(parents=True, exist_ok=True)
            for k in p.keys:
                jobs.append((self.key_paths(p.id, k.label), k.alg, p.subject))
        with ThreadPoolExecutor(4) as ex:
            def prep(job):
                paths, alg, attrs = job
                genkey(paths["key_pem"], alg)
                run("openssl", "pkey", "-in", str(paths["key_pem"]), "-outform", "DER",
                    "-out", str(paths["key_der"]))
                self.csr(paths["key_pem"], attrs, paths["csr"])
            list(ex.map(prep, jobs))
        for p in parts:
            for k in p.keys:
                paths = self.key_paths(p.id, k.label)
                ext = self.ee_ext(k.ca, k.key_usage, k.policies,
                                  admission=(p.telematik_id, p.profession_item, p.profession_oids))
                expired = p.awkward == "expired"
                self.sign(k.ca, paths["csr"], paths["cert_pem"], ext,
                          start=EXPIRED_START if expired else None, end=EXPIRED_END if expired else None)
                if p.awkward == "revoked":
                    self.revoke(k.ca, paths["cert_pem"])

    def make_tls(self, specs: list[TlsSpec]) -> None:
        self.tls_dir().mkdir(parents=True, exist_ok=True)
        with ThreadPoolExecutor(4) as ex:
            list(ex.map(lambda s: genkey(self.tls_paths(s.id)["key_pem"], s.alg), specs))
        for s in specs:
            paths = self.tls_paths(s.id)
            attrs = {"C": "DE", "O": s.o}
            if s.serial_number:
                attrs["serialNumber"] = s.serial_number
            attrs["CN"] = s.cn
            self.csr(paths["key_pem"], attrs, paths["csr"])
            ku = "critical, digitalSignature, keyEncipherment" if "serverAuth" in s.eku else "critical, digitalSignature"
            adm = (None, s.role_item, (s.role_oid,)) if s.role_oid else None
            self.sign("komp", paths["csr"], paths["cert_pem"],
                      self.ee_ext("komp", ku, s.policies, eku=s.eku, san=s.san, admission=adm))

    def finish_files(self, parts: list[Participant], specs: list[TlsSpec]) -> None:
        """DER copies, chains and PKCS#12 files (parallel: PBKDF2 is the slow part)."""
        jobs = []
        for p in parts:
            for k in p.keys:
                jobs.append((self.key_paths(p.id, k.label), k.ca, k.label, p.p12_password))
        for s in specs:
            jobs.append((self.tls_paths(s.id), "komp", s.id, tls_p12_password(s.id)))

        def finish(job):
            paths, ca, name, pw = job
            self.to_der(paths["cert_pem"], paths["cert_der"])
            paths["chain_pem"].write_text(self.chain(ca).read_text())
            if "fullchain_pem" in paths:
                paths["fullchain_pem"].write_text(paths["cert_pem"].read_text() + self.chain(ca).read_text())
            run("openssl", "pkcs12", "-export", "-inkey", str(paths["key_pem"]), "-in", str(paths["cert_pem"]),
                "-certfile", str(self.chain(ca)), "-name", name, "-passout", f"pass:{pw}",
                "-out", str(paths["p12"]))
            paths["p12"].chmod(0o600)
        with ThreadPoolExecutor(4) as ex:
            list(ex.map(finish, jobs))

    def serial_of(self, cert: Path) -> str:
        res = subprocess.run(["openssl", "x509", "-in", str(cert), "-noout", "-serial"],
                             capture_output=True, text=True, check=True)
        return res.stdout.strip().split("=", 1)[1]


def tls_p12_password(tid: str) -> str:
    return {"cm": "cm-p12-secret", "konnektor": "konnektor-p12"}.get(tid, f"{tid}-p12")
