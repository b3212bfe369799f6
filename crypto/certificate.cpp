#include "crypto/certificate.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <ctime>

#include "crypto/der.h"
#include "crypto/oids.h"

namespace kimgate::crypto {
namespace {

bool has(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

const std::string kPrefix = "1.2.276.0.76.4.";

struct StoreFree {
  void operator()(X509_STORE* s) const { X509_STORE_free(s); }
  void operator()(X509_STORE_CTX* s) const { X509_STORE_CTX_free(s); }
};

}  // namespace

Result<Admission> admission_of(const Certificate& cert) {
  using R = Result<Admission>;
  const std::unique_ptr<ASN1_OBJECT, decltype(&ASN1_OBJECT_free)> oid(OBJ_txt2obj(oids::admission, 1),
                                                                      ASN1_OBJECT_free);
  const int idx = oid ? X509_get_ext_by_OBJ(cert.x509.get(), oid.get(), -1) : -1;
  if (idx < 0) {
    return R::failure("certificate has no admission extension");
  }
  ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(X509_get_ext(cert.x509.get(), idx));
  const der::View v(ASN1_STRING_get0_data(data), static_cast<std::size_t>(ASN1_STRING_length(data)));
  auto syntax = der::read(v);
  if (!syntax || syntax->tag != der::kSequence) {
    return R::failure("admission extension malformed");
  }
  // AdmissionSyntax { admissionAuthority GeneralName OPTIONAL, contentsOfAdmissions SEQUENCE OF Admissions }
  std::optional<der::Tlv> contents;
  der::Reader r(syntax->contents);
  while (auto c = r.next()) {
    if (c->tag == der::kSequence) {
      contents = c;
    }
  }
  if (!contents) {
    return R::failure("admission extension without contentsOfAdmissions");
  }
  Admission out;
  der::Reader ar(contents->contents);
  while (auto admissions = ar.next()) {
    // Admissions { [0] admissionAuthority, [1] namingAuthority, professionInfos SEQUENCE OF ProfessionInfo }
    der::Reader pr(admissions->contents);
    while (auto infos = pr.next()) {
      if (infos->tag != der::kSequence) {
        continue;
      }
      der::Reader ir(infos->contents);
      while (auto info = ir.next()) {
        // ProfessionInfo { [0] namingAuthority, professionItems, professionOIDs, registrationNumber, ... }
        der::Reader fr(info->contents);
        fr.next_if(der::context(0, true));
        if (auto items = fr.next_if(der::kSequence)) {
          der::Reader itr(items->contents);
          while (auto item = itr.next()) {
            out.profession_items.emplace_back(item->contents.begin(), item->contents.end());
          }
        }
        if (auto oid_list = fr.next_if(der::kSequence)) {
          der::Reader oir(oid_list->contents);
          while (auto o = oir.next_if(der::kOid)) {
            out.profession_oids.push_back(der::oid_text(o->contents));
          }
        }
        if (auto reg = fr.next_if(der::kPrintableString); reg && out.telematik_id.empty()) {
          out.telematik_id.assign(reg->contents.begin(), reg->contents.end());  // the first one
        }
      }
    }
  }
  if (out.telematik_id.empty()) {
    return R::failure("admission extension carries no TelematikID (registrationNumber)");
  }
  return R::success(std::move(out));
}

std::vector<std::string> policy_oids_of(const Certificate& cert) {
  std::vector<std::string> out;
  auto* policies =
      static_cast<CERTIFICATEPOLICIES*>(X509_get_ext_d2i(cert.x509.get(), NID_certificate_policies, nullptr, nullptr));
  if (policies == nullptr) {
    return out;
  }
  for (int i = 0; i < sk_POLICYINFO_num(policies); ++i) {
    char buf[128];
    OBJ_obj2txt(buf, sizeof buf, sk_POLICYINFO_value(policies, i)->policyid, 1);
    out.emplace_back(buf);
  }
  CERTIFICATEPOLICIES_free(policies);
  return out;
}

CertType cert_type_of(const Certificate& cert) {
  const auto p = policy_oids_of(cert);
  if (has(p, kPrefix + "76")) {
    return CertType::hci_enc;
  }
  if (has(p, kPrefix + "77")) {
    return CertType::hci_aut;
  }
  if (has(p, kPrefix + "78")) {
    return CertType::hci_osig;
  }
  if (has(p, kPrefix + "74")) {
    return CertType::hp_enc;
  }
  if (has(p, kPrefix + "75")) {
    return CertType::hp_aut;
  }
  return CertType::unknown;
}

const char* cert_type_name(CertType t) {
  switch (t) {
    case CertType::hci_enc:
      return "C.HCI.ENC";
    case CertType::hci_osig:
      return "C.HCI.OSIG";
    case CertType::hci_aut:
      return "C.HCI.AUT";
    case CertType::hp_enc:
      return "C.HP.ENC";
    case CertType::hp_aut:
      return "C.HP.AUT";
    case CertType::unknown:
      break;
  }
  return "unknown";
}

const char* cert_status_name(CertStatus s) {
  switch (s) {
    case CertStatus::ok:
      return "ok";
    case CertStatus::not_yet_valid:
      return "not-yet-valid";
    case CertStatus::expired:
      return "expired";
    case CertStatus::revoked:
      return "revoked";
    case CertStatus::wrong_key_usage:
      return "wrong-key-usage";
    case CertStatus::wrong_type:
      return "wrong-type";
    case CertStatus::untrusted:
      return "untrusted";
    case CertStatus::different_telematik_id:
      return "different-telematik-id";
    case CertStatus::malformed:
      break;
  }
  return "malformed";
}

CertCheck check_certificate(const Certificate& cert, const CertCheckOptions& o) {
  const CertType type = cert_type_of(cert);
  if (!o.allowed_types.empty() &&
      std::find(o.allowed_types.begin(), o.allowed_types.end(), type) == o.allowed_types.end()) {
    return {CertStatus::wrong_type, std::string("certificate type ") + cert_type_name(type) + " not allowed here"};
  }
  const std::uint32_t ku = X509_get_key_usage(cert.x509.get());
  const bool is_enc = type == CertType::hci_enc || type == CertType::hp_enc;
  const bool is_sig = type == CertType::hci_osig;
  if (is_enc && (ku & (KU_KEY_ENCIPHERMENT | KU_KEY_AGREEMENT)) == 0) {
    return {CertStatus::wrong_key_usage, "encryption certificate without keyEncipherment or keyAgreement"};
  }
  if (is_sig && (ku & KU_NON_REPUDIATION) == 0) {
    return {CertStatus::wrong_key_usage, "signature certificate without nonRepudiation"};
  }
  const std::time_t now = o.at_time != 0 ? static_cast<std::time_t>(o.at_time) : std::time(nullptr);
  if (X509_cmp_time(X509_get0_notBefore(cert.x509.get()), const_cast<std::time_t*>(&now)) > 0) {
    return {CertStatus::not_yet_valid, "certificate not yet valid"};
  }
  if (X509_cmp_time(X509_get0_notAfter(cert.x509.get()), const_cast<std::time_t*>(&now)) < 0) {
    return {CertStatus::expired, "certificate expired"};
  }
  if (o.roots.empty()) {
    return {CertStatus::ok, ""};
  }
  std::unique_ptr<X509_STORE, StoreFree> store(X509_STORE_new());
  for (const auto& root : o.roots) {
    X509_STORE_add_cert(store.get(), root.x509.get());
  }
  for (const auto& crl_bytes : o.crls_pem) {
    BIO* bio = BIO_new_mem_buf(crl_bytes.data(), static_cast<int>(crl_bytes.size()));
    while (X509_CRL* crl = PEM_read_bio_X509_CRL(bio, nullptr, nullptr, nullptr)) {
      X509_STORE_add_crl(store.get(), crl);
      X509_CRL_free(crl);
    }
    BIO_free(bio);
    const unsigned char* p = crl_bytes.data();
    if (X509_CRL* crl = d2i_X509_CRL(nullptr, &p, static_cast<long>(crl_bytes.size()))) {
      X509_STORE_add_crl(store.get(), crl);
      X509_CRL_free(crl);
    }
    ERR_clear_error();
  }
  STACK_OF(X509)* chain = sk_X509_new_null();
  for (const auto& c : o.intermediates) {
    sk_X509_push(chain, c.x509.get());
  }
  std::unique_ptr<X509_STORE_CTX, StoreFree> ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), store.get(), cert.x509.get(), chain);
  X509_STORE_CTX_set_time(ctx.get(), 0, now);
  unsigned long flags = 0;
  if (!o.crls_pem.empty()) {
    flags |= X509_V_FLAG_CRL_CHECK;
  }
  X509_STORE_CTX_set_flags(ctx.get(), flags);
  // TI end-entity certificates carry policy and key-usage constraints we check ourselves.
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_ANY);
  const int ok = X509_verify_cert(ctx.get());
  const int err = X509_STORE_CTX_get_error(ctx.get());
  sk_X509_free(chain);
  ERR_clear_error();
  if (ok == 1) {
    return {CertStatus::ok, ""};
  }
  if (err == X509_V_ERR_CERT_REVOKED) {
    return {CertStatus::revoked, "certificate revoked (CRL)"};
  }
  return {CertStatus::untrusted, X509_verify_cert_error_string(err)};
}

CertCheck check_same_telematik_id(const std::vector<Certificate>& certs) {
  std::string first;
  for (const auto& c : certs) {
    auto a = admission_of(c);
    if (!a.ok()) {
      return {CertStatus::malformed, a.error};
    }
    if (first.empty()) {
      first = a.value->telematik_id;
    } else if (a.value->telematik_id != first) {
      return {CertStatus::different_telematik_id,
              "certificates carry TelematikIDs " + first + " and " + a.value->telematik_id};
    }
  }
  return {CertStatus::ok, ""};
}

}  // namespace kimgate::crypto
