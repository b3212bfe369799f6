#include "crypto/signed_data.h"

#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "crypto/algorithms.h"
#include "crypto/der.h"
#include "crypto/oids.h"

namespace kimgate::crypto {
namespace {

using der::Tlv;

Bytes attribute(const char* type, Bytes value) {
  return der::seq({der::oid(type), der::set_of({std::move(value)})});
}

Bytes retag(Bytes b, std::uint8_t tag) {
  b[0] = tag;
  return b;
}

struct EvpMdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

}  // namespace

SignFn sign_with_key(EVP_PKEY* key) {
  return [key](const SignRequest& req) -> Result<Bytes> {
    std::unique_ptr<EVP_MD_CTX, EvpMdCtxFree> ctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;
    if (EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key) != 1) {
      return Result<Bytes>::failure("sign init: " + openssl_error());
    }
    if (req.algorithm == SignatureAlgorithm::rsassa_pss_sha256) {
      if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
          EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) != 1 || EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) != 1) {
        return Result<Bytes>::failure("PSS parameters: " + openssl_error());
      }
    }
    std::size_t n = 0;
    if (EVP_DigestSign(ctx.get(), nullptr, &n, req.to_be_signed.data(), req.to_be_signed.size()) != 1) {
      return Result<Bytes>::failure("sign: " + openssl_error());
    }
    Bytes sig(n);
    if (EVP_DigestSign(ctx.get(), sig.data(), &n, req.to_be_signed.data(), req.to_be_signed.size()) != 1) {
      return Result<Bytes>::failure("sign: " + openssl_error());
    }
    sig.resize(n);
    return Result<Bytes>::success(std::move(sig));
  };
}

Result<Bytes> sign_signed_data(der::View content, const SignParams& in, const SignFn& sign) {
  using R = Result<Bytes>;
  auto cert = certificate_from_der(in.signer_cert_der);
  if (!cert.ok()) {
    return R::failure(cert.error);
  }
  auto ias = issuer_and_serial(in.signer_cert_der);
  if (!ias.ok()) {
    return R::failure(ias.error);
  }
  EVP_PKEY* pub = X509_get0_pubkey(cert.value->x509.get());
  const int key_type = pub != nullptr ? EVP_PKEY_get_base_id(pub) : 0;
  SignatureAlgorithm algorithm{};
  Bytes sig_alg;
  if (key_type == EVP_PKEY_RSA || key_type == EVP_PKEY_RSA_PSS) {
    algorithm = SignatureAlgorithm::rsassa_pss_sha256;
    sig_alg = alg::rsassa_pss_sha256();
  } else if (key_type == EVP_PKEY_EC) {
    algorithm = SignatureAlgorithm::ecdsa_sha256;
    sig_alg = alg::ecdsa_sha256();
  } else {
    return R::failure("signer certificate has neither an RSA nor an EC key");
  }
  const Bytes digest_alg = alg::sha256();

  // signingCertificateV2: ESSCertIDv2 { certHash, IssuerSerial { GeneralNames { [4] issuer }, serial } }
  auto ias_tlv = der::read(der::view(*ias.value));
  auto parts = der::children(*ias_tlv);
  const Bytes issuer_serial =
      der::seq({der::seq({der::tlv(der::context(4, true), der::copy((*parts)[0].raw))}), der::copy((*parts)[1].raw)});
  const Bytes ess_cert_id =
      der::seq({der::octet_string(der::view(sha256(der::view(in.signer_cert_der)))), issuer_serial});
  const Bytes signing_cert_v2 = der::seq({der::seq({ess_cert_id})});
  // CMSAlgorithmProtection { digestAlgorithm, signatureAlgorithm [1] IMPLICIT }
  const Bytes algorithm_protection = der::seq({digest_alg, retag(sig_alg, der::context(1, true))});

  const Bytes signed_attrs = der::set_of({
      attribute(oids::content_type, der::oid(oids::data)),
      attribute(oids::signing_time, der::time(in.signing_time)),
      attribute(oids::message_digest, der::octet_string(der::view(sha256(content)))),
      attribute(oids::signing_certificate_v2, signing_cert_v2),
      attribute(oids::cms_algorithm_protection, algorithm_protection),
      in.recipient_emails,
  });

  SignRequest req{algorithm, signed_attrs, sha256(der::view(signed_attrs))};
  auto signature = sign(req);
  if (!signature.ok()) {
    return R::failure("signing failed: " + signature.error);
  }
  const Bytes signer_info =
      der::seq({der::integer(1), *ias.value, digest_alg, retag(signed_attrs, der::context(0, true)), sig_alg,
                der::octet_string(der::view(*signature.value))});
  // ContentInfo { signedData, [0] SignedData { version, digestAlgorithms, EncapsulatedContentInfo
  // { data, [0] OCTET STRING content }, [0] certificate, signerInfos } }: the content is copied
  // once, into its place; nesting it by copying held a 15 MiB mail some six times.
  const Bytes data_oid = der::oid(oids::data);
  const Bytes octets_head = der::header(der::kOctetString, content.size());
  const std::size_t octets_len = octets_head.size() + content.size();
  const Bytes explicit_content = der::header(der::context(0, true), octets_len);
  const std::size_t encap_len = data_oid.size() + explicit_content.size() + octets_len;
  const Bytes encap_head = der::header(der::kSequence, encap_len);
  const Bytes before = der::concat({der::integer(1), der::set_of({digest_alg})});
  const Bytes after = der::concat({der::tlv(der::context(0, true), in.signer_cert_der), der::set_of({signer_info})});
  const std::size_t sd_len = before.size() + encap_head.size() + encap_len + after.size();
  const Bytes sd_head = der::header(der::kSequence, sd_len);
  const Bytes explicit_sd = der::header(der::context(0, true), sd_head.size() + sd_len);
  const Bytes type = der::oid(oids::signed_data);
  const std::size_t ci_len = type.size() + explicit_sd.size() + sd_head.size() + sd_len;
  Bytes out = der::header(der::kSequence, ci_len);
  out.reserve(out.size() + ci_len);
  for (const Bytes* part :
       {&type, &explicit_sd, &sd_head, &before, &encap_head, &data_oid, &explicit_content, &octets_head}) {
    out.insert(out.end(), part->begin(), part->end());
  }
  out.insert(out.end(), content.begin(), content.end());
  out.insert(out.end(), after.begin(), after.end());
  return R::success(std::move(out));
}

