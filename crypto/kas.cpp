#include "crypto/kas.h"

#include <openssl/crypto.h>

#include <vector>

#include "crypto/ossl.h"

namespace kimgate::crypto {
namespace {

constexpr std::size_t kChunk = 64 * 1024;

}  // namespace

Result<KasSealed> kas_seal(std::istream& in, std::ostream& out) {
  Bytes key = random_bytes(32);
  auto r = kas_seal_with(in, out, key, random_bytes(kKasIvLength));
  OPENSSL_cleanse(key.data(), key.size());
  return r;
}

Result<KasSealed> kas_seal_with(std::istream& in, std::ostream& out, const Bytes& key, const Bytes& iv) {
  using R = Result<KasSealed>;
  KasSealer sealer(key, iv);
  if (!sealer.ok()) {
    return R::failure(sealer.error());
  }
  out << sealer.prefix();
  std::vector<char> buf(kChunk);
  std::string enc;
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const auto got = static_cast<std::size_t>(in.gcount());
    if (got == 0) {
      break;
    }
    enc.clear();
    if (!sealer.update(std::string_view(buf.data(), got), enc)) {
      return R::failure(sealer.error());
    }
    out << enc;
  }
  if (in.bad()) {
    return R::failure("reading the mail failed");
  }
  enc.clear();
  if (!sealer.finish(enc)) {
    return R::failure(sealer.error());
  }
  out << enc;
  out.flush();
  if (!out) {
    return R::failure("writing the sealed data failed");
  }
  KasSealed sealed;
  sealed.k = sealer.k();
  sealed.hash = sealer.hash();
  sealed.plaintext_size = sealer.plaintext_size();
  sealed.sealed_size = sealed.plaintext_size + kKasOverhead;
  return R::success(std::move(sealed));
}

KasOpened kas_open(std::istream& in, std::ostream& out, std::string_view k_base64, std::string_view hash_base64) {
  KasOpener opener(k_base64, hash_base64);
  std::vector<char> buf(kChunk);
  std::string plain;
  bool ok = opener.failure() == KasOpener::Failure::none;
  while (ok && in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const auto got = static_cast<std::size_t>(in.gcount());
    if (got == 0) {
      break;
    }
    plain.clear();
    ok = opener.update(std::string_view(buf.data(), got), plain);
    out << plain;
  }
  if (ok) {
    plain.clear();
    ok = opener.finish(plain);
    out << plain;
  }
  out.flush();
  OPENSSL_cleanse(plain.data(), plain.size());
  KasOpened r;
  r.plaintext_size = opener.plaintext_size();
  r.detail = opener.detail();
  r.error = opener.failure();
  return r;
}

}  // namespace kimgate::crypto
