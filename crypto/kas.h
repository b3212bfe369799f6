#pragma once
// KAS sealing (KIM 1.5, §4.10 / admin §8): AES-256-GCM over the whole client mail,
// stored as 12-byte IV || ciphertext || 16-byte tag, a fresh key `k` (base64) per mail,
// `hash` = base64 SHA-256 over the plaintext. The x-kas JSON {link,k,hash,size} is kim/x_kas.h.
// Sealing and opening stream through fixed-size buffers: memory does not grow with the
// mail (700 MiB). Opening releases plaintext to the sink before the tag is checked;
// the caller must discard the output unless the result is ok (it is a temp file or a
// buffer that is wiped).
#include <cstdint>
#include <functional>
#include <istream>
#include <ostream>
#include <string>
#include <string_view>

#include "crypto/kas_stream.h"
#include "crypto/types.h"

namespace kimgate::crypto {

struct KasSealed {
  std::string k;     // base64 of the 32-byte key
  std::string hash;  // base64 SHA-256 of the plaintext
  std::uint64_t plaintext_size = 0;
  std::uint64_t sealed_size = 0;  // 12 + plaintext + 16
};
// Reads `in` to its end and writes IV || ciphertext || tag to `out`.
Result<KasSealed> kas_seal(std::istream& in, std::ostream& out);
// Same with a given key and IV (tests; the real path always draws fresh ones).
Result<KasSealed> kas_seal_with(std::istream& in, std::ostream& out, const Bytes& key, const Bytes& iv);

using KasOpenError = KasOpener::Failure;  // decrypt ⇒ 4007, hash_mismatch ⇒ 4012
struct KasOpened {
  KasOpenError error = KasOpenError::none;  // decrypt ⇒ 4007, hash_mismatch ⇒ 4012
  std::string detail;
  std::uint64_t plaintext_size = 0;
  bool ok() const { return error == KasOpenError::none; }
};
KasOpened kas_open(std::istream& in, std::ostream& out, std::string_view k_base64, std::string_view hash_base64);

}  // namespace kimgate::crypto
