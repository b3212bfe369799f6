#pragma once
// The admin web page's one account: its password is kept only as an Argon2id hash in the
// PHC string format ("$argon2id$v=19$m=...,t=...,p=...$salt$hash") in a file of mode 0600.
// `kimctl web password` writes the file; kimgated's web page reads it at each login, so a new
// password takes effect without a restart. Nothing here logs or keeps the password.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace kimgate::web {

// Cost of a hash: 64 MiB, 3 passes, 1 lane (RFC 9106's second recommended option).
struct Argon2Cost {
  std::uint32_t memory_kib = 64 * 1024;
  std::uint32_t passes = 3;
  std::uint32_t lanes = 1;
};

// The encoded Argon2id hash of `password` with a fresh random 16-byte salt; nullopt when
// libargon2 fails (out of memory).
std::optional<std::string> hash_admin_password(std::string_view password, Argon2Cost cost = {});

// Whether `password` matches the encoded hash (false for a malformed hash).
bool verify_admin_password(const std::string& encoded, std::string_view password);

// Writes the encoded hash to `file` (mode 0600, replaced atomically). A sentence on failure.
std::optional<std::string> write_password_file(const std::filesystem::path& file, const std::string& encoded);

// The encoded hash in `file`, or a sentence why there is none.
struct PasswordFile {
  std::string encoded;  // empty when error is set
  std::string error;
};
PasswordFile read_password_file(const std::filesystem::path& file);

// The admin password's minimum length (a sentence when `password` is too weak, else nullopt).
std::optional<std::string> weak_password(std::string_view password);

}  // namespace kimgate::web
