#!/usr/bin/env bash
# kimctl vzd lookup/insurer/kv against the test world's slapd: exit codes and the lines an
# administrator reads. Usage: kimctl_vzd_test.sh KIMCTL (needs KIMGATE_WORLD_DIR).
set -euo pipefail
kimctl=$1
# ASan builds: libldap's GnuTLS backend leaks the client key it loads (see lsan.supp).
export LSAN_OPTIONS="suppressions=$(dirname "$0")/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
world=${KIMGATE_WORLD_DIR:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$world/world.json" "$work/kimgate.toml" <<'PY'
import json, sys
w = json.load(open(sys.argv[1]))
open(sys.argv[2], "w").write(f'''
[pvs]
plaintext_on_loopback = true
[[pvs.listener]]
protocol = "smtp"
address = "127.0.0.1"
port = 12465
tls = "none"
[[konnektor]]
id = "Konn_1"
default = true
kind = "soap"
sds_url = "https://konnektor.konlan/connector.sds"
tls_auth = "server-only"
server_pin_sha256 = "{'0' * 64}"
[directory]
url = "{w['vzd']['ldaps_url']}"
base_dn = "{w['vzd']['base_dn']}"
client_p12 = "{w['client_module']['p12']}"
client_p12_password = "{w['client_module']['p12_password']}"
ca_file = "{w['pki']['ca_bundle_pem']}"
timeout = "10s"
''')
PY
cfg=$work/kimgate.toml
fail() { echo "FAIL: $*" >&2; exit 1; }
expect() {  # expect CODE PATTERN -- ARGS...
  local code=$1 pattern=$2; shift 3
  local out rc=0
  out=$("$kimctl" -c "$cfg" vzd "$@" 2>&1) || rc=$?
  [[ $rc == "$code" ]] || fail "kimctl vzd $* exited $rc, wanted $code: $out"
  grep -qE -- "$pattern" <<<"$out" || fail "kimctl vzd $* did not print /$pattern/: $out"
  echo "ok: vzd $* -> $rc /$pattern/"
}
expect 0 'encrypt for 1 certificate\(s\) of TelematikID 2-2381234567' -- lookup praxis.b@fd-b.kim.telematik-test
expect 0 'excluded: ECC certificate, but the Konnektor is not ECC-capable' -- lookup praxis.b@fd-b.kim.telematik-test
expect 0 'encrypt for 2 certificate\(s\)' -- lookup praxis.b@fd-b.kim.telematik-test --ecc
expect 0 'kim version +1\.5\+ \(large mails\)' -- lookup praxis.b@fd-b.kim.telematik-test
expect 1 'X-KIM-Fehlermeldung 4005' -- lookup twoids@fd-b.kim.telematik-test
expect 1 'excluded: expired' -- lookup expired@fd-b.kim.telematik-test
expect 1 'excluded: key usage does not allow encryption' -- lookup wrongku@fd-b.kim.telematik-test
expect 0 'mail eau\.tkkh@fd-b\.kim\.telematik-test' -- insurer 104612348
expect 1 'entries +0' -- insurer 461234500
expect 0 'mail datenannahme\.kvh@fd-a\.kim\.telematik-test' -- kv 46
expect 0 'professionOID 1\.2\.276\.0\.76\.4\.210' -- kv 46 --profession-oid 1.2.276.0.76.4.210
expect 0 'KV region +46 Hessen' -- kv 41
expect 1 'unknown KV region' -- kv 4x
sed -i 's#^url = .*#url = "ldaps://127.0.0.1:1"#' "$cfg"
expect 3 'directory unavailable' -- lookup praxis.a@fd-a.kim.telematik-test
echo "all kimctl vzd checks passed"
