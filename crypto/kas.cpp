#include "crypto/kas.h"

#include <openssl/evp.h>

#include <array>
#include <memory>

#include "crypto/ossl.h"

namespace kimgate::crypto {
namespace {

constexpr std::size_t kChunk = 64 * 1024;
constexpr std::size_t kIvLen = 12;
constexpr std::size_t kTagLen = 16;

struct CipherFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
struct MdFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

}  // namespace

Result<KasSealed> kas_seal(std::istream& in, std::ostream& out) {
  Bytes key = random_bytes(32);
  auto r = kas_seal_with(in, out, key, random_bytes(kIvLen));
  OPENSSL_cleanse(key.data(), key.size());
  return r;
}

Result<KasSealed> kas_seal_with(std::istream& in, std::ostream& out, const Bytes& key, const Bytes& iv) {
  using R = Result<KasSealed>;
  if (key.size() != 32 || iv.size() != kIvLen) {
    return R::failure("KAS key must be 32 bytes and IV 12 bytes");
  }
  std::unique_ptr<EVP_CIPHER_CTX, CipherFree> ctx(EVP_CIPHER_CTX_new());
  std::unique_ptr<EVP_MD_CTX, MdFree> md(EVP_MD_CTX_new());
  if (EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kIvLen), nullptr) != 1 ||
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), iv.data()) != 1 ||
      EVP_DigestInit_ex(md.get(), EVP_sha256(), nullptr) != 1) {
    return R::failure("AES-GCM init: " + openssl_error());
  }
  out.write(reinterpret_cast<const char*>(iv.data()), static_cast<std::streamsize>(iv.size()));
  std::vector<char> buf(kChunk);
  Bytes enc(kChunk + 16);
  KasSealed sealed;
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const auto got = static_cast<std::size_t>(in.gcount());
    if (got == 0) {
      break;
    }
    int n = 0;
    const auto* p = reinterpret_cast<const std::uint8_t*>(buf.data());
    if (EVP_EncryptUpdate(ctx.get(), enc.data(), &n, p, static_cast<int>(got)) != 1 ||
        EVP_DigestUpdate(md.get(), p, got) != 1) {
      return R::failure("AES-GCM: " + openssl_error());
    }
    out.write(reinterpret_cast<const char*>(enc.data()), n);
    sealed.plaintext_size += got;
  }
  if (in.bad()) {
    return R::failure("reading the mail failed");
  }
  int n = 0;
  Bytes tag(kTagLen);
  Bytes digest(32);
  unsigned int dlen = 0;
  if (EVP_EncryptFinal_ex(ctx.get(), enc.data(), &n) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagLen), tag.data()) != 1 ||
      EVP_DigestFinal_ex(md.get(), digest.data(), &dlen) != 1) {
    return R::failure("AES-GCM final: " + openssl_error());
  }
  out.write(reinterpret_cast<const char*>(enc.data()), n);
  out.write(reinterpret_cast<const char*>(tag.data()), static_cast<std::streamsize>(tag.size()));
  out.flush();
  if (!out) {
    return R::failure("writing the sealed data failed");
  }
  sealed.k = base64_encode(der::view(key));
  sealed.hash = base64_encode(der::view(digest));
  sealed.sealed_size = sealed.plaintext_size + kIvLen + kTagLen;
  return R::success(std::move(sealed));
}

KasOpened kas_open(std::istream& in, std::ostream& out, std::string_view k_base64, std::string_view hash_base64) {
  KasOpened r;
  auto key = base64_decode(k_base64);
  auto want = base64_decode(hash_base64);
  if (!key.ok() || key.value->size() != 32 || !want.ok() || want.value->size() != 32) {
    r.error = KasOpenError::format;
    r.detail = "k or hash is not base64 of 32 bytes";
    return r;
  }
  Bytes iv(kIvLen);
  in.read(reinterpret_cast<char*>(iv.data()), static_cast<std::streamsize>(kIvLen));
  if (static_cast<std::size_t>(in.gcount()) != kIvLen) {
    r.error = KasOpenError::format;
    r.detail = "KAS data shorter than the IV";
    return r;
  }
  std::unique_ptr<EVP_CIPHER_CTX, CipherFree> ctx(EVP_CIPHER_CTX_new());
  std::unique_ptr<EVP_MD_CTX, MdFree> md(EVP_MD_CTX_new());
  EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr);
  EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kIvLen), nullptr);
  EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key.value->data(), iv.data());
  EVP_DigestInit_ex(md.get(), EVP_sha256(), nullptr);
  OPENSSL_cleanse(key.value->data(), key.value->size());
  // Keep the last 16 bytes back: they are the tag.
  Bytes held;
  std::vector<char> buf(kChunk);
  Bytes dec(kChunk + kTagLen + 16);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const auto got = static_cast<std::size_t>(in.gcount());
    if (got == 0) {
      break;
    }
    held.insert(held.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(got));
    if (held.size() <= kTagLen) {
      continue;
    }
    const std::size_t use = held.size() - kTagLen;
    int n = 0;
    EVP_DecryptUpdate(ctx.get(), dec.data(), &n, held.data(), static_cast<int>(use));
    EVP_DigestUpdate(md.get(), dec.data(), static_cast<std::size_t>(n));
    out.write(reinterpret_cast<const char*>(dec.data()), n);
    r.plaintext_size += static_cast<std::uint64_t>(n);
    held.erase(held.begin(), held.begin() + static_cast<std::ptrdiff_t>(use));
  }
  if (held.size() != kTagLen) {
    r.error = KasOpenError::format;
    r.detail = "KAS data shorter than IV and tag";
    return r;
  }
  int n = 0;
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagLen), held.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), dec.data(), &n) != 1) {
    openssl_error();
    r.error = KasOpenError::decrypt;
    r.detail = "AES-GCM authentication of the KAS data failed";
    return r;
  }
  Bytes digest(32);
  unsigned int dlen = 0;
  EVP_DigestFinal_ex(md.get(), digest.data(), &dlen);
  out.flush();
  if (digest != *want.value) {
    r.error = KasOpenError::hash_mismatch;
    r.detail = "hash of the KAS data does not match";
  }
  return r;
}

}  // namespace kimgate::crypto
