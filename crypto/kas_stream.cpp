#include "crypto/kas_stream.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "crypto/ossl.h"

namespace kimgate::crypto {
namespace {

struct CipherFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
struct MdFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

std::uint8_t* grow(std::string& out, std::size_t extra) {
  const std::size_t at = out.size();
  out.resize(at + extra);
  return reinterpret_cast<std::uint8_t*>(out.data() + at);
}

}  // namespace

struct KasSealer::State {
  std::unique_ptr<EVP_CIPHER_CTX, CipherFree> cipher{EVP_CIPHER_CTX_new()};
  std::unique_ptr<EVP_MD_CTX, MdFree> md{EVP_MD_CTX_new()};
  Bytes key;
  Bytes iv;
  Bytes digest;
  ~State() { OPENSSL_cleanse(key.data(), key.size()); }
};

KasSealer::KasSealer() : KasSealer(random_bytes(32), random_bytes(kKasIvLength)) {}

KasSealer::KasSealer(const Bytes& key, const Bytes& iv) : s_(std::make_unique<State>()) {
  s_->key = key;
  s_->iv = iv;
  if (key.size() != 32 || iv.size() != kKasIvLength) {
    error_ = "KAS key must be 32 bytes and IV 12 bytes";
    return;
  }
  if (EVP_EncryptInit_ex(s_->cipher.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(s_->cipher.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kKasIvLength), nullptr) != 1 ||
      EVP_EncryptInit_ex(s_->cipher.get(), nullptr, nullptr, key.data(), iv.data()) != 1 ||
      EVP_DigestInit_ex(s_->md.get(), EVP_sha256(), nullptr) != 1) {
    error_ = "AES-GCM init: " + openssl_error();
  }
}

KasSealer::~KasSealer() = default;

std::string KasSealer::prefix() const {
  return std::string(reinterpret_cast<const char*>(s_->iv.data()), s_->iv.size());
}

bool KasSealer::update(std::string_view plaintext, std::string& out) {
  if (!ok()) {
    return false;
  }
  const auto* p = reinterpret_cast<const std::uint8_t*>(plaintext.data());
  const std::size_t before = out.size();
  int n = 0;
  std::uint8_t* dst = grow(out, plaintext.size() + 16);
  if (EVP_EncryptUpdate(s_->cipher.get(), dst, &n, p, static_cast<int>(plaintext.size())) != 1 ||
      EVP_DigestUpdate(s_->md.get(), p, plaintext.size()) != 1) {
    error_ = "AES-GCM: " + openssl_error();
    out.resize(before);
    return false;
  }
  out.resize(before + static_cast<std::size_t>(n));
  size_ += plaintext.size();
  return true;
}

bool KasSealer::finish(std::string& out) {
  if (!ok()) {
    return false;
  }
  const std::size_t before = out.size();
  int n = 0;
  std::uint8_t* dst = grow(out, 16 + kKasTagLength);
  s_->digest.resize(32);
  unsigned int dlen = 0;
  if (EVP_EncryptFinal_ex(s_->cipher.get(), dst, &n) != 1 ||
      EVP_CIPHER_CTX_ctrl(s_->cipher.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kKasTagLength), dst + n) != 1 ||
      EVP_DigestFinal_ex(s_->md.get(), s_->digest.data(), &dlen) != 1) {
    error_ = "AES-GCM final: " + openssl_error();
    out.resize(before);
    return false;
  }
  out.resize(before + static_cast<std::size_t>(n) + kKasTagLength);
  return true;
}

std::string KasSealer::k() const {
  return base64_encode(der::view(s_->key));
}

std::string KasSealer::hash() const {
  return base64_encode(der::view(s_->digest));
}

struct KasOpener::State {
  std::unique_ptr<EVP_CIPHER_CTX, CipherFree> cipher{EVP_CIPHER_CTX_new()};
  std::unique_ptr<EVP_MD_CTX, MdFree> md{EVP_MD_CTX_new()};
  Bytes want;
  std::string iv;    // collected until 12 bytes
  std::string held;  // the last (up to) 16 bytes: the tag once the data ends
  bool started = false;
};

