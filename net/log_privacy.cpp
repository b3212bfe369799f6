#include "net/log_privacy.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

namespace kimgate::net {
namespace {

constexpr const char* kKeyFile = "log-pseudonym.key";

bool local_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::strchr("._%+~!$&'*/?^`{|}-", c) != nullptr;
}

bool domain_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

// Where the value of a key=value field that starts at `at` ends (quoted values to their closing
// quote, others to the next space).
std::size_t value_end(std::string_view line, std::size_t at) {
  if (at < line.size() && line[at] == '"') {
    std::size_t i = at + 1;
    while (i < line.size() && line[i] != '"') {
      i += line[i] == '\\' ? 2 : 1;
    }
    return std::min(line.size(), i + 1);
  }
  const std::size_t space = line.find(' ', at);
  return space == std::string_view::npos ? line.size() : space;
}

enum class Field { plain, keep, whole };

// The field whose value starts at `at` (just after "key="), judged by its key.
Field field_at(std::string_view line, std::size_t at) {
  std::size_t start = at - 1;  // the '='
  while (start > 0 && log_key_char(line[start - 1])) {
    --start;
  }
  if (start > 0 && line[start - 1] != ' ') {
    return Field::plain;
  }
  const std::string_view key = line.substr(start, at - 1 - start);
  if (key == "message_id" || key == "in_reply_to" || key == "original_message_id" || key == "references") {
    return Field::keep;
  }
  return key == "telematik_id" ? Field::whole : Field::plain;
}

// Appends `text` with each address's local part replaced.
void replace_addresses(std::string_view text, const PseudonymKey& key, std::string& out) {
  std::size_t copied = 0;
  for (std::size_t at = text.find('@'); at != std::string_view::npos; at = text.find('@', at + 1)) {
    std::size_t begin = at;
    while (begin > copied && local_char(text[begin - 1])) {
      --begin;
    }
    std::size_t end = at + 1;
    while (end < text.size() && domain_char(text[end])) {
      ++end;
    }
    while (end > at + 1 && (text[end - 1] == '.' || text[end - 1] == '-')) {  // a sentence's full stop
      --end;
    }
    if (begin == at || end == at + 1) {
      continue;
    }
    out.append(text.substr(copied, begin - copied));
    out.append(pseudonym(text.substr(begin, end - begin), key));
    out.append(text.substr(at, end - at));
    copied = end;
    at = end - 1;
  }
  out.append(text.substr(copied));
}

}  // namespace

bool log_key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

std::string pseudonym(std::string_view value, const PseudonymKey& key) {
  std::string lower(value);
  for (char& c : lower) {
    c = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  }
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(lower.data()),
       lower.size(), mac, &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "p-";
  for (int i = 0; i < 5; ++i) {
    out += kHex[mac[i] >> 4];
    out += kHex[mac[i] & 0xF];
  }
  return out;
}

std::string pseudonymise_line(std::string_view line, const PseudonymKey& key) {
  std::string out;
  out.reserve(line.size() + 16);
  std::size_t copied = 0;  // line[0, copied) is in `out`
  std::size_t i = 0;
  while (i < line.size()) {
    const std::size_t eq = line.find('=', i);
    if (eq == std::string_view::npos) {
      break;
    }
    const Field field = field_at(line, eq + 1);
    if (field == Field::plain) {
      i = eq + 1;
      continue;
    }
    const std::size_t end = value_end(line, eq + 1);
    replace_addresses(line.substr(copied, eq + 1 - copied), key, out);
    if (field == Field::keep) {
      out.append(line.substr(eq + 1, end - eq - 1));
    } else {
      std::string_view value = line.substr(eq + 1, end - eq - 1);
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      out.append(value.empty() ? "" : pseudonym(value, key));
    }
    copied = i = end;
  }
  replace_addresses(line.substr(copied), key, out);
  return out;
}

bool read_log_pseudonym_key(const std::filesystem::path& state_dir, PseudonymKey& key, std::string& error) {
  const std::filesystem::path path = state_dir / kKeyFile;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    error = "cannot read " + path.string() + ": " + std::strerror(errno);
    return false;
  }
  const ssize_t n = ::read(fd, key.data(), key.size());
  ::close(fd);
  if (n != static_cast<ssize_t>(key.size())) {
    error = path.string() + " is not a 32-byte key";
    return false;
  }
  return true;
}

PseudonymKey log_pseudonym_key(const std::filesystem::path& state_dir, std::string& warning) {
  PseudonymKey key{};
  std::string error;
  if (read_log_pseudonym_key(state_dir, key, error)) {
    return key;
  }
  std::error_code ec;
  if (std::filesystem::create_directories(state_dir, ec)) {
    std::filesystem::permissions(state_dir, std::filesystem::perms::owner_all, ec);
  }
  if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) {
    warning = "no random bytes for the log pseudonym key";
    return key;
  }
  const std::filesystem::path path = state_dir / kKeyFile;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    if (errno == EEXIST && read_log_pseudonym_key(state_dir, key, error)) {
      return key;  // another process made it meanwhile
    }
    warning = "cannot create " + path.string() + " (" + std::strerror(errno) +
              "): pseudonyms in the log hold for this process only";
    return key;
  }
  const bool written = ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written) {
    std::filesystem::remove(path, ec);
    warning = "cannot write " + path.string() + ": pseudonyms in the log hold for this process only";
  }
  return key;
}

void PrivacySink::sink_it_(const spdlog::details::log_msg& msg) {
  const std::string_view text(msg.payload.data(), msg.payload.size());
  std::string replaced;
  spdlog::details::log_msg out = msg;
  if (text.find('@') != std::string_view::npos || text.find("telematik_id=") != std::string_view::npos) {
    replaced = pseudonymise_line(text, key_);
    out.payload = spdlog::string_view_t(replaced.data(), replaced.size());
  }
  for (const auto& target : targets_) {
    if (target->should_log(out.level)) {
      target->log(out);
    }
  }
}

void PrivacySink::flush_() {
  for (const auto& target : targets_) {
    target->flush();
  }
}

}  // namespace kimgate::net
