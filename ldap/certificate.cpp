#include "ldap/certificate.h"

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <ctime>
#include <memory>
#include <set>

#include "crypto/certificate.h"

namespace kimgate::ldap {

namespace {

using crypto::X509Ptr;

std::string hex(const unsigned char* data, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(kHex[data[i] >> 4]);
    out.push_back(kHex[data[i] & 0x0f]);
  }
  return out;
}

std::string name_text(const X509_NAME* name) {
  std::array<char, 512> buf{};
  X509_NAME_oneline(name, buf.data(), static_cast<int>(buf.size()));
  return buf.data();
}

SystemTime to_time(const ASN1_TIME* t) {
  struct tm tm {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) {
    return SystemTime{};
  }
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

void read_key(X509* cert, CertInfo& info) {
  EVP_PKEY* key = X509_get0_pubkey(cert);
  if (key == nullptr) {
    return;
  }
  if (EVP_PKEY_is_a(key, "RSA")) {
    info.key_type = KeyType::rsa;
  } else if (EVP_PKEY_is_a(key, "EC")) {
    info.key_type = KeyType::ecc;
    std::array<char, 80> curve{};
    std::size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(key, "group", curve.data(), curve.size(), &len) == 1) {
      info.curve.assign(curve.data(), len);
    }
  }
}

}  // namespace

CertType CertInfo::type() const {
  for (const auto& p : policies) {
    if (p == kOidPolicyHciEnc) {
      return CertType::hci_enc;
    }
    if (p == kOidPolicyHpEnc) {
      return CertType::hp_enc;
    }
  }
  return CertType::other;
}

CertInfo parse_certificate(std::string_view der) {
  CertInfo info;
  info.der = std::string(der);
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  ERR_clear_error();
  if (!cert || p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) {
    return info;
  }
  info.parsed = true;
  std::array<unsigned char, 32> md{};
  unsigned int md_len = 0;
  X509_digest(cert.get(), EVP_sha256(), md.data(), &md_len);
  info.sha256_hex = hex(md.data(), md_len);
  const ASN1_INTEGER* serial = X509_get0_serialNumber(cert.get());
  info.serial_hex = hex(serial->data, static_cast<std::size_t>(serial->length));
  info.issuer = name_text(X509_get_issuer_name(cert.get()));
  info.subject = name_text(X509_get_subject_name(cert.get()));
  info.not_before = to_time(X509_get0_notBefore(cert.get()));
  info.not_after = to_time(X509_get0_notAfter(cert.get()));
  const std::uint32_t ku = X509_get_key_usage(cert.get());
  info.has_key_usage = (X509_get_extension_flags(cert.get()) & EXFLAG_KUSAGE) != 0;
  info.key_encipherment = info.has_key_usage && (ku & KU_KEY_ENCIPHERMENT) != 0;
  info.key_agreement = info.has_key_usage && (ku & KU_KEY_AGREEMENT) != 0;
  read_key(cert.get(), info);
  // Policies and the admission extension (TelematikID) are read where crypto/ reads them.
  const crypto::Certificate facts(std::move(cert), crypto::Bytes(der.begin(), der.end()));
  info.policies = crypto::policy_oids_of(facts);
  if (auto admission = crypto::admission_of(facts); admission.ok()) {
    info.telematik_id = std::move(admission.value->telematik_id);
    info.profession_oids = std::move(admission.value->profession_oids);
  }
  ERR_clear_error();
  return info;
}

std::string_view to_string(KeyType t) {
  switch (t) {
    case KeyType::rsa:
      return "RSA";
    case KeyType::ecc:
      return "ECC";
    case KeyType::other:
      return "other";
  }
  return "?";
}

std::string_view to_string(CertType t) {
  switch (t) {
    case CertType::hci_enc:
      return "C.HCI.ENC";
    case CertType::hp_enc:
      return "C.HP.ENC";
    case CertType::other:
      return "not an ENC certificate";
  }
  return "?";
}

