#pragma once
// Encryption-certificate facts and the selection rules of vzd-ldap.md §5 / spec §4.3 step 4.
//
// parse_certificate() reads a DER X.509 certificate with OpenSSL (validity, key type,
// keyUsage, certificatePolicies, the admission extension 1.3.36.8.3.3 with TelematikID and
// profession OIDs) into plain values. select_certificates() is pure over those values:
// it keeps every valid C.HCI.ENC / C.HP.ENC certificate of one address (RSA always, ECC
// only when the Konnektor is ECC-capable), and says for every certificate it left out
// which rule excluded it, so the send path can write the right DSN sentence.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kimgate::ldap {

using SystemTime = std::chrono::system_clock::time_point;

enum class KeyType { rsa, ecc, other };
enum class CertType { hci_enc, hp_enc, other };  // C.HCI.ENC (SMC-B), C.HP.ENC (HBA)

inline constexpr std::string_view kOidPolicyHciEnc = "1.2.276.0.76.4.76";
inline constexpr std::string_view kOidPolicyHpEnc = "1.2.276.0.76.4.74";

struct CertInfo {
  std::string der;
  bool parsed = false;  // false: not a DER certificate; the other fields are empty
  std::string sha256_hex;
  std::string serial_hex;
  std::string issuer;
  std::string subject;
  SystemTime not_before{};
  SystemTime not_after{};
  KeyType key_type = KeyType::other;
  std::string curve;  // ECC curve short name, e.g. brainpoolP256r1
  bool key_encipherment = false;
  bool key_agreement = false;
  bool has_key_usage = false;
  std::vector<std::string> policies;
  std::string telematik_id;  // registrationNumber of the admission extension
  std::vector<std::string> profession_oids;
  CertType type() const;
};

CertInfo parse_certificate(std::string_view der);

std::string_view to_string(KeyType t);
std::string_view to_string(CertType t);

enum class Exclusion {
  not_a_certificate,  // DER did not parse
  not_enc_type,       // no C.HCI.ENC / C.HP.ENC policy
  wrong_key_usage,    // RSA without keyEncipherment, ECC without keyAgreement
  not_yet_valid,
  expired,
  ecc_not_supported,  // ECC while the Konnektor is not ECC-capable (A_17472)
  unsupported_key,    // neither RSA nor ECC
  no_telematik_id,    // no admission extension / registrationNumber
  invalidated,        // the Konnektor reported it invalid (cache invalidation)
};
std::string_view to_string(Exclusion e);

struct Excluded {
  CertInfo cert;
  Exclusion reason = Exclusion::not_a_certificate;
};

enum class SelectionOutcome {
  ok,                       // certificates holds at least one certificate
  not_found,                // no VZD entry carries the address
  no_enc_certificate,       // X-KIM-Fehlermeldung 4003
  different_telematik_ids,  // X-KIM-Fehlermeldung 4005
};
std::string_view to_string(SelectionOutcome o);
// The X-KIM-Fehlermeldung code for a failed selection ("" for ok).
std::string_view kim_error_code(SelectionOutcome o);

struct Selection {
  SelectionOutcome outcome = SelectionOutcome::not_found;
  std::string telematik_id;                // the one TelematikID of the chosen certificates
  std::vector<CertInfo> certificates;      // chosen: encrypt for all of them
  std::vector<Excluded> excluded;          // left out, with the rule that did it
  std::vector<std::string> telematik_ids;  // all distinct ones seen among valid certificates
  bool ok() const { return outcome == SelectionOutcome::ok; }
};

struct SelectionPolicy {
  SystemTime now = std::chrono::system_clock::now();
  bool ecc_capable = false;
  std::vector<std::string> invalidated_sha256;  // certificates the Konnektor reported invalid
};

// `certs` are all userCertificate values of all entries that carry the address
// (entry_count == 0 means the address was not found at all).
Selection select_certificates(const std::vector<CertInfo>& certs, std::size_t entry_count,
                              const SelectionPolicy& policy);

}  // namespace kimgate::ldap
