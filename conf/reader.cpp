#include "conf/reader.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "conf/units.h"

namespace kimgate::conf::detail {
namespace {

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out + "\"";
}

std::string_view type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a floating-point number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time:
      return "a date/time";
    default:
      return "nothing";
  }
}

}  // namespace

TableReader::TableReader(Context& ctx, const toml::table* table, std::string path)
    : ctx_(ctx), table_(table), path_(std::move(path)) {}

std::string TableReader::full(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

bool TableReader::has(std::string_view key) const {
  return table_ != nullptr && table_->get(key) != nullptr;
}

const toml::node* TableReader::take(std::string_view key) {
  consumed_.emplace_back(key);
  return table_ == nullptr ? nullptr : table_->get(key);
}

void TableReader::record(std::string_view key, std::string value, bool is_default) {
  ctx_.effective.push_back(Setting{full(key), std::move(value), is_default});
}

void TableReader::error(const toml::source_region& where, const std::string& message) {
  ctx_.errors.push_back(Diagnostic{ctx_.file, static_cast<std::uint32_t>(where.begin.line),
                                   static_cast<std::uint32_t>(where.begin.column), message});
}

void TableReader::error_at(std::string_view key, const std::string& message) {
  const toml::node* node = table_ == nullptr ? nullptr : table_->get(key);
  if (node != nullptr) {
    error(node->source(), message);
  } else {
    error_here(message);
  }
}

void TableReader::error_here(const std::string& message) {
  if (table_ != nullptr) {
    error(table_->source(), message);
  } else {
    ctx_.errors.push_back(Diagnostic{ctx_.file, 1, 1, message});
  }
}

void TableReader::type_error(std::string_view key, const toml::node& node, std::string_view expected) {
  error(node.source(), full(key) + " must be " + std::string(expected) + ", not " + std::string(type_name(node)));
}

void TableReader::boolean(std::string_view key, bool& out) {
  const toml::node* node = take(key);
  if (node == nullptr) {
    record(key, out ? "true" : "false", true);
    return;
  }
  if (const auto* b = node->as_boolean()) {
    out = b->get();
    record(key, out ? "true" : "false", false);
  } else {
    type_error(key, *node, "true or false");
  }
}

void TableReader::string(std::string_view key, std::string& out, bool required) {
  const toml::node* node = take(key);
  if (node == nullptr) {
    if (required) {
      error_here(full(key) + " is required");
    }
    record(key, quote(out), true);
    return;
  }
  if (const auto* s = node->as_string()) {
    out = s->get();
    record(key, quote(out), false);
  } else {
    type_error(key, *node, "a string");
  }
}

void TableReader::integer(std::string_view key, std::uint64_t& out, std::uint64_t min, std::uint64_t max) {
  const toml::node* node = take(key);
  if (node == nullptr) {
    record(key, std::to_string(out), true);
    return;
  }
  const auto* i = node->as_integer();
  if (i == nullptr) {
    type_error(key, *node, "an integer");
    return;
  }
  const std::int64_t v = i->get();
  if (v < 0 || static_cast<std::uint64_t>(v) < min || static_cast<std::uint64_t>(v) > max) {
    error(node->source(), full(key) + " is " + std::to_string(v) + ", outside the allowed range " +
                              std::to_string(min) + " to " + std::to_string(max));
    return;
  }
  out = static_cast<std::uint64_t>(v);
  record(key, std::to_string(out), false);
}

namespace {
std::string number_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}
}  // namespace

void TableReader::real(std::string_view key, double& out, double min, double max) {
  const toml::node* node = take(key);
  if (node == nullptr) {
    record(key, number_text(out), true);
    return;
  }
  double v = 0;
  if (const auto* f = node->as_floating_point()) {
    v = f->get();
  } else if (const auto* i = node->as_integer()) {
    v = static_cast<double>(i->get());
  } else {
    type_error(key, *node, "a number");
    return;
  }
  if (!(v >= min && v <= max)) {
    error(node->source(), full(key) + " is " + number_text(v) + ", outside the allowed range " + number_text(min) +
                              " to " + number_text(max));
    return;
  }
  out = v;
  record(key, number_text(out), false);
}

