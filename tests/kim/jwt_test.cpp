// The Account Manager JWT: header and body as the contract says, base64url, and signatures made
// with locally generated keys (OpenSSL, test only) that verify as a provider would verify them.
#include "kim/jwt.h"

#include <gtest/gtest.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "crypto/base64.h"

namespace kimgate::kim::jwt {
namespace {

using Bytes = std::vector<std::uint8_t>;
using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using Ctx = std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)>;

const Bytes kCert{0x30, 0x82, 0x01, 0x0a, 0xfb, 0xff, 0x3e};  // stands for the AUT certificate's DER

std::vector<std::string> split(const std::string& jwt) {
  std::vector<std::string> parts;
  std::size_t at = 0;
  for (std::size_t dot = jwt.find('.'); dot != std::string::npos; dot = jwt.find('.', at)) {
    parts.push_back(jwt.substr(at, dot - at));
    at = dot + 1;
  }
  parts.push_back(jwt.substr(at));
  return parts;
}

// What the card does behind external_authenticate: sign the 32-byte digest.
Bytes sign_digest(EVP_PKEY* key, const Bytes& digest, bool pss) {
  Ctx ctx(EVP_PKEY_CTX_new(key, nullptr), EVP_PKEY_CTX_free);
  EXPECT_EQ(EVP_PKEY_sign_init(ctx.get()), 1);
  EXPECT_EQ(EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256()), 1);
  if (pss) {
    EXPECT_EQ(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PSS_PADDING), 1);
    EXPECT_EQ(EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), 32), 1);
    EXPECT_EQ(EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), EVP_sha256()), 1);
  }
  std::size_t length = 0;
  EXPECT_EQ(EVP_PKEY_sign(ctx.get(), nullptr, &length, digest.data(), digest.size()), 1);
  Bytes out(length);
  EXPECT_EQ(EVP_PKEY_sign(ctx.get(), out.data(), &length, digest.data(), digest.size()), 1);
  out.resize(length);
  return out;
}

// A provider's check: the whole signing input verified with the public key (PS256: PSS salt 32).
bool verify(EVP_PKEY* key, const std::string& input, const Bytes& signature, bool pss) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_PKEY_CTX* pctx = nullptr;
  if (EVP_DigestVerifyInit(md.get(), &pctx, EVP_sha256(), nullptr, key) != 1) {
    return false;
  }
  if (pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
              EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) != 1)) {
    return false;
  }
  return EVP_DigestVerify(md.get(), signature.data(), signature.size(),
                          reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
}

Bytes bytes_of(const std::string& s) {
  return Bytes(s.begin(), s.end());
}

TEST(Jwt, HeaderAndBodyAreWhatTheContractSays) {
  const std::string input = signing_input(Algorithm::ps256, kCert, 1'700'000'000, 21600);
  const std::vector<std::string> parts = split(input);
  ASSERT_EQ(parts.size(), 2u);
  const auto header = base64url_decode(parts[0]);
  const auto body = base64url_decode(parts[1]);
  ASSERT_TRUE(header && body);
  EXPECT_EQ(*header, R"({"alg":"PS256","typ":"JWT","x5c":[")" +
                         crypto::base64::encode(std::string(kCert.begin(), kCert.end())) + R"("]})");
  EXPECT_EQ(*body, R"({"nbf":1699999970,"iat":1700000000,"exp":1700000300})") << "at most 300 s";
  EXPECT_EQ(body_json(100, 120), R"({"nbf":70,"iat":100,"exp":220})");
  EXPECT_EQ(body_json(100, std::nullopt), R"({"nbf":70,"iat":100,"exp":400})");
  EXPECT_EQ(nlohmann::json::parse(header_json(Algorithm::bp256r1, kCert))["alg"], "BP256R1");
}

TEST(Jwt, Base64UrlHasNoPaddingAndIsStrict) {
  EXPECT_EQ(base64url(std::string("\xfb\xff\x3e", 3)), "-_8-");
  EXPECT_EQ(base64url("a"), "YQ");
  EXPECT_EQ(base64url("ab"), "YWI");
  EXPECT_EQ(base64url_decode("YWI"), "ab");
  EXPECT_EQ(base64url_decode("-_8-"), std::string("\xfb\xff\x3e", 3));
  EXPECT_EQ(base64url_decode(""), "");
  for (const char* bad : {"YQ==", "+/8+", "Y", "YW I", "YQ\n"}) {
    EXPECT_FALSE(base64url_decode(bad)) << bad;
  }
}

