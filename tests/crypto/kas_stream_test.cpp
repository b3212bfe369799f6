// The KAS cipher in pieces (crypto/kas_stream.h) and the sealed spool (crypto/sealed_spool.h).
#include "crypto/kas_stream.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>

#include "crypto/kas.h"
#include "crypto/ossl.h"
#include "crypto/sealed_spool.h"

namespace kimgate::crypto {
namespace {

std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) {
    s[i] = static_cast<char>((i * 131 + i / 7) & 0xff);
  }
  return s;
}

std::string seal_in_pieces(KasSealer& sealer, const std::string& plain, std::size_t piece) {
  std::string out = sealer.prefix();
  for (std::size_t at = 0; at < plain.size(); at += piece) {
    EXPECT_TRUE(sealer.update(std::string_view(plain).substr(at, piece), out));
  }
  EXPECT_TRUE(sealer.finish(out));
  return out;
}

TEST(KasStream, PiecesGiveTheSameBytesAsTheWholeStream) {
  const std::string plain = pattern(200000);
  const Bytes key(32, 7);
  const Bytes iv(12, 9);
  KasSealer sealer(key, iv);
  const std::string pieces = seal_in_pieces(sealer, plain, 4097);
  std::istringstream in(plain);
  std::ostringstream whole;
  auto sealed = kas_seal_with(in, whole, key, iv);
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(pieces, whole.str());
  EXPECT_EQ(sealer.k(), sealed.value->k);
  EXPECT_EQ(sealer.hash(), sealed.value->hash);
  EXPECT_EQ(pieces.size(), plain.size() + kKasOverhead);
}

TEST(KasStream, OpensWhatItSealsWhateverThePieceSize) {
  const std::string plain = pattern(70001);
  KasSealer sealer;
  const std::string sealed = seal_in_pieces(sealer, plain, 65536);
  for (std::size_t piece : {1u, 5u, 16u, 17u, 1000u, 70000u}) {
    KasOpener opener(sealer.k(), sealer.hash());
    std::string out;
    for (std::size_t at = 0; at < sealed.size(); at += piece) {
      ASSERT_TRUE(opener.update(std::string_view(sealed).substr(at, piece), out));
    }
    ASSERT_TRUE(opener.finish(out)) << opener.detail();
    EXPECT_EQ(out, plain) << piece;
  }
}

TEST(KasStream, TamperedDataIsADecryptionFailure) {
  const std::string plain = pattern(1000);
  KasSealer sealer;
  std::string sealed = seal_in_pieces(sealer, plain, 100);
  sealed[20] ^= 1;
  KasOpener opener(sealer.k(), sealer.hash());
  std::string out;
  opener.update(sealed, out);
  EXPECT_FALSE(opener.finish(out));
  EXPECT_EQ(opener.failure(), KasOpener::Failure::decrypt);
}

TEST(KasStream, AnotherHashIsAHashMismatch) {
  KasSealer a;
  const std::string sealed = seal_in_pieces(a, "first", 3);
  KasSealer b;
  seal_in_pieces(b, "second", 3);
  KasOpener opener(a.k(), b.hash());
  std::string out;
  opener.update(sealed, out);
  EXPECT_FALSE(opener.finish(out));
  EXPECT_EQ(opener.failure(), KasOpener::Failure::hash_mismatch);
}

TEST(KasStream, ShortDataAndBadKeysAreFormatErrors) {
  KasSealer a;
  seal_in_pieces(a, "x", 1);
  KasOpener short_data(a.k(), a.hash());
  std::string out;
  short_data.update("0123456789ab0123", out);
  EXPECT_FALSE(short_data.finish(out));
  EXPECT_EQ(short_data.failure(), KasOpener::Failure::format);
  KasOpener bad_key("AAAA", a.hash());
  EXPECT_EQ(bad_key.failure(), KasOpener::Failure::format);
}

class SpoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("kimgate-spool-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(SpoolTest, SmallContentStaysInMemory) {
  SealedSpool spool(dir_, 1024);
  ASSERT_TRUE(spool.append("hello "));
  ASSERT_TRUE(spool.append("world"));
  EXPECT_FALSE(spool.on_disk());
  EXPECT_EQ(*spool.read_all(), "hello world");
}