void TableReader::port(std::string_view key, std::uint16_t& out, bool required) {
  if (required && !has(key)) {
    error_here(full(key) + " is required");
    consumed_.emplace_back(key);
    return;
  }
  std::uint64_t v = out;
  integer(key, v, 1, 65535);
  out = static_cast<std::uint16_t>(v);
}

void TableReader::size(std::string_view key, std::uint64_t& out, std::uint64_t min, std::uint64_t max) {
  const toml::node* node = take(key);
  if (node == nullptr) {
    record(key, quote(format_size(out)), true);
    return;
  }
  std::optional<std::uint64_t> v;
  if (const auto* i = node->as_integer()) {
    if (i->get() >= 0) {
      v = static_cast<std::uint64_t>(i->get());
    }
  } else if (const auto* s = node->as_string()) {
    v = parse_size(s->get());
    if (!v) {
      error(node->source(),
            full(key) + " is \"" + s->get() + "\", which is not a size (write bytes, or e.g. \"512KiB\", \"15MiB\")");
      return;
    }
  } else {
    type_error(key, *node, "a size (an integer number of bytes or a string like \"15MiB\")");
    return;
  }
  if (!v || *v < min || *v > max) {
    error(node->source(),
          full(key) + " is outside the allowed range " + format_size(min) + " to " + format_size(max) + " bytes");
    return;
  }
  out = *v;
  record(key, quote(format_size(out)), false);
}

void TableReader::duration(std::string_view key, Duration& out, Duration min, Duration max) {
  const toml::node* node = take(key);
  if (node == nullptr) {
    record(key, quote(format_duration(out)), true);
    return;
  }
  const auto* s = node->as_string();
  if (s == nullptr) {
    type_error(key, *node, "a duration string such as \"30s\", \"5m\" or \"12h\"");
    return;
  }
  const auto v = parse_duration(s->get());
  if (!v) {
    error(node->source(), full(key) + " is \"" + s->get() +
                              "\", which is not a duration (use ms, s, m, h, d, e.g. \"5m\" or \"1h30m\")");
    return;
  }
  if (*v < min || *v > max) {
    error(node->source(), full(key) + " is " + format_duration(*v) + ", outside the allowed range " +
                              format_duration(min) + " to " + format_duration(max));
    return;
  }
  out = *v;
  record(key, quote(format_duration(out)), false);
}

void TableReader::path(std::string_view key, Path& out, FileCheck check, bool required) {
  const toml::node* node = take(key);
  if (node == nullptr) {
    if (required) {
      error_here(full(key) + " is required");
    }
    record(key, quote(out.string()), true);
    return;
  }
  const auto* s = node->as_string();
  if (s == nullptr) {
    type_error(key, *node, "a file path string");
    return;
  }
  if (s->get().empty()) {
    error(node->source(), full(key) + " is empty; leave the key out instead");
    return;
  }
  Path p = s->get();
  if (p.is_relative()) {
    p = ctx_.base_dir / p;
  }
  if (check == FileCheck::readable && ::access(p.c_str(), R_OK) != 0) {
    error(node->source(), full(key) + ": cannot read \"" + p.string() + "\" (" + std::strerror(errno) + ")");
    return;
  }
  out = p;
  record(key, quote(out.string()), false);
}