namespace {

VerifiedSignedData fail(SignatureStatus s, std::string detail) {
  VerifiedSignedData v;
  v.status = s;
  v.detail = std::move(detail);
  return v;
}

}  // namespace

VerifiedSignedData verify_signed_data(der::View input) {
  const auto F = SignatureStatus::format_error;
  auto ci = der::read(input);
  if (!ci || ci->tag != der::kSequence) {
    return fail(F, "not a DER ContentInfo");
  }
  if (ci->raw.size() != input.size()) {
    return fail(F, "bytes after the ContentInfo");
  }
  der::Reader cr(ci->contents);
  auto ct = cr.next_if(der::kOid);
  if (!ct) {
    return fail(F, "ContentInfo without contentType");
  }
  if (der::oid_text(ct->contents) != oids::signed_data) {
    return fail(SignatureStatus::missing, "content is not SignedData");
  }
  auto wrap = cr.next_if(der::context(0, true));
  if (!wrap) {
    return fail(F, "SignedData content missing");
  }
  auto sd = der::read(wrap->contents);
  if (!sd || sd->tag != der::kSequence) {
    return fail(F, "SignedData is not a SEQUENCE");
  }
  der::Reader r(sd->contents);
  auto version = r.next_if(der::kInteger);
  auto digest_algs = r.next_if(der::kSet);
  auto encap = r.next_if(der::kSequence);
  auto certs = r.next_if(der::context(0, true));
  auto crls = r.next_if(der::context(1, true));
  auto signer_infos = r.next_if(der::kSet);
  if (!version || !digest_algs || !encap || !signer_infos || !r.done()) {
    return fail(F, "SignedData fields missing or malformed");
  }
  if (crls) {
    return fail(F, "SignedData carries crls (KOM-LE-A_2118)");
  }
  if (!certs) {
    return fail(F, "SignedData carries no certificates (KOM-LE-A_2119)");
  }
  der::Reader er(encap->contents);
  auto ectype = er.next_if(der::kOid);
  auto econtent_wrap = er.next_if(der::context(0, true));
  if (!ectype || !econtent_wrap) {
    return fail(F, "eContent missing (KOM-LE-A_2121)");
  }
  if (der::oid_text(ectype->contents) != oids::data) {
    return fail(F, "eContentType is not id-data");
  }
  auto econtent_tlv = der::read(econtent_wrap->contents);
  if (!econtent_tlv) {
    return fail(F, "eContent malformed");
  }
  auto econtent = der::octets(*econtent_tlv);
  if (!econtent) {
    return fail(F, "eContent is not an OCTET STRING");
  }
  auto infos = der::children(*signer_infos);
  if (!infos || infos->size() != 1) {
    return fail(F, "SignedData needs exactly one SignerInfo (KOM-LE-A_2123)");
  }
  der::Reader sr((*infos)[0].contents);
  auto si_version = sr.next_if(der::kInteger);
  auto sid = sr.next_if(der::kSequence);
  auto digest_alg = sr.next_if(der::kSequence);
  auto signed_attrs = sr.next_if(der::context(0, true));
  auto sig_alg = sr.next_if(der::kSequence);
  auto signature = sr.next_if(der::kOctetString);
  if (!si_version || !sid || !digest_alg || !signed_attrs || !sig_alg || !signature || !sr.done()) {
    return fail(F, "SignerInfo malformed, without signed attributes, or with unsigned attributes");
  }
  if (signed_attrs->indefinite) {
    return fail(F, "signed attributes are not DER");
  }
  if (alg::digest_oid(digest_alg->contents) != oids::sha256) {
    return fail(F, "digest algorithm is not SHA-256");
  }
  VerifiedSignedData out;
  // The certificate matching the sid.
  auto cert_list = der::children(*certs);
  if (!cert_list) {
    return fail(F, "certificates malformed");
  }
  for (const auto& c : *cert_list) {
    auto ias = issuer_and_serial(der::copy(c.raw));
    if (ias.ok() && der::view(*ias.value).size() == sid->raw.size() &&
        std::equal(sid->raw.begin(), sid->raw.end(), ias.value->begin())) {
      out.signer_cert_der = der::copy(c.raw);
    }
  }
  if (out.signer_cert_der.empty()) {
    return fail(F, "no certificate matches the SignerInfo's issuerAndSerialNumber");
  }
  // Signed attributes.
  auto attrs = der::children(*signed_attrs);
  if (!attrs) {
    return fail(F, "signed attributes malformed");
  }
  bool content_type_ok = false;
  std::optional<Bytes> message_digest;
  for (const auto& a : *attrs) {
    der::Reader ar(a.contents);
    auto type = ar.next_if(der::kOid);
    auto values = ar.next_if(der::kSet);
    if (a.tag != der::kSequence || !type || !values || !ar.done()) {
      return fail(F, "malformed signed attribute");
    }
    const std::string t = der::oid_text(type->contents);
    if (t == oids::content_type) {
      auto v = der::read(values->contents);
      content_type_ok = v && v->tag == der::kOid && der::oid_text(v->contents) == oids::data;
    } else if (t == oids::message_digest) {
      auto v = der::read(values->contents);
      if (v && v->tag == der::kOctetString) {
        message_digest = der::copy(v->contents);
      }
    } else if (t == oids::recipient_emails) {
      auto emails = parse_recipient_emails_values(*values);
      if (!emails.ok()) {
        return fail(F, emails.error);
      }
      out.recipient_emails = std::move(*emails.value);
      out.has_recipient_emails = true;
    }
  }
  if (!content_type_ok || !message_digest) {
    return fail(F, "contentType or messageDigest attribute missing");
  }
  auto cert = certificate_from_der(out.signer_cert_der);
  if (!cert.ok()) {
    return fail(F, cert.error);
  }
  Bytes to_verify = der::copy(signed_attrs->raw);
  to_verify[0] = der::kSet;
  auto check = alg::verify_signature(X509_get0_pubkey(cert.value->x509.get()), sig_alg->contents, to_verify,
                                     der::copy(signature->contents));
  if (check.status == alg::VerifyStatus::unsupported) {
    return fail(F, check.detail);
  }
  out.content = std::move(*econtent);
  if (*message_digest != sha256(der::view(out.content))) {
    out.status = SignatureStatus::invalid;
    out.detail = "messageDigest does not match the content";
    return out;
  }
  if (check.status != alg::VerifyStatus::valid) {
    out.status = SignatureStatus::invalid;
    out.detail = check.detail;
    return out;
  }
  out.status = SignatureStatus::valid;
  return out;
}

}  // namespace kimgate::crypto