std::string_view to_string(Exclusion e) {
  switch (e) {
    case Exclusion::not_a_certificate:
      return "not a DER X.509 certificate";
    case Exclusion::not_enc_type:
      return "not a C.HCI.ENC or C.HP.ENC certificate (policy OID)";
    case Exclusion::wrong_key_usage:
      return "key usage does not allow encryption";
    case Exclusion::not_yet_valid:
      return "not yet valid";
    case Exclusion::expired:
      return "expired";
    case Exclusion::ecc_not_supported:
      return "ECC certificate, but the Konnektor is not ECC-capable";
    case Exclusion::unsupported_key:
      return "key is neither RSA nor ECC";
    case Exclusion::no_telematik_id:
      return "no TelematikID in the admission extension";
    case Exclusion::invalidated:
      return "reported invalid by the Konnektor";
  }
  return "?";
}

std::string_view to_string(SelectionOutcome o) {
  switch (o) {
    case SelectionOutcome::ok:
      return "ok";
    case SelectionOutcome::not_found:
      return "address not found in the directory";
    case SelectionOutcome::no_enc_certificate:
      return "no valid encryption certificate with a unique TelematikID";
    case SelectionOutcome::different_telematik_ids:
      return "encryption certificates carry different TelematikIDs";
  }
  return "?";
}

std::string_view kim_error_code(SelectionOutcome o) {
  switch (o) {
    case SelectionOutcome::ok:
      return "";
    case SelectionOutcome::not_found:
    case SelectionOutcome::no_enc_certificate:
      return "4003";
    case SelectionOutcome::different_telematik_ids:
      return "4005";
  }
  return "";
}

namespace {

std::optional<Exclusion> exclusion_of(const CertInfo& c, const SelectionPolicy& policy) {
  if (!c.parsed) {
    return Exclusion::not_a_certificate;
  }
  if (c.type() == CertType::other) {
    return Exclusion::not_enc_type;
  }
  if (c.key_type == KeyType::other) {
    return Exclusion::unsupported_key;
  }
  if ((c.key_type == KeyType::rsa && !c.key_encipherment) || (c.key_type == KeyType::ecc && !c.key_agreement)) {
    return Exclusion::wrong_key_usage;
  }
  if (policy.now < c.not_before) {
    return Exclusion::not_yet_valid;
  }
  if (policy.now > c.not_after) {
    return Exclusion::expired;
  }
  if (c.telematik_id.empty()) {
    return Exclusion::no_telematik_id;
  }
  const auto& inv = policy.invalidated_sha256;
  if (std::find(inv.begin(), inv.end(), c.sha256_hex) != inv.end()) {
    return Exclusion::invalidated;
  }
  return std::nullopt;
}

}  // namespace

Selection select_certificates(const std::vector<CertInfo>& certs, std::size_t entry_count,
                              const SelectionPolicy& policy) {
  Selection s;
  if (entry_count == 0) {
    s.outcome = SelectionOutcome::not_found;
    return s;
  }
  std::set<std::string> seen_der;
  std::vector<CertInfo> valid;
  for (const auto& c : certs) {
    if (!seen_der.insert(c.der).second) {
      continue;  // the same certificate in two entries counts once
    }
    const auto why = exclusion_of(c, policy);
    if (why) {
      s.excluded.push_back(Excluded{c, *why});
      continue;
    }
    if (std::find(s.telematik_ids.begin(), s.telematik_ids.end(), c.telematik_id) == s.telematik_ids.end()) {
      s.telematik_ids.push_back(c.telematik_id);
    }
    valid.push_back(c);
  }
  // KOM-LE-A_2178: one address, valid ENC certificates of different holders -> nobody gets it.
  if (s.telematik_ids.size() > 1) {
    s.outcome = SelectionOutcome::different_telematik_ids;
    return s;
  }
  for (auto& c : valid) {
    if (c.key_type == KeyType::ecc && !policy.ecc_capable) {
      s.excluded.push_back(Excluded{std::move(c), Exclusion::ecc_not_supported});
    } else {
      s.certificates.push_back(std::move(c));
    }
  }
  if (s.certificates.empty()) {
    s.outcome = SelectionOutcome::no_enc_certificate;
    return s;
  }
  s.telematik_id = s.telematik_ids.front();
  s.outcome = SelectionOutcome::ok;
  return s;
}

}  // namespace kimgate::ldap
