#include "web/admin_password.h"

#include <argon2.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace kimgate::web {

namespace {
constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHashBytes = 32;
constexpr std::size_t kMinLength = 10;

bool random_bytes(unsigned char* out, std::size_t n) {
  std::size_t done = 0;
  while (done < n) {
    const ssize_t got = ::getrandom(out + done, n - done, 0);
    if (got < 0) {
      if (errno == EINTR) {
        continue;
      }
      return false;
    }
    done += static_cast<std::size_t>(got);
  }
  return true;
}
}  // namespace

std::optional<std::string> hash_admin_password(std::string_view password, Argon2Cost cost) {
  std::array<unsigned char, kSaltBytes> salt{};
  if (!random_bytes(salt.data(), salt.size())) {
    return std::nullopt;
  }
  const std::size_t length =
      argon2_encodedlen(cost.passes, cost.memory_kib, cost.lanes, kSaltBytes, kHashBytes, Argon2_id);
  std::string encoded(length, '\0');
  const int rc = argon2id_hash_encoded(cost.passes, cost.memory_kib, cost.lanes, password.data(), password.size(),
                                       salt.data(), salt.size(), kHashBytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) {
    return std::nullopt;
  }
  encoded.resize(std::strlen(encoded.c_str()));
  return encoded;
}

bool verify_admin_password(const std::string& encoded, std::string_view password) {
  if (encoded.rfind("$argon2id$", 0) != 0) {
    return false;
  }
  return argon2id_verify(encoded.c_str(), password.data(), password.size()) == ARGON2_OK;
}

std::optional<std::string> write_password_file(const std::filesystem::path& file, const std::string& encoded) {
  std::error_code ec;
  if (file.has_parent_path()) {
    std::filesystem::create_directories(file.parent_path(), ec);
  }
  const std::filesystem::path temp = file.string() + ".new";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return "cannot write \"" + temp.string() + "\": " + std::strerror(errno);
  }
  ::fchmod(fd, 0600);
  const std::string text = encoded + "\n";
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!written || !synced || ::rename(temp.c_str(), file.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    ::unlink(temp.c_str());
    return "cannot write \"" + file.string() + "\": " + reason;
  }
  return std::nullopt;
}

PasswordFile read_password_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return {{},
            "no admin password is set (\"" + file.string() + "\" cannot be read); set one with: kimctl web password"};
  }
  std::string line;
  std::getline(in, line);
  if (line.rfind("$argon2id$", 0) != 0) {
    return {{}, "\"" + file.string() + "\" holds no Argon2id hash; set the password again with: kimctl web password"};
  }
  return {line, {}};
}

std::optional<std::string> weak_password(std::string_view password) {
  if (password.size() < kMinLength) {
    return "the admin password needs at least " + std::to_string(kMinLength) + " characters";
  }
  return std::nullopt;
}

}  // namespace kimgate::web
