#pragma once
// Loading and checking the configuration file (TOML, parsed by toml++).
//
// load_file() never throws: a missing file, a syntax error, an unknown key, a wrong
// type, a value out of range, an unreadable certificate/key/secret file, or a
// constraint across fields (verify) becomes a Diagnostic `file:line:col: sentence`.
// The result owns everything; `effective` lists every setting with its value as
// `kimctl config show` prints it (defaults marked, secrets masked).
#include <string>
#include <string_view>
#include <vector>

#include "conf/config.h"

namespace kimgate::conf {

struct Diagnostic {
  std::string file;
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  std::string message;
  std::string str() const;  // "file:line:col: message"
};

struct Setting {
  std::string key;    // dotted path, e.g. "timeouts.smtp_server", "konnektor.Konn_1.timeout"
  std::string value;  // TOML-like rendering; secrets as "<redacted>"
  bool is_default = false;
};

struct LoadResult {
  std::optional<Config> config;  // set only when errors is empty
  std::vector<Diagnostic> errors;
  std::vector<Setting> effective;
  bool ok() const { return errors.empty() && config.has_value(); }
};

// Reads and checks `file`. Relative paths inside are resolved against the file's folder.
LoadResult load_file(const Path& file);

// The same for text already in memory; `name` is used in diagnostics, `base_dir` for relative paths.
LoadResult load_string(std::string_view text, std::string name, const Path& base_dir);

// Reads a secret's value (inline or from its file, trailing newline removed).
// Returns std::nullopt when the file cannot be read.
std::optional<std::string> read_secret(const Secret& secret);

}  // namespace kimgate::conf
