#include "admin/secret_input.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

namespace kimgate::admin {

namespace {

// The first line of what `fd` delivers (up to 4 KiB), without CR/LF.
std::optional<std::string> first_line(int fd) {
  std::string out;
  char c = 0;
  while (out.size() < 4096) {
    const ssize_t n = ::read(fd, &c, 1);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0 || c == '\n') {
      break;
    }
    out.push_back(c);
  }
  if (!out.empty() && out.back() == '\r') {
    out.pop_back();
  }
  return out;
}

std::optional<std::string> prompt(const std::string& text) {
  const int tty = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (tty < 0) {
    return std::nullopt;
  }
  termios saved{};
  const bool is_tty = ::tcgetattr(tty, &saved) == 0;
  if (is_tty) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(tty, TCSAFLUSH, &quiet);
  }
  const std::string shown = text + ": ";
  (void)!::write(tty, shown.data(), shown.size());
  std::optional<std::string> line = first_line(tty);
  (void)!::write(tty, "\n", 1);
  if (is_tty) {
    ::tcsetattr(tty, TCSAFLUSH, &saved);
  }
  ::close(tty);
  return line;
}

}  // namespace

SecretRead read_secret(const SecretSource& source, const std::string& what, bool twice) {
  SecretRead r;
  if (!source.file.empty()) {
    const int fd = ::open(source.file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      r.error = "cannot read the " + what + " from \"" + source.file + "\": " + std::strerror(errno);
      return r;
    }
    r.value = first_line(fd);
    ::close(fd);
  } else if (source.fd >= 0) {
    r.value = first_line(source.fd);
  } else {
    r.value = prompt(what);
    if (!r.value) {
      r.error = "no terminal to ask for the " + what + " (use a --...-file or --...-fd option)";
      return r;
    }
    if (twice) {
      std::optional<std::string> again = prompt(what + " (again)");
      const bool same = again && *again == *r.value;
      if (again) {
        OPENSSL_cleanse(again->data(), again->size());
      }
      if (!same) {
        OPENSSL_cleanse(r.value->data(), r.value->size());
        r.value.reset();
        r.error = "the two entries of the " + what + " differ";
        return r;
      }
    }
  }
  if (!r.value || r.value->empty()) {
    r.value.reset();
    r.error = "the " + what + " is empty";
  }
  return r;
}

}  // namespace kimgate::admin
