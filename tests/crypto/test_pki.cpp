#include "tests/crypto/test_pki.h"

#include <openssl/ec.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include <stdexcept>

#include "crypto/der.h"

namespace kimgate::test {
namespace {

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) {
    throw std::runtime_error("bad extension " + value);
  }
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

void add_der_ext(X509* cert, const char* oid, const crypto::Bytes& value) {
  ASN1_OCTET_STRING* os = ASN1_OCTET_STRING_new();
  ASN1_OCTET_STRING_set(os, value.data(), static_cast<int>(value.size()));
  ASN1_OBJECT* obj = OBJ_txt2obj(oid, 1);
  X509_EXTENSION* ext = X509_EXTENSION_create_by_OBJ(nullptr, obj, 0, os);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  ASN1_OBJECT_free(obj);
  ASN1_OCTET_STRING_free(os);
}

// certificatePolicies: SEQUENCE OF PolicyInformation { policyIdentifier }
void add_policies(X509* cert, const std::string& list) {
  std::vector<crypto::Bytes> infos;
  std::size_t pos = 0;
  while (pos <= list.size()) {
    const std::size_t comma = list.find(',', pos);
    const std::string oid = list.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    infos.push_back(crypto::der::seq({crypto::der::oid(oid)}));
    if (comma == std::string::npos) {
      break;
    }
    pos = comma + 1;
  }
  add_der_ext(cert, "2.5.29.32", crypto::der::seq(infos));
}

void add_admission(X509* cert, const std::string& telematik_id, const std::string& profession_oid) {
  namespace der = crypto::der;
  const std::string item = "Betriebsstaette Arzt";
  const crypto::Bytes info = der::seq({
      der::seq(
          {der::tlv(der::kUtf8String, der::View(reinterpret_cast<const std::uint8_t*>(item.data()), item.size()))}),
      der::seq({der::oid(profession_oid)}),
      der::tlv(der::kPrintableString,
               der::View(reinterpret_cast<const std::uint8_t*>(telematik_id.data()), telematik_id.size())),
  });
  add_der_ext(cert, "1.3.36.8.3.3", der::seq({der::seq({der::seq({der::seq({info})})})}));
}

crypto::Certificate finish(X509* x) {
  unsigned char* buf = nullptr;
  const int n = i2d_X509(x, &buf);
  crypto::Bytes der(buf, buf + n);
  OPENSSL_free(buf);
  return crypto::Certificate{crypto::X509Ptr(x), std::move(der)};
}

X509* skeleton(const std::string& cn, EVP_PKEY* pub, long from_days, long to_days) {
  static long serial = 1000;
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), ++serial);
  X509_NAME* name = X509_NAME_new();
  X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("DE"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_subject_name(x, name);
  X509_NAME_free(name);
  X509_gmtime_adj(X509_getm_notBefore(x), from_days * 86400);
  X509_gmtime_adj(X509_getm_notAfter(x), to_days * 86400);
  X509_set_pubkey(x, pub);
  return x;
}

}  // namespace

crypto::PkeyPtr make_key(KeyKind kind) {
  EVP_PKEY* k = kind == KeyKind::rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("brainpoolP256r1");
  if (k == nullptr) {
    throw std::runtime_error("key generation failed");
  }
  return crypto::PkeyPtr(k);
}

Identity make_ca(const std::string& cn) {
  Identity ca;
  ca.key = make_key(KeyKind::rsa);
  X509* x = skeleton(cn, ca.key.get(), -3650, 3650);
  X509_set_issuer_name(x, X509_get_subject_name(x));
  add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE");
  add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign");
  add_ext(x, x, NID_subject_key_identifier, "hash");
  X509_sign(x, ca.key.get(), EVP_sha256());
  ca.cert = finish(x);
  return ca;
}

Identity issue(const Identity& ca, const CertSpec& spec) {
  Identity id;
  id.key = make_key(spec.kind);
  X509* x = skeleton(spec.common_name, id.key.get(), spec.not_before_days, spec.not_after_days);
  X509_set_issuer_name(x, X509_get_subject_name(ca.cert.x509.get()));
  add_ext(x, ca.cert.x509.get(), NID_key_usage, spec.key_usage);
  add_policies(x, spec.policies);
  add_ext(x, ca.cert.x509.get(), NID_authority_key_identifier, "keyid");
  add_admission(x, spec.telematik_id, spec.profession_oid);
  X509_sign(x, ca.key.get(), EVP_sha256());
  id.cert = finish(x);
  return id;
}

}  // namespace kimgate::test
