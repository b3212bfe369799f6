#pragma once
// Passwords for kimctl, never from argv: typed at a TTY prompt without echo (twice for a new
// one), or read from a file (--password-file) or an inherited file descriptor (--password-fd)
// for scripts — the first line, without its line end. Errors are sentences.
#include <optional>
#include <string>

namespace kimgate::admin {

struct SecretSource {
  std::string file;  // --...-file FILE
  int fd = -1;       // --...-fd N
};

struct SecretRead {
  std::optional<std::string> value;
  std::string error;
};

// `what` names the secret in the prompt ("mailbox password of x@y"); `twice`: a new secret,
// typed twice and compared (prompt only).
SecretRead read_secret(const SecretSource& source, const std::string& what, bool twice);

}  // namespace kimgate::admin
