#include "crypto/auth_enveloped.h"

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <algorithm>
#include <iterator>
#include <memory>
#include <optional>
#include <string>

#include "crypto/algorithms.h"
#include "crypto/cms_kdf.h"
#include "crypto/oids.h"
#include "crypto/ossl.h"

namespace kimgate::crypto {

using namespace detail;  // NOLINT(google-build-using-namespace): internal helpers of crypto/

namespace {

Result<Bytes> ktri_for(EVP_PKEY* pub, const Bytes& ias, const Bytes& cek) {
  Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new(pub, nullptr));
  std::size_t n = 0;
  if (!ctx || EVP_PKEY_encrypt_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING) != 1 ||
      EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), EVP_sha256()) != 1 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), EVP_sha256()) != 1 ||
      EVP_PKEY_encrypt(ctx.get(), nullptr, &n, cek.data(), cek.size()) != 1) {
    return Result<Bytes>::failure("RSA-OAEP: " + openssl_error());
  }
  Bytes ek(n);
  if (EVP_PKEY_encrypt(ctx.get(), ek.data(), &n, cek.data(), cek.size()) != 1) {
    return Result<Bytes>::failure("RSA-OAEP: " + openssl_error());
  }
  ek.resize(n);
  return Result<Bytes>::success(
      der::seq({der::integer(0), ias, alg::rsaes_oaep_sha256(), der::octet_string(der::view(ek))}));
}

// One KeyAgreeRecipientInfo per curve: a fresh ephemeral key for this message, shared by every
// recipient key on that curve, each with its own RecipientEncryptedKey (RFC 5652 6.2.2 allows
// several; BouncyCastle and our opener read them). Z and so the KEK still differ per recipient.
class KeyAgreement {
 public:
  static Result<KeyAgreement> for_curve_of(EVP_PKEY* pub) {
    Owned<EVP_PKEY_CTX> gen(EVP_PKEY_CTX_new(pub, nullptr));
    EVP_PKEY* eph_raw = nullptr;
    if (!gen || EVP_PKEY_keygen_init(gen.get()) != 1 || EVP_PKEY_keygen(gen.get(), &eph_raw) != 1) {
      return Result<KeyAgreement>::failure("ephemeral EC key: " + openssl_error());
    }
    KeyAgreement k;
    k.ephemeral_.reset(eph_raw);
    k.curve_ = curve_of(pub);
    return Result<KeyAgreement>::success(std::move(k));
  }
  static std::string curve_of(EVP_PKEY* pub) {
    char name[80] = {0};
    std::size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(pub, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name, &len) != 1) {
      return {};
    }
    return std::string(name, len);
  }
  const std::string& curve() const { return curve_; }

  std::optional<std::string> add(EVP_PKEY* pub, const Bytes& ias, const Bytes& cek) {
    auto z = ecdh_derive(ephemeral_.get(), pub);
    if (!z.ok()) {
      return z.error;
    }
    auto kek = x963_kdf(*z.value, shared_info(alg::aes256_wrap()), 32);
    OPENSSL_cleanse(z.value->data(), z.value->size());
    if (!kek.ok()) {
      return kek.error;
    }
    auto wrapped = aes_wrap(*kek.value, cek, true);
    OPENSSL_cleanse(kek.value->data(), kek.value->size());
    if (!wrapped.ok()) {
      return wrapped.error;
    }
    reks_.push_back(der::seq({ias, der::octet_string(der::view(*wrapped.value))}));
    return std::nullopt;
  }

  Bytes recipient_info() const {
    unsigned char* point = nullptr;
    const std::size_t plen = EVP_PKEY_get1_encoded_public_key(ephemeral_.get(), &point);
    Bytes bits{0x00};
    bits.insert(bits.end(), point, point + plen);
    OPENSSL_free(point);
    const Bytes originator_key =
        der::tlv(der::context(1, true),
                 der::concat({der::seq({der::oid(oids::ec_public_key)}), der::tlv(der::kBitString, bits)}));
    return der::tlv(der::context(1, true),
                    der::concat({der::integer(3), der::tlv(der::context(0, true), originator_key),
                                 alg::ecdh_sha256kdf_aes256_wrap(), der::seq(reks_)}));
  }

 private:
  PkeyPtr ephemeral_;
  std::string curve_;
  std::vector<Bytes> reks_;
};

}  // namespace

