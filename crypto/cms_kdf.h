#pragma once
// Internal to crypto/: the key-agreement and key-wrap primitives shared by sealing and
// opening AuthEnvelopedData (RFC 5753 ECC-CMS-SharedInfo, ANSI X9.63 KDF with SHA-256,
// RFC 3394 AES key wrap, ECDH on OpenSSL keys).
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <memory>

#include "crypto/ossl.h"
#include "crypto/types.h"

namespace kimgate::crypto::detail {

struct CtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
  void operator()(EVP_KDF_CTX* c) const { EVP_KDF_CTX_free(c); }
  void operator()(EVP_KDF* c) const { EVP_KDF_free(c); }
};
template <class T>
using Owned = std::unique_ptr<T, CtxFree>;

inline constexpr std::size_t kCekLen = 32;
inline constexpr std::size_t kTagLen = 16;
inline constexpr std::size_t kNonceLen = 12;

// ECC-CMS-SharedInfo { keyInfo = wrap_alg, [2] suppPubInfo = 256 (bits, 32-bit big endian) }.
Bytes shared_info(const Bytes& wrap_alg);
Result<Bytes> x963_kdf(const Bytes& z, const Bytes& info, std::size_t len);
// AES-256 key wrap (wrap = true) or unwrap.
Result<Bytes> aes_wrap(const Bytes& kek, const Bytes& key, bool wrap);
Result<Bytes> ecdh_derive(EVP_PKEY* own, EVP_PKEY* peer);
// A public key on `like`'s curve from an encoded point; null when the point is not on it.
PkeyPtr peer_key(EVP_PKEY* like, const Bytes& point);

}  // namespace kimgate::crypto::detail
