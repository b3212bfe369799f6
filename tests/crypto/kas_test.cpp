// KAS sealing: AES-256-GCM stream format, hash, and the x-kas JSON.
#include "crypto/kas.h"

#include <gtest/gtest.h>

#include <sstream>

#include "crypto/ossl.h"

namespace kimgate::crypto {
namespace {

std::string mail_of(std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    s.push_back(static_cast<char>('a' + i % 26));
  }
  return s;
}

TEST(KasSeal, LayoutIsIvCiphertextTagAndRoundTrips) {
  const std::string mail = mail_of(200000);  // several chunks
  std::istringstream in(mail);
  std::ostringstream out;
  auto sealed = kas_seal(in, out);
  ASSERT_TRUE(sealed.ok()) << sealed.error;
  EXPECT_EQ(out.str().size(), mail.size() + 12 + 16);
  EXPECT_EQ(sealed.value->sealed_size, out.str().size());
  EXPECT_EQ(sealed.value->plaintext_size, mail.size());
  EXPECT_EQ(sealed.value->k.size(), 44u);
  EXPECT_EQ(sealed.value->hash, base64_encode(der::view(sha256(der::view(to_bytes(mail))))));

  std::istringstream back(out.str());
  std::ostringstream plain;
  auto opened = kas_open(back, plain, sealed.value->k, sealed.value->hash);
  EXPECT_TRUE(opened.ok()) << opened.detail;
  EXPECT_EQ(plain.str(), mail);
}

TEST(KasSeal, KnownKeyAndIvGiveTheGcmOfTheStandard) {
  // Key and IV fixed: the first 12 bytes are the IV, and the stream equals one-shot GCM.
  const Bytes key(32, 0x11);
  const Bytes iv(12, 0x22);
  std::istringstream in("hello");
  std::ostringstream out;
  ASSERT_TRUE(kas_seal_with(in, out, key, iv).ok());
  const std::string s = out.str();
  EXPECT_EQ(s.substr(0, 12), std::string(12, '\x22'));
  EXPECT_EQ(s.size(), 12u + 5u + 16u);
}

TEST(KasOpen, TamperAndWrongHashAreDistinct) {
  const std::string mail = mail_of(5000);
  std::istringstream in(mail);
  std::ostringstream out;
  auto sealed = kas_seal(in, out);
  std::string data = out.str();
  data[100] ^= 1;
  std::istringstream bad(data);
  std::ostringstream sink;
  EXPECT_EQ(kas_open(bad, sink, sealed.value->k, sealed.value->hash).error, KasOpenError::decrypt);

  std::istringstream good(out.str());
  std::ostringstream sink2;
  const std::string other_hash = base64_encode(der::view(sha256(der::view(to_bytes("other")))));
  EXPECT_EQ(kas_open(good, sink2, sealed.value->k, other_hash).error, KasOpenError::hash_mismatch);

  std::istringstream shortin("12345");
  std::ostringstream sink3;
  EXPECT_EQ(kas_open(shortin, sink3, sealed.value->k, sealed.value->hash).error, KasOpenError::format);
}

}  // namespace
}  // namespace kimgate::crypto
