#pragma once
// Certificate facts and checks for KIM: the TelematikID and profession OIDs from the
// admission extension (1.3.36.8.3.3), the TI certificate type from the policy OIDs,
// key usage, validity at a given time, revocation from CRLs, and the chain to
// configured TI roots. CRLs are bytes; OCSP responses are checked in crypto/ocsp.h.
#include <cstdint>
#include <string>
#include <vector>

#include "crypto/ossl.h"
#include "crypto/types.h"

namespace kimgate::crypto {

struct Admission {
  std::string telematik_id;  // registrationNumber
  std::vector<std::string> profession_oids;
  std::vector<std::string> profession_items;
};
Result<Admission> admission_of(const Certificate& cert);

enum class CertType { hci_enc, hci_osig, hci_aut, hp_enc, hp_aut, unknown };
CertType cert_type_of(const Certificate& cert);
const char* cert_type_name(CertType t);
std::vector<std::string> policy_oids_of(const Certificate& cert);

enum class CertStatus {
  ok,
  not_yet_valid,
  expired,
  revoked,
  wrong_key_usage,
  wrong_type,
  untrusted,               // no chain to a configured root
  different_telematik_id,  // several certificates of one address disagree (KOM-LE-A_2178)
  malformed,
};
const char* cert_status_name(CertStatus s);

struct CertCheckOptions {
  std::vector<CertType> allowed_types;  // empty: any
  std::int64_t at_time = 0;             // unix seconds; 0: now
  std::vector<Certificate> roots;       // trust anchors; empty: no chain check
  std::vector<Certificate> intermediates;
  std::vector<Bytes> crls_pem;  // PEM or DER CRLs; empty: no revocation check
};
struct CertCheck {
  CertStatus status = CertStatus::malformed;
  std::string detail;
};
// Order of checks: type, key usage (by type: ENC keyEncipherment|keyAgreement, OSIG nonRepudiation),
// validity, chain, revocation.
CertCheck check_certificate(const Certificate& cert, const CertCheckOptions& options);

// ok when all certificates carry the same TelematikID, different_telematik_id otherwise.
CertCheck check_same_telematik_id(const std::vector<Certificate>& certs);

}  // namespace kimgate::crypto
