#pragma once
// The KAS cipher (admin digest §8) in pieces, for data that arrives or leaves in chunks
// (the SMTP spool, an HTTP upload or download): AES-256-GCM, stored as 12-byte IV ||
// ciphertext || 16-byte tag, and SHA-256 over the plaintext for the x-kas `hash`.
// Neither class holds more than one chunk; both wipe their key on destruction.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "crypto/types.h"

namespace kimgate::crypto {

inline constexpr std::size_t kKasIvLength = 12;
inline constexpr std::size_t kKasTagLength = 16;
// Bytes the sealed form adds to the plaintext.
inline constexpr std::uint64_t kKasOverhead = kKasIvLength + kKasTagLength;

class KasSealer {
 public:
  KasSealer();  // a fresh key and IV from the CSPRNG
  KasSealer(const Bytes& key, const Bytes& iv);
  ~KasSealer();
  KasSealer(const KasSealer&) = delete;
  KasSealer& operator=(const KasSealer&) = delete;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  // The IV: the first bytes of the sealed form, before any update().
  std::string prefix() const;
  // Encrypts and hashes `plaintext`, appending the ciphertext to `out`.
  bool update(std::string_view plaintext, std::string& out);
  // The tag, appended to `out`; afterwards k() and hash() are valid.
  bool finish(std::string& out);
  std::string k() const;     // base64 of the key
  std::string hash() const;  // base64 SHA-256 of the plaintext
  std::uint64_t plaintext_size() const { return size_; }

 private:
  struct State;
  std::unique_ptr<State> s_;
  std::string error_;
  std::uint64_t size_ = 0;
};

class KasOpener {
 public:
  enum class Failure { none, format, decrypt, hash_mismatch };  // decrypt ⇒ 4007, hash_mismatch ⇒ 4012
  KasOpener(std::string_view k_base64, std::string_view hash_base64);
  ~KasOpener();
  KasOpener(const KasOpener&) = delete;
  KasOpener& operator=(const KasOpener&) = delete;

  // Feeds sealed bytes; appends plaintext to `out`. The plaintext is unauthenticated until
  // finish() succeeds: the caller must discard it otherwise.
  bool update(std::string_view sealed, std::string& out);
  // Checks the tag and the hash.
  bool finish(std::string& out);
  Failure failure() const { return failure_; }
  const std::string& detail() const { return detail_; }
  std::uint64_t plaintext_size() const { return size_; }

 private:
  struct State;
  std::unique_ptr<State> s_;
  Failure failure_ = Failure::none;
  std::string detail_;
  std::uint64_t size_ = 0;
};

}  // namespace kimgate::crypto
