#include "crypto/sealed_spool.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <system_error>
#include <vector>

namespace kimgate::crypto {
namespace {

constexpr std::string_view kStalePrefix = "kimgate-spool-";
constexpr std::size_t kBlock = 16;
constexpr std::size_t kChunk = 256 * 1024;

struct CipherFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};

// iv + blocks as a 128-bit big-endian counter.
void counter_at(const unsigned char* iv, std::uint64_t blocks, unsigned char* out) {
  std::memcpy(out, iv, kBlock);
  unsigned carry = 0;
  for (int i = 15; i >= 0; --i) {
    const unsigned add = (i >= 8 ? static_cast<unsigned>((blocks >> (8 * (15 - i))) & 0xff) : 0u) + carry;
    const unsigned sum = out[i] + add;
    out[i] = static_cast<unsigned char>(sum & 0xff);
    carry = sum >> 8;
  }
}

std::string errno_text(std::string_view what) {
  return std::string(what) + ": " + std::strerror(errno);
}

}  // namespace

SealedSpool::SealedSpool(std::filesystem::path dir, std::size_t memory_limit)
    : dir_(std::move(dir)), memory_limit_(memory_limit) {}

SealedSpool::~SealedSpool() {
  clear();
  OPENSSL_cleanse(key_, sizeof key_);
}

void SealedSpool::clear() {
  OPENSSL_cleanse(memory_.data(), memory_.size());
  memory_.clear();
  memory_.shrink_to_fit();
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  size_ = 0;
}

bool SealedSpool::crypt(std::uint64_t offset, const char* in, std::size_t n, char* out) const {
  std::unique_ptr<EVP_CIPHER_CTX, CipherFree> ctx(EVP_CIPHER_CTX_new());
  unsigned char counter[kBlock];
  counter_at(iv_, offset / kBlock, counter);
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_ctr(), nullptr, key_, counter) != 1) {
    return false;
  }
  int len = 0;
  const std::size_t skip = offset % kBlock;
  if (skip != 0) {
    unsigned char zeros[kBlock] = {};
    unsigned char sink[kBlock];
    if (EVP_EncryptUpdate(ctx.get(), sink, &len, zeros, static_cast<int>(skip)) != 1) {
      return false;
    }
  }
  return EVP_EncryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out), &len,
                           reinterpret_cast<const unsigned char*>(in), static_cast<int>(n)) == 1;
}

bool SealedSpool::spill() {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (RAND_bytes(key_, sizeof key_) != 1 || RAND_bytes(iv_, sizeof iv_) != 1) {
    error_ = "no random key for the spool";
    return false;
  }
  fd_ = ::open(dir_.c_str(), O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600);
  if (fd_ < 0) {
    // No O_TMPFILE on this file system: create a name and remove it at once.
    std::string name = (dir_ / (std::string(kStalePrefix) + "XXXXXX")).string();
    fd_ = ::mkostemp(name.data(), O_CLOEXEC);
    if (fd_ < 0) {
      error_ = errno_text("cannot create a spool file in " + dir_.string());
      return false;
    }
    ::unlink(name.c_str());
  }
  const std::string held = std::move(memory_);
  memory_.clear();
  size_ = 0;
  const bool ok = append(held);
  OPENSSL_cleanse(const_cast<char*>(held.data()), held.size());
  return ok;
}

bool SealedSpool::append(std::string_view data) {
  if (stays_in_memory(data.size())) {
    memory_.append(data);
    size_ += data.size();
    return true;
  }
  if (fd_ < 0) {
    const std::uint64_t before = size_;
    memory_.append(data);
    size_ = before + data.size();
    return spill();
  }
  std::vector<char> buf(std::min(data.size(), kChunk));
  while (!data.empty()) {
    const std::size_t n = std::min(data.size(), kChunk);
    if (!crypt(size_, data.data(), n, buf.data())) {
      error_ = "spool encryption failed";
      return false;
    }
    std::size_t done = 0;
    while (done < n) {
      const ssize_t w = ::pwrite(fd_, buf.data() + done, n - done, static_cast<off_t>(size_ + done));
      if (w < 0) {
        if (errno == EINTR) {
          continue;
        }
        error_ = errno_text("cannot write the spool file in " + dir_.string());
        return false;
      }
      done += static_cast<std::size_t>(w);
    }
    size_ += n;
    data.remove_prefix(n);
  }
  return true;
}

bool SealedSpool::read(std::uint64_t offset, std::size_t n, std::string& out) const {
  if (offset >= size_) {
    return true;
  }
  n = static_cast<std::size_t>(std::min<std::uint64_t>(n, size_ - offset));
  if (fd_ < 0) {
    out.append(memory_, static_cast<std::size_t>(offset), n);
    return true;
  }
  const std::size_t at = out.size();
  out.resize(at + n);
  std::size_t done = 0;
  while (done < n) {
    const ssize_t r = ::pread(fd_, out.data() + at + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0 && errno == EINTR) {
      continue;
    }
    if (r <= 0) {
      out.resize(at);
      return false;
    }
    done += static_cast<std::size_t>(r);
  }
  return crypt(offset, out.data() + at, n, out.data() + at);
}

std::optional<std::string> SealedSpool::read_all() const {
  std::string out;
  out.reserve(static_cast<std::size_t>(size_));
  if (!read(0, static_cast<std::size_t>(size_), out)) {
    OPENSSL_cleanse(out.data(), out.size());
    return std::nullopt;
  }
  return out;
}

std::optional<std::string> SealedSpool::take_all() {
  if (fd_ >= 0) {
    std::optional<std::string> out = read_all();
    clear();
    return out;
  }
  std::string out = std::move(memory_);
  clear();
  return out;
}

std::size_t remove_stale_spool_files(const std::filesystem::path& dir) {
  std::size_t removed = 0;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind(kStalePrefix, 0) == 0 && std::filesystem::remove(it->path(), ec)) {
      ++removed;
    }
  }
  return removed;
}

}  // namespace kimgate::crypto