KasOpener::KasOpener(std::string_view k_base64, std::string_view hash_base64) : s_(std::make_unique<State>()) {
  auto key = base64_decode(k_base64);
  auto want = base64_decode(hash_base64);
  if (!key.ok() || key.value->size() != 32 || !want.ok() || want.value->size() != 32) {
    failure_ = Failure::format;
    detail_ = "k or hash is not base64 of 32 bytes";
    if (key.ok()) {
      OPENSSL_cleanse(key.value->data(), key.value->size());
    }
    return;
  }
  s_->want = std::move(*want.value);
  if (EVP_DecryptInit_ex(s_->cipher.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(s_->cipher.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kKasIvLength), nullptr) != 1 ||
      EVP_DecryptInit_ex(s_->cipher.get(), nullptr, nullptr, key.value->data(), nullptr) != 1 ||
      EVP_DigestInit_ex(s_->md.get(), EVP_sha256(), nullptr) != 1) {
    failure_ = Failure::decrypt;
    detail_ = "AES-GCM init: " + openssl_error();
  }
  OPENSSL_cleanse(key.value->data(), key.value->size());
}

KasOpener::~KasOpener() = default;

bool KasOpener::update(std::string_view sealed, std::string& out) {
  if (failure_ != Failure::none) {
    return false;
  }
  if (!s_->started) {
    const std::size_t take = std::min(kKasIvLength - s_->iv.size(), sealed.size());
    s_->iv.append(sealed.substr(0, take));
    sealed.remove_prefix(take);
    if (s_->iv.size() < kKasIvLength) {
      return true;
    }
    const auto* iv = reinterpret_cast<const std::uint8_t*>(s_->iv.data());
    if (EVP_DecryptInit_ex(s_->cipher.get(), nullptr, nullptr, nullptr, iv) != 1) {
      failure_ = Failure::decrypt;
      detail_ = "AES-GCM IV: " + openssl_error();
      return false;
    }
    s_->started = true;
  }
  // Hold the last 16 bytes back: they may be the tag.
  s_->held.append(sealed);
  if (s_->held.size() <= kKasTagLength) {
    return true;
  }
  const std::size_t use = s_->held.size() - kKasTagLength;
  const std::size_t before = out.size();
  int n = 0;
  std::uint8_t* dst = grow(out, use + 16);
  const auto* src = reinterpret_cast<const std::uint8_t*>(s_->held.data());
  if (EVP_DecryptUpdate(s_->cipher.get(), dst, &n, src, static_cast<int>(use)) != 1 ||
      EVP_DigestUpdate(s_->md.get(), dst, static_cast<std::size_t>(n)) != 1) {
    failure_ = Failure::decrypt;
    detail_ = "AES-GCM: " + openssl_error();
    out.resize(before);
    return false;
  }
  out.resize(before + static_cast<std::size_t>(n));
  size_ += static_cast<std::uint64_t>(n);
  s_->held.erase(0, use);
  return true;
}

bool KasOpener::finish(std::string& out) {
  if (failure_ != Failure::none) {
    return false;
  }
  if (!s_->started || s_->held.size() != kKasTagLength) {
    failure_ = Failure::format;
    detail_ = "the KAS data is shorter than IV and tag";
    return false;
  }
  const std::size_t before = out.size();
  int n = 0;
  std::uint8_t* dst = grow(out, 16);
  if (EVP_CIPHER_CTX_ctrl(s_->cipher.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kKasTagLength), s_->held.data()) !=
          1 ||
      EVP_DecryptFinal_ex(s_->cipher.get(), dst, &n) != 1) {
    openssl_error();
    failure_ = Failure::decrypt;
    detail_ = "AES-GCM authentication of the KAS data failed";
    out.resize(before);
    return false;
  }
  out.resize(before + static_cast<std::size_t>(n));
  Bytes digest(32);
  unsigned int dlen = 0;
  EVP_DigestFinal_ex(s_->md.get(), digest.data(), &dlen);
  if (digest != s_->want) {
    failure_ = Failure::hash_mismatch;
    detail_ = "the hash of the KAS data does not match the x-kas hash";
    return false;
  }
  return true;
}

}  // namespace kimgate::crypto
