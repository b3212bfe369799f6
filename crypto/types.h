#pragma once
// Common value types of kimgate::crypto: byte strings and results that carry
// either a value or a sentence saying why there is none. Errors are values;
// nothing in crypto/ throws on bad input.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kimgate::crypto {

using Bytes = std::vector<std::uint8_t>;

inline Bytes to_bytes(std::string_view s) {
  return Bytes(s.begin(), s.end());
}
inline std::string to_string(const Bytes& b) {
  return std::string(b.begin(), b.end());
}

// A value or an error sentence. ok() tells which.
template <class T>
struct Result {
  std::optional<T> value;
  std::string error;

  bool ok() const { return value.has_value(); }
  static Result success(T v) { return Result{std::move(v), {}}; }
  static Result failure(std::string e) { return Result{std::nullopt, std::move(e)}; }
};

}  // namespace kimgate::crypto
