#pragma once
// A message buffer that never puts plaintext on disk (KOM-LE-A_2030 style: no persistent mail):
// up to `memory_limit` bytes stay in memory; beyond that everything goes to a file without a
// name (O_TMPFILE, or created and unlinked at once) in `dir`, encrypted with AES-256-CTR under
// a key that exists only in this object. Nothing of it survives the process: a kill -9 leaves no
// file behind, and the key is gone with the memory. Memory is wiped on destruction.
//
// Append-only, then read at any offset (CTR: the counter follows the offset). Not thread-safe;
// one owner at a time (the session, or a worker-pool task it awaits).
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace kimgate::crypto {

class SealedSpool {
 public:
  SealedSpool(std::filesystem::path dir, std::size_t memory_limit);
  ~SealedSpool();
  SealedSpool(const SealedSpool&) = delete;
  SealedSpool& operator=(const SealedSpool&) = delete;

  // false (and error() says why) when the file cannot be created or written.
  bool append(std::string_view data);
  std::uint64_t size() const { return size_; }
  bool on_disk() const { return fd_ >= 0; }
  // True when appending `n` more bytes keeps the spool in memory (no file, no disk write).
  bool stays_in_memory(std::size_t n) const { return fd_ < 0 && memory_.size() + n <= memory_limit_; }
  const std::string& error() const { return error_; }

  // Appends up to `n` bytes from `offset` to `out`, decrypted; false on an I/O error.
  bool read(std::uint64_t offset, std::size_t n, std::string& out) const;
  // Everything, for mails small enough to work on in memory (the caller wipes it).
  std::optional<std::string> read_all() const;
  // The same, but a mail still in memory is handed over instead of copied; the spool is
  // empty afterwards (as after clear()).
  std::optional<std::string> take_all();
  // Wipes and forgets the content (the object can be filled again).
  void clear();

 private:
  bool spill();
  bool crypt(std::uint64_t offset, const char* in, std::size_t n, char* out) const;

  std::filesystem::path dir_;
  std::size_t memory_limit_;
  std::string memory_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
  unsigned char key_[32] = {};
  unsigned char iv_[16] = {};
  std::string error_;
};

// Deletes files a crashed process may have left in `dir` (the fallback path creates a file
// and unlinks it at once; a crash between the two leaves one). Returns how many it removed.
std::size_t remove_stale_spool_files(const std::filesystem::path& dir);

}  // namespace kimgate::crypto
