#include "crypto/auth_enveloped.h"

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <algorithm>
#include <memory>

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

Result<Bytes> kari_for(EVP_PKEY* pub, const Bytes& ias, const Bytes& cek) {
  Owned<EVP_PKEY_CTX> gen(EVP_PKEY_CTX_new(pub, nullptr));
  EVP_PKEY* eph_raw = nullptr;
  if (!gen || EVP_PKEY_keygen_init(gen.get()) != 1 || EVP_PKEY_keygen(gen.get(), &eph_raw) != 1) {
    return Result<Bytes>::failure("ephemeral EC key: " + openssl_error());
  }
  PkeyPtr eph(eph_raw);
  auto z = ecdh_derive(eph.get(), pub);
  if (!z.ok()) {
    return Result<Bytes>::failure(z.error);
  }
  auto kek = x963_kdf(*z.value, shared_info(alg::aes256_wrap()), 32);
  if (!kek.ok()) {
    return Result<Bytes>::failure(kek.error);
  }
  auto wrapped = aes_wrap(*kek.value, cek, true);
  if (!wrapped.ok()) {
    return Result<Bytes>::failure(wrapped.error);
  }
  unsigned char* point = nullptr;
  const std::size_t plen = EVP_PKEY_get1_encoded_public_key(eph.get(), &point);
  Bytes bits{0x00};
  bits.insert(bits.end(), point, point + plen);
  OPENSSL_free(point);
  const Bytes originator_key = der::tlv(
      der::context(1, true), der::concat({der::seq({der::oid(oids::ec_public_key)}), der::tlv(der::kBitString, bits)}));
  const Bytes rek = der::seq({ias, der::octet_string(der::view(*wrapped.value))});
  return Result<Bytes>::success(
      der::tlv(der::context(1, true), der::concat({der::integer(3), der::tlv(der::context(0, true), originator_key),
                                                   alg::ecdh_sha256kdf_aes256_wrap(), der::seq({rek})})));
}

}  // namespace

Result<Bytes> seal_auth_enveloped(const EnvelopeInput& in) {
  using R = Result<Bytes>;
  if (in.recipient_certs.empty()) {
    return R::failure("no recipient certificates");
  }
  const Bytes cek = random_bytes(kCekLen);
  std::vector<Bytes> infos;
  for (const auto& der_cert : in.recipient_certs) {
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
    Result<Bytes> ri = type == EVP_PKEY_RSA  ? ktri_for(pub, *ias.value, cek)
                       : type == EVP_PKEY_EC ? kari_for(pub, *ias.value, cek)
                                             : R::failure("certificate has neither RSA nor EC key");
    if (!ri.ok()) {
      return ri;
    }
    infos.push_back(std::move(*ri.value));
  }
  const Bytes nonce = random_bytes(kNonceLen);
  Owned<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  Bytes ct(in.content.size() + 16);
  Bytes tag(kTagLen);
  int n = 0;
  int m = 0;
  if (EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kNonceLen), nullptr) != 1 ||
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, cek.data(), nonce.data()) != 1 ||
      EVP_EncryptUpdate(ctx.get(), ct.data(), &n, in.content.data(), static_cast<int>(in.content.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), ct.data() + n, &m) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagLen), tag.data()) != 1) {
    return R::failure("AES-GCM: " + openssl_error());
  }
  ct.resize(static_cast<std::size_t>(n + m));
  const Bytes gcm_params = der::seq({der::octet_string(der::view(nonce)), der::integer(kTagLen)});
  const Bytes content_alg = der::seq({der::oid(oids::aes256_gcm), gcm_params});
  const Bytes aeci = der::seq({der::oid(oids::data), content_alg, der::tlv(der::context(0, false), ct)});
  const Bytes aed = der::seq({der::integer(0), der::set_of(std::move(infos)), aeci, der::octet_string(der::view(tag)),
                              der::tlv(der::context(2, true), in.recipient_emails)});
  return R::success(der::seq({der::oid(oids::auth_enveloped_data), der::tlv(der::context(0, true), aed)}));
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