TEST_F(SpoolTest, TakeAllHandsOverAndEmpties) {
  SealedSpool small(dir_, 1024);
  ASSERT_TRUE(small.append("hello "));
  ASSERT_TRUE(small.append("world"));
  EXPECT_EQ(*small.take_all(), "hello world");
  EXPECT_EQ(small.size(), 0u);
  ASSERT_TRUE(small.append("again"));
  EXPECT_EQ(*small.read_all(), "again");
  const std::string plain = pattern(200 * 1024 + 3);
  SealedSpool large(dir_, 64 * 1024);
  ASSERT_TRUE(large.append(plain)) << large.error();
  ASSERT_TRUE(large.on_disk());
  EXPECT_EQ(*large.take_all(), plain);
  EXPECT_FALSE(large.on_disk());
  EXPECT_EQ(large.size(), 0u);
}

TEST(Base64Lines, SeventySixCharacterLinesOfTheFlatEncoding) {
  for (std::size_t n : {0u, 1u, 2u, 56u, 57u, 58u, 114u, 115u, 1000u, 65537u}) {
    const std::string text = pattern(n);
    const Bytes data(text.begin(), text.end());
    const std::string flat = base64_encode(der::view(data));
    std::string expected;
    for (std::size_t i = 0; i < flat.size(); i += 76) {
      expected += flat.substr(i, 76) + "\r\n";
    }
    EXPECT_EQ(base64_encode_lines(der::view(data)), expected) << n;
    EXPECT_EQ(base64_lines_size(n), expected.size()) << n;
    std::string appended = "head\r\n\r\n";
    base64_append_lines(der::view(data), appended);
    EXPECT_EQ(appended, "head\r\n\r\n" + expected) << n;
  }
}

TEST_F(SpoolTest, LargeContentGoesToAnUnnamedEncryptedFile) {
  const std::string plain = pattern(3 * 1024 * 1024 + 5);
  SealedSpool spool(dir_, 64 * 1024);
  for (std::size_t at = 0; at < plain.size(); at += 10000) {
    ASSERT_TRUE(spool.append(std::string_view(plain).substr(at, 10000))) << spool.error();
  }
  EXPECT_TRUE(spool.on_disk());
  EXPECT_EQ(spool.size(), plain.size());
  // No file has a name in the spool directory.
  EXPECT_TRUE(std::filesystem::is_empty(dir_));
  EXPECT_EQ(*spool.read_all(), plain);
  for (std::uint64_t offset : {0ull, 1ull, 15ull, 16ull, 65535ull, 65536ull, 1234567ull}) {
    std::string part;
    ASSERT_TRUE(spool.read(offset, 777, part));
    EXPECT_EQ(part, plain.substr(offset, 777)) << offset;
  }
  std::string tail;
  ASSERT_TRUE(spool.read(plain.size() - 3, 100, tail));
  EXPECT_EQ(tail, plain.substr(plain.size() - 3));
}

TEST_F(SpoolTest, TheFileHoldsNoPlaintext) {
  const std::string marker = "PLAINTEXT-MARKER-";
  std::string plain;
  while (plain.size() < 300000) {
    plain += marker;
  }
  SealedSpool spool(dir_, 1000);
  ASSERT_TRUE(spool.append(plain));
  ASSERT_TRUE(spool.on_disk());
  // Read the raw file through /proc/self/fd: the unnamed file is only reachable there.
  bool found_file = false;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    const auto target = std::filesystem::read_symlink(e.path(), ec);
    if (ec || target.string().find(dir_.string()) != 0) {
      continue;
    }
    found_file = true;
    std::FILE* f = std::fopen(e.path().c_str(), "rb");
    ASSERT_NE(f, nullptr);
    std::string raw(plain.size(), '\0');
    const std::size_t got = std::fread(raw.data(), 1, raw.size(), f);
    std::fclose(f);
    EXPECT_EQ(got, plain.size());
    EXPECT_EQ(raw.find(marker), std::string::npos);
  }
  EXPECT_TRUE(found_file);
}

TEST_F(SpoolTest, StaleNamedFilesAreRemoved) {
  std::FILE* f = std::fopen((dir_ / "kimgate-spool-abc123").c_str(), "w");
  std::fclose(f);
  std::FILE* g = std::fopen((dir_ / "other").c_str(), "w");
  std::fclose(g);
  EXPECT_EQ(remove_stale_spool_files(dir_), 1u);
  EXPECT_TRUE(std::filesystem::exists(dir_ / "other"));
}

}  // namespace
}  // namespace kimgate::crypto
