#include "crypto/cms_kdf.h"

#include <openssl/core_names.h>
#include <openssl/kdf.h>

#include <algorithm>
#include <iterator>
#include <string_view>

#include "crypto/der.h"

namespace kimgate::crypto::detail {

Bytes shared_info(const Bytes& wrap_alg) {
  const Bytes bits{0x00, 0x00, 0x01, 0x00};
  return der::seq({wrap_alg, der::tlv(der::context(2, true), der::octet_string(der::view(bits)))});
}

Result<Bytes> x963_kdf(const Bytes& z, const Bytes& info, std::size_t len) {
  Owned<EVP_KDF> kdf(EVP_KDF_fetch(nullptr, "X963KDF", nullptr));
  if (!kdf) {
    return Result<Bytes>::failure("X963KDF unavailable");
  }
  Owned<EVP_KDF_CTX> ctx(EVP_KDF_CTX_new(kdf.get()));
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<std::uint8_t*>(z.data()), z.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<std::uint8_t*>(info.data()), info.size()),
      OSSL_PARAM_construct_end()};
  Bytes out(len);
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1) {
    return Result<Bytes>::failure("KDF: " + openssl_error());
  }
  return Result<Bytes>::success(std::move(out));
}

Result<Bytes> aes_wrap(const Bytes& kek, const Bytes& key, bool wrap) {
  Owned<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  EVP_CIPHER_CTX_set_flags(ctx.get(), EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  if (EVP_CipherInit_ex(ctx.get(), EVP_aes_256_wrap(), nullptr, kek.data(), nullptr, wrap ? 1 : 0) != 1) {
    return Result<Bytes>::failure("key wrap init: " + openssl_error());
  }
  Bytes out(key.size() + 16);
  int n = 0;
  int m = 0;
  if (EVP_CipherUpdate(ctx.get(), out.data(), &n, key.data(), static_cast<int>(key.size())) != 1 ||
      EVP_CipherFinal_ex(ctx.get(), out.data() + n, &m) != 1) {
    openssl_error();
    return Result<Bytes>::failure("AES key unwrap failed");
  }
  out.resize(static_cast<std::size_t>(n + m));
  return Result<Bytes>::success(std::move(out));
}

namespace {

// The named curves of the TI and of TLS (gemSpec_Krypt), all of cofactor 1: every point on them
// other than infinity has the group's order.
bool cofactor_one(EVP_PKEY* key) {
  char name[64] = {0};
  std::size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name, &len) != 1) {
    return false;
  }
  static constexpr std::string_view kCurves[] = {"brainpoolP256r1", "brainpoolP384r1", "brainpoolP512r1",
                                                 "prime256v1",      "secp384r1",       "secp521r1"};
  return std::find(std::begin(kCurves), std::end(kCurves), std::string_view(name, len)) != std::end(kCurves);
}

// The peer's public key is checked before it is used: on a cofactor-1 curve that the point lies
// on the curve (EVP_PKEY_public_check_quick), which is what keeps invalid-curve points out; on
// any other curve also that it has the group's order. EVP_PKEY_derive_set_peer's own check does
// the order test always, a full scalar multiplication as costly as the ECDH itself (S1 profile:
// 6.6 % of kimgated's CPU per sent mail, once per EC recipient key).
bool peer_is_valid(EVP_PKEY* peer) {
  Owned<EVP_PKEY_CTX> check(EVP_PKEY_CTX_new(peer, nullptr));
  if (!check) {
    return false;
  }
  return (cofactor_one(peer) ? EVP_PKEY_public_check_quick(check.get()) : EVP_PKEY_public_check(check.get())) == 1;
}

}  // namespace

Result<Bytes> ecdh_derive(EVP_PKEY* own, EVP_PKEY* peer) {
  if (!peer_is_valid(peer)) {
    return Result<Bytes>::failure("ECDH: the peer's public key is not a valid point of the curve: " + openssl_error());
  }
  Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new(own, nullptr));
  std::size_t n = 0;
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 || EVP_PKEY_derive_set_peer_ex(ctx.get(), peer, 0) != 1 ||
      EVP_PKEY_derive(ctx.get(), nullptr, &n) != 1) {
    return Result<Bytes>::failure("ECDH: " + openssl_error());
  }
  Bytes z(n);
  if (EVP_PKEY_derive(ctx.get(), z.data(), &n) != 1) {
    return Result<Bytes>::failure("ECDH: " + openssl_error());
  }
  z.resize(n);
  return Result<Bytes>::success(std::move(z));
}

// A public key on `like`'s curve from an encoded point.
PkeyPtr peer_key(EVP_PKEY* like, const Bytes& point) {
  PkeyPtr peer(EVP_PKEY_new());
  if (EVP_PKEY_copy_parameters(peer.get(), like) != 1 ||
      EVP_PKEY_set1_encoded_public_key(peer.get(), point.data(), point.size()) != 1) {
    openssl_error();
    return nullptr;
  }
  return peer;
}

}  // namespace kimgate::crypto::detail
