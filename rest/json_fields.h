#pragma once
// Reading members of a provider's JSON answer tolerantly and strictly at once: an absent (or null)
// member keeps the caller's value, a present member of the wrong type is an error with a sentence
// naming it. Unknown members are the caller's to ignore. Never throws (nlohmann's get<> is only
// called after the type was checked).
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <type_traits>

namespace kimgate::rest::json_fields {

using nlohmann::json;

inline bool present(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && !it->is_null();
}

inline bool read_string(const json& j, const char* key, std::optional<std::string>& out, std::string& error) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    return true;
  }
  if (!it->is_string()) {
    error = std::string("\"") + key + "\" is not a string";
    return false;
  }
  out = it->get<std::string>();
  return true;
}

inline bool read_string(const json& j, const char* key, std::string& out, std::string& error) {
  std::optional<std::string> value;
  if (!read_string(j, key, value, error)) {
    return false;
  }
  if (value) {
    out = std::move(*value);
  }
  return true;
}

inline bool read_bool(const json& j, const char* key, std::optional<bool>& out, std::string& error) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    return true;
  }
  if (!it->is_boolean()) {
    error = std::string("\"") + key + "\" is not a boolean";
    return false;
  }
  out = it->get<bool>();
  return true;
}

// A present member must be an integer within [min, max]; absent keeps `out`.
template <typename T>
bool read_integer(const json& j, const char* key, T min, T& out, std::string& error,
                  T max = std::numeric_limits<T>::max()) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    return true;
  }
  if (!it->is_number_integer()) {
    error = std::string("\"") + key + "\" is not an integer";
    return false;
  }
  bool in_range = false;
  T value{};
  if (it->is_number_unsigned()) {  // every non-negative integer
    const auto v = it->get<std::uint64_t>();
    in_range = v <= static_cast<std::uint64_t>(max) && !(min > T{0} && v < static_cast<std::uint64_t>(min));
    value = static_cast<T>(v);
  } else if constexpr (std::is_signed_v<T>) {  // a negative integer
    const auto v = it->get<std::int64_t>();
    in_range = v >= static_cast<std::int64_t>(min);
    value = static_cast<T>(v);
  }
  if (!in_range) {
    error = std::string("\"") + key + "\" is out of range";
    return false;
  }
  out = value;
  return true;
}

template <typename T>
bool read_integer(const json& j, const char* key, T min, std::optional<T>& out, std::string& error,
                  T max = std::numeric_limits<T>::max()) {
  if (!present(j, key)) {
    return true;
  }
  T value{};
  if (!read_integer<T>(j, key, min, value, error, max)) {
    return false;
  }
  out = value;
  return true;
}

}  // namespace kimgate::rest::json_fields
