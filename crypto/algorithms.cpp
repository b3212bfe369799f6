#include "crypto/algorithms.h"

#include <openssl/rsa.h>

#include <memory>

#include "crypto/oids.h"
#include "crypto/ossl.h"

namespace kimgate::crypto::alg {
namespace {

struct EvpMdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

Bytes mgf1_sha256() {
  return der::seq({der::oid(oids::mgf1), sha256_null()});
}

// Reads the hash OID inside an AlgorithmIdentifier Tlv (e.g. [0] hashAlgorithm).
std::string inner_alg_oid(const der::Tlv& explicit_tag) {
  auto a = der::read(explicit_tag.contents);
  if (!a || a->tag != der::kSequence) {
    return "";
  }
  return digest_oid(a->contents);
}

// MGF1 with which hash, from [1] maskGenAlgorithm.
std::string mgf_hash_oid(const der::Tlv& explicit_tag) {
  auto a = der::read(explicit_tag.contents);
  if (!a || a->tag != der::kSequence) {
    return "";
  }
  der::Reader r(a->contents);
  auto o = r.next_if(der::kOid);
  auto p = r.next_if(der::kSequence);
  if (!o || !p || der::oid_text(o->contents) != oids::mgf1) {
    return "";
  }
  return digest_oid(p->contents);
}

}  // namespace

Bytes sha256() {
  return der::seq({der::oid(oids::sha256)});
}
Bytes sha256_null() {
  return der::seq({der::oid(oids::sha256), der::null()});
}
Bytes rsassa_pss_sha256() {
  return der::seq({der::oid(oids::rsassa_pss), der::seq({der::tlv(der::context(0, true), sha256_null()),
                                                         der::tlv(der::context(1, true), mgf1_sha256()),
                                                         der::tlv(der::context(2, true), der::integer(32))})});
}
Bytes ecdsa_sha256() {
  return der::seq({der::oid(oids::ecdsa_with_sha256)});
}
Bytes rsaes_oaep_sha256() {
  return der::seq({der::oid(oids::rsaes_oaep), der::seq({der::tlv(der::context(0, true), sha256_null()),
                                                         der::tlv(der::context(1, true), mgf1_sha256())})});
}
Bytes aes256_wrap() {
  return der::seq({der::oid(oids::aes256_wrap)});
}
Bytes ecdh_sha256kdf_aes256_wrap() {
  return der::seq({der::oid(oids::ecdh_sha256kdf), aes256_wrap()});
}

std::string digest_oid(der::View alg_contents) {
  der::Reader r(alg_contents);
  auto o = r.next_if(der::kOid);
  return o ? der::oid_text(o->contents) : "";
}

bool is_oaep_sha256(der::View alg_contents) {
  der::Reader r(alg_contents);
  auto o = r.next_if(der::kOid);
  auto params = r.next_if(der::kSequence);
  if (!o || !params || der::oid_text(o->contents) != oids::rsaes_oaep) {
    return false;
  }
  der::Reader pr(params->contents);
  auto hash = pr.next_if(der::context(0, true));
  auto mgf = pr.next_if(der::context(1, true));
  auto label = pr.next_if(der::context(2, true));
  return hash && mgf && !label && pr.done() && inner_alg_oid(*hash) == oids::sha256 &&
         mgf_hash_oid(*mgf) == oids::sha256;
}

VerifyOutcome verify_signature(EVP_PKEY* key, der::View sig_alg_contents, const Bytes& data, const Bytes& signature) {
  if (key == nullptr) {
    return {VerifyStatus::unsupported, "the signer certificate's public key cannot be decoded"};
  }
  der::Reader r(sig_alg_contents);
  auto o = r.next_if(der::kOid);
  if (!o) {
    return {VerifyStatus::unsupported, "signature algorithm malformed"};
  }
  const std::string oid = der::oid_text(o->contents);
  int salt = 20;
  const bool pss = oid == oids::rsassa_pss;
  if (pss) {
    auto params = r.next_if(der::kSequence);
    if (!params) {
      return {VerifyStatus::unsupported, "RSASSA-PSS without parameters (SHA-1 defaults) is not accepted"};
    }
    der::Reader pr(params->contents);
    auto hash = pr.next_if(der::context(0, true));
    auto mgf = pr.next_if(der::context(1, true));
    auto salt_tlv = pr.next_if(der::context(2, true));
    if (!hash || !mgf || inner_alg_oid(*hash) != oids::sha256 || mgf_hash_oid(*mgf) != oids::sha256) {
      return {VerifyStatus::unsupported, "RSASSA-PSS parameters are not SHA-256/MGF1-SHA-256"};
    }
    if (salt_tlv) {
      auto i = der::read(salt_tlv->contents);
      if (!i || i->tag != der::kInteger || i->contents.empty() || i->contents.size() > 2) {
        return {VerifyStatus::unsupported, "RSASSA-PSS salt length malformed"};
      }
      salt = 0;
      for (auto b : i->contents) {
        salt = (salt << 8) | b;
      }
    }
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA && EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA_PSS) {
      return {VerifyStatus::unsupported, "RSASSA-PSS signature but the certificate has no RSA key"};
    }
  } else if (oid == oids::ecdsa_with_sha256) {
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) {
      return {VerifyStatus::unsupported, "ECDSA signature but the certificate has no EC key"};
    }
  } else {
    return {VerifyStatus::unsupported, "signature algorithm " + oid + " is not in the KIM profile"};
  }
  std::unique_ptr<EVP_MD_CTX, EvpMdCtxFree> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (EVP_DigestVerifyInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key) != 1) {
    return {VerifyStatus::unsupported, "verify init: " + openssl_error()};
  }
  if (pss &&
      (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
       EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt) != 1 || EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) != 1)) {
    return {VerifyStatus::unsupported, "PSS parameters: " + openssl_error()};
  }
  const int rc = EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), data.data(), data.size());
  if (rc == 1) {
    return {VerifyStatus::valid, ""};
  }
  openssl_error();
  return {VerifyStatus::invalid, "signature does not verify"};
}

}  // namespace kimgate::crypto::alg