void TableReader::paths(std::string_view key, std::vector<Path>& out, FileCheck check) {
  const toml::node* node = take(key);
  if (node == nullptr) {
    record(key, "[]", true);
    return;
  }
  const auto* arr = node->as_array();
  if (arr == nullptr) {
    type_error(key, *node, "an array of file path strings");
    return;
  }
  std::string shown = "[";
  for (const auto& item : *arr) {
    const auto* s = item.as_string();
    if (s == nullptr) {
      type_error(key, item, "a file path string");
      continue;
    }
    Path p = s->get();
    if (p.is_relative()) {
      p = ctx_.base_dir / p;
    }
    if (check == FileCheck::readable && ::access(p.c_str(), R_OK) != 0) {
      error(item.source(), full(key) + ": cannot read \"" + p.string() + "\" (" + std::strerror(errno) + ")");
      continue;
    }
    shown += (shown.size() > 1 ? ", " : "") + quote(p.string());
    out.push_back(p);
  }
  record(key, shown + "]", false);
}

void TableReader::strings(std::string_view key, std::vector<std::string>& out) {
  const toml::node* node = take(key);
  std::string shown = "[";
  if (node == nullptr) {
    for (const auto& s : out) {
      shown += (shown.size() > 1 ? ", " : "") + quote(s);
    }
    record(key, shown + "]", true);
    return;
  }
  const auto* arr = node->as_array();
  if (arr == nullptr) {
    type_error(key, *node, "an array of strings");
    return;
  }
  out.clear();
  for (const auto& item : *arr) {
    if (const auto* s = item.as_string()) {
      out.push_back(s->get());
      shown += (shown.size() > 1 ? ", " : "") + quote(s->get());
    } else {
      type_error(key, item, "a string");
    }
  }
  record(key, shown + "]", false);
}

void TableReader::secret(std::string_view key, Secret& out) {
  const std::string file_key = std::string(key) + "_file";
  const bool inline_given = has(key);
  const bool file_given = has(file_key);
  if (inline_given && file_given) {
    error_at(key, full(key) + " and " + full(file_key) + " are both set; give the secret only once");
  }
  const toml::node* node = take(key);
  if (node != nullptr) {
    if (const auto* s = node->as_string()) {
      out.inline_value = s->get();
      record(key, "\"<redacted>\"", false);
    } else {
      type_error(key, *node, "a string");
    }
  }
  if (file_given || !inline_given) {
    path(file_key, out.file, FileCheck::readable);
  } else {
    consumed_.push_back(file_key);
  }
}

const toml::table* TableReader::table(std::string_view key) {
  const toml::node* node = take(key);
  if (node == nullptr) {
    return nullptr;
  }
  if (const auto* t = node->as_table()) {
    return t;
  }
  type_error(key, *node, "a table ([" + full(key) + "])");
  return nullptr;
}

const toml::array* TableReader::array_of_tables(std::string_view key) {
  const toml::node* node = take(key);
  if (node == nullptr) {
    return nullptr;
  }
  const auto* arr = node->as_array();
  if (arr == nullptr || !arr->is_array_of_tables()) {
    type_error(key, *node, "an array of tables ([[" + full(key) + "]])");
    return nullptr;
  }
  return arr;
}

void TableReader::retired(std::string_view key, const std::string& sentence) {
  retired_.emplace_back(key);
  if (const toml::node* node = table_ == nullptr ? nullptr : table_->get(key)) {
    error(node->source(), sentence);
  }
}

void TableReader::finish() {
  if (table_ == nullptr) {
    return;
  }
  for (const auto& [k, v] : *table_) {
    if (std::find(consumed_.begin(), consumed_.end(), k.str()) != consumed_.end() ||
        std::find(retired_.begin(), retired_.end(), k.str()) != retired_.end()) {
      continue;
    }
    std::string known;
    for (const auto& c : consumed_) {
      known += (known.empty() ? "" : ", ") + c;
    }
    const std::string where = path_.empty() ? "at the top level" : "in [" + path_ + "]";
    error(k.source(), "unknown key \"" + std::string(k.str()) + "\" " + where + "; known keys: " + known);
  }
}

}  // namespace kimgate::conf::detail