Result<Bytes> seal_auth_enveloped(der::View content, const std::vector<Bytes>& recipient_certs,
                                  const Bytes& recipient_emails) {
  using R = Result<Bytes>;
  if (recipient_certs.empty()) {
    return R::failure("no recipient certificates");
  }
  const Bytes cek = random_bytes(kCekLen);
  std::vector<Bytes> infos;
  std::vector<KeyAgreement> agreements;  // one per curve
  for (const auto& der_cert : recipient_certs) {
    auto cert = certificate_from_der(der_cert);
    if (!cert.ok()) {
      return R::failure(cert.error);
    }
    auto ias = issuer_and_serial(der_cert);
    if (!ias.ok()) {
      return R::failure(ias.error);
    }
    EVP_PKEY* pub = X509_get0_pubkey(cert.value->x509.get());
    const int type = pub ? EVP_PKEY_get_base_id(pub) : 0;
    if (type == EVP_PKEY_RSA) {
      auto ri = ktri_for(pub, *ias.value, cek);
      if (!ri.ok()) {
        return ri;
      }
      infos.push_back(std::move(*ri.value));
      continue;
    }
    if (type != EVP_PKEY_EC) {
      return R::failure("certificate has neither RSA nor EC key");
    }
    const std::string curve = KeyAgreement::curve_of(pub);
    auto same = std::find_if(agreements.begin(), agreements.end(),
                             [&](const KeyAgreement& k) { return !curve.empty() && k.curve() == curve; });
    if (same == agreements.end()) {
      auto fresh = KeyAgreement::for_curve_of(pub);
      if (!fresh.ok()) {
        return R::failure(fresh.error);
      }
      agreements.push_back(std::move(*fresh.value));
      same = std::prev(agreements.end());
    }
    if (auto err = same->add(pub, *ias.value, cek)) {
      return R::failure(*err);
    }
  }
  for (const KeyAgreement& k : agreements) {
    infos.push_back(k.recipient_info());
  }
  const Bytes nonce = random_bytes(kNonceLen);
  // The ciphertext is as long as the content (GCM) and is written once, in place: ContentInfo {
  // authEnvelopedData, [0] AuthEnvelopedData { version, recipientInfos, AuthEncryptedContentInfo
  // { data, aes256-GCM, [0] ciphertext }, mac, [2] recipient-emails } }. Nesting it by copying
  // would hold a 15 MiB mail some ten times over.
  const std::size_t ct_len = content.size();
  const Bytes gcm_params = der::seq({der::octet_string(der::view(nonce)), der::integer(kTagLen)});
  const Bytes aeci_head = der::concat({der::oid(oids::data), der::seq({der::oid(oids::aes256_gcm), gcm_params}),
                                       der::header(der::context(0, false), ct_len)});
  const std::size_t aeci_len = aeci_head.size() + ct_len;
  const Bytes aed_head =
      der::concat({der::integer(0), der::set_of(std::move(infos)), der::header(der::kSequence, aeci_len), aeci_head});
  const Bytes emails = der::tlv(der::context(2, true), recipient_emails);
  const std::size_t mac_len = der::header(der::kOctetString, kTagLen).size() + kTagLen;
  const std::size_t aed_len = aed_head.size() + ct_len + mac_len + emails.size();
  const Bytes aed_header = der::header(der::kSequence, aed_len);
  const Bytes explicit_header = der::header(der::context(0, true), aed_header.size() + aed_len);
  const Bytes type = der::oid(oids::auth_enveloped_data);
  const std::size_t ci_len = type.size() + explicit_header.size() + aed_header.size() + aed_len;
  Bytes out = der::header(der::kSequence, ci_len);
  const std::size_t total = out.size() + ci_len;
  out.reserve(total);
  for (const Bytes* part : {&type, &explicit_header, &aed_header, &aed_head}) {
    out.insert(out.end(), part->begin(), part->end());
  }
  const std::size_t ct_at = out.size();
  out.resize(ct_at + ct_len);
  Owned<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  Bytes tag(kTagLen);
  int n = 0;
  int m = 0;
  std::uint8_t final_block[16];
  if (EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kNonceLen), nullptr) != 1 ||
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, cek.data(), nonce.data()) != 1 ||
      EVP_EncryptUpdate(ctx.get(), out.data() + ct_at, &n, content.data(), static_cast<int>(ct_len)) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), final_block, &m) != 1 || static_cast<std::size_t>(n) != ct_len || m != 0 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagLen), tag.data()) != 1) {
    OPENSSL_cleanse(out.data(), out.size());
    return R::failure("AES-GCM: " + openssl_error());
  }
  const Bytes mac = der::octet_string(der::view(tag));
  out.insert(out.end(), mac.begin(), mac.end());
  out.insert(out.end(), emails.begin(), emails.end());
  return R::success(std::move(out));
}

KeyAccess key_access_from_pkey(EVP_PKEY* key, Bytes cert_der) {
  KeyAccess k;
  k.cert_der = std::move(cert_der);
  if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA) {
    k.rsa_raw = [key](const Bytes& in) -> Result<Bytes> {
      Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new(key, nullptr));
      std::size_t n = 0;
      if (!ctx || EVP_PKEY_decrypt_init(ctx.get()) != 1 ||
          EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_NO_PADDING) != 1 ||
          EVP_PKEY_decrypt(ctx.get(), nullptr, &n, in.data(), in.size()) != 1) {
        return Result<Bytes>::failure("raw RSA: " + openssl_error());
      }
      Bytes out(n);
      if (EVP_PKEY_decrypt(ctx.get(), out.data(), &n, in.data(), in.size()) != 1) {
        return Result<Bytes>::failure("raw RSA: " + openssl_error());
      }
      out.resize(n);
      return Result<Bytes>::success(std::move(out));
    };
  } else if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC) {
    k.ecdh = [key](const Bytes& point) -> Result<Bytes> {
      PkeyPtr peer = peer_key(key, point);
      if (!peer) {
        return Result<Bytes>::failure("originator public key is not a point on the recipient's curve");
      }
      return ecdh_derive(key, peer.get());
    };
  }
  return k;
}

}  // namespace kimgate::crypto