TEST(Jwt, Ps256MadeWithALocalKeyVerifies) {
  Key key(EVP_RSA_gen(2048), EVP_PKEY_free);
  ASSERT_TRUE(key);
  const std::string input = signing_input(Algorithm::ps256, kCert, 1'700'000'000, 300);
  const Bytes d = digest(input);
  ASSERT_EQ(d.size(), 32u);
  const Bytes signature = sign_digest(key.get(), d, true);
  std::string error;
  const std::optional<std::string> token = finish(input, Algorithm::ps256, signature, error);
  ASSERT_TRUE(token) << error;
  const std::vector<std::string> parts = split(*token);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0] + "." + parts[1], input);
  const auto decoded = base64url_decode(parts[2]);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(bytes_of(*decoded), signature);
  EXPECT_TRUE(verify(key.get(), input, signature, true));
  Bytes tampered = signature;
  tampered[10] ^= 1;
  EXPECT_FALSE(verify(key.get(), input, tampered, true)) << "the check above is a real check";
}

TEST(Jwt, Bp256r1SignatureBecomesRawRAndS) {
  Key key(EVP_EC_gen("brainpoolP256r1"), EVP_PKEY_free);
  ASSERT_TRUE(key);
  const std::string input = signing_input(Algorithm::bp256r1, kCert, 1'700'000'000, 300);
  for (int round = 0; round < 20; ++round) {  // some r or s will need a leading 0x00 or be short
    const Bytes der = sign_digest(key.get(), digest(input), false);
    std::string error;
    const std::optional<std::string> token = finish(input, Algorithm::bp256r1, der, error);
    ASSERT_TRUE(token) << error;
    const auto raw = base64url_decode(split(*token)[2]);
    ASSERT_TRUE(raw);
    ASSERT_EQ(raw->size(), 64u);
    // Back to DER through OpenSSL and verified: r||s held the very r and s.
    std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(ECDSA_SIG_new(), ECDSA_SIG_free);
    const auto* p = reinterpret_cast<const unsigned char*>(raw->data());
    ECDSA_SIG_set0(sig.get(), BN_bin2bn(p, 32, nullptr), BN_bin2bn(p + 32, 32, nullptr));
    unsigned char* out = nullptr;
    const int n = i2d_ECDSA_SIG(sig.get(), &out);
    ASSERT_GT(n, 0);
    const Bytes again(out, out + n);
    OPENSSL_free(out);
    EXPECT_EQ(again, der);
    EXPECT_TRUE(verify(key.get(), input, again, false));
  }
}

TEST(Jwt, EcdsaDerIsCheckedStrictly) {
  std::string error;
  // r = 1, s = 0x80 (needs a leading zero).
  const Bytes good{0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x02, 0x00, 0x80};
  const auto raw = ecdsa_der_to_raw(good, error);
  ASSERT_TRUE(raw) << error;
  Bytes expected(64, 0);
  expected[31] = 0x01;
  expected[63] = 0x80;
  EXPECT_EQ(*raw, expected);
  const std::vector<Bytes> bad{
      {},
      {0x31, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01},              // not a SEQUENCE
      {0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01},              // length past the end
      {0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x00},        // trailing byte
      {0x30, 0x06, 0x02, 0x01, 0x81, 0x02, 0x01, 0x01},              // negative r
      {0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x01},        // non-minimal r
      {0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x01},              // r = 0
      {0x30, 0x06, 0x02, 0x01, 0x01, 0x04, 0x01, 0x01},              // s not an INTEGER
      {0x30, 0x81, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01},        // non-minimal SEQUENCE length
      {0x30, 0x08, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x02, 0x00},  // a third element
  };
  for (const Bytes& b : bad) {
    error.clear();
    EXPECT_FALSE(ecdsa_der_to_raw(b, error));
    EXPECT_FALSE(error.empty());
  }
  Bytes long_r{0x30, 0x26, 0x02, 0x21, 0x01};  // a 33-byte r without a sign byte: above 2^256
  long_r.resize(4 + 0x21, 0x11);
  long_r.insert(long_r.end(), {0x02, 0x01, 0x01});
  EXPECT_FALSE(ecdsa_der_to_raw(long_r, error));
}

TEST(Jwt, FinishRefusesWhatCannotBeASignature) {
  std::string error;
  const std::string input = signing_input(Algorithm::ps256, kCert, 1, 300);
  EXPECT_FALSE(finish(input, Algorithm::ps256, Bytes(64, 1), error));
  EXPECT_FALSE(finish(input, Algorithm::ps256, Bytes(2000, 1), error));
  EXPECT_FALSE(finish("no-dot", Algorithm::ps256, Bytes(256, 1), error));
  EXPECT_FALSE(finish(input + ".sig", Algorithm::ps256, Bytes(256, 1), error));
  EXPECT_FALSE(finish(input, Algorithm::bp256r1, Bytes(70, 1), error)) << "neither DER nor r||s";
  const auto raw = finish(input, Algorithm::bp256r1, Bytes(64, 7), error);
  ASSERT_TRUE(raw) << "64 bytes that are not DER are r||s already";
  EXPECT_EQ(base64url_decode(split(*raw)[2]), std::string(64, '\x07'));
}

}  // namespace
}  // namespace kimgate::kim::jwt
