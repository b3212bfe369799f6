#pragma once
// TableReader: typed, bounded access to one TOML table that remembers which keys
// were consumed, so that every key nobody asked for becomes an "unknown key" error.
// Internal to conf/; load.cpp uses it section by section.
#include <toml++/toml.h>

#include <functional>
#include <initializer_list>
#include <utility>

#include "conf/load.h"

namespace kimgate::conf::detail {

struct Context {
  std::string file;
  Path base_dir;
  std::vector<Diagnostic>& errors;
  std::vector<Setting>& effective;
};

enum class FileCheck { none, readable };

class TableReader {
 public:
  TableReader(Context& ctx, const toml::table* table, std::string path);

  void boolean(std::string_view key, bool& out);
  void string(std::string_view key, std::string& out, bool required = false);
  void integer(std::string_view key, std::uint64_t& out, std::uint64_t min, std::uint64_t max);
  // A TOML float or integer within [min, max].
  void real(std::string_view key, double& out, double min, double max);
  void port(std::string_view key, std::uint16_t& out, bool required);
  void size(std::string_view key, std::uint64_t& out, std::uint64_t min, std::uint64_t max);
  void duration(std::string_view key, Duration& out, Duration min, Duration max);
  void path(std::string_view key, Path& out, FileCheck check, bool required = false);
  void paths(std::string_view key, std::vector<Path>& out, FileCheck check);
  void strings(std::string_view key, std::vector<std::string>& out);
  // `key` inline or `key_file`; both at once is an error.
  void secret(std::string_view key, Secret& out);

  template <class E>
  void choice(std::string_view key, E& out, std::initializer_list<std::pair<std::string_view, E>> names);

  // Sub-tables and arrays of tables; nullptr when absent (wrong type is reported).
  const toml::table* table(std::string_view key);
  const toml::array* array_of_tables(std::string_view key);

  // A key that no longer exists: when present, `sentence` (what to write instead) is reported
  // rather than "unknown key", and the key is not listed among the known ones.
  void retired(std::string_view key, const std::string& sentence);

  // Reports every key of the table that no accessor consumed.
  void finish();

  // Diagnostics at the position of a key's value (or of the table when absent).
  void error_at(std::string_view key, const std::string& message);
  void error_here(const std::string& message);
  bool has(std::string_view key) const;
  const std::string& path() const { return path_; }

 private:
  const toml::node* take(std::string_view key);
  void record(std::string_view key, std::string value, bool is_default);
  void error(const toml::source_region& where, const std::string& message);
  void type_error(std::string_view key, const toml::node& node, std::string_view expected);
  std::string full(std::string_view key) const;

  Context& ctx_;
  const toml::table* table_;
  std::string path_;
  std::vector<std::string> consumed_;
  std::vector<std::string> retired_;
};

template <class E>
void TableReader::choice(std::string_view key, E& out, std::initializer_list<std::pair<std::string_view, E>> names) {
  std::string current;
  std::string allowed;
  for (const auto& [name, value] : names) {
    if (value == out && current.empty()) {
      current = name;
    }
    allowed += (allowed.empty() ? "" : ", ") + std::string("\"") + std::string(name) + "\"";
  }
  const toml::node* node = take(key);
  if (node == nullptr) {
    record(key, "\"" + current + "\"", true);
    return;
  }
  const auto* s = node->as_string();
  if (s == nullptr) {
    type_error(key, *node, "a string");
    return;
  }
  for (const auto& [name, value] : names) {
    if (name == s->get()) {
      out = value;
      record(key, "\"" + std::string(name) + "\"", false);
      return;
    }
  }
  error(node->source(), full(key) + " is \"" + s->get() + "\", which is not one of " + allowed);
}

}  // namespace kimgate::conf::detail
