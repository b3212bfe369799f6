#include "conf/units.h"

#include <arpa/inet.h>

#include <array>
#include <cctype>
#include <limits>

namespace kimgate::conf {
namespace {

struct Unit {
  std::string_view name;
  std::uint64_t factor;
};

// Longest names first so that "ms" is not read as "m" followed by garbage.
constexpr std::array<Unit, 7> kDurationUnits{{{"ms", 1},
                                              {"s", 1000},
                                              {"m", 60'000},
                                              {"min", 60'000},
                                              {"h", 3'600'000},
                                              {"d", 86'400'000},
                                              {"w", 7 * 86'400'000ULL}}};

constexpr std::array<Unit, 9> kSizeUnits{{{"", 1},
                                          {"B", 1},
                                          {"k", 1000},
                                          {"KiB", 1ULL << 10},
                                          {"M", 1000 * 1000},
                                          {"MiB", 1ULL << 20},
                                          {"G", 1000ULL * 1000 * 1000},
                                          {"GiB", 1ULL << 30},
                                          {"KB", 1000}}};

bool mul_add(std::uint64_t& acc, std::uint64_t value, std::uint64_t factor) {
  if (factor != 0 && value > std::numeric_limits<std::uint64_t>::max() / factor) {
    return false;
  }
  const std::uint64_t part = value * factor;
  if (acc > std::numeric_limits<std::uint64_t>::max() - part) {
    return false;
  }
  acc += part;
  return true;
}

// Reads digits at `pos`; false if there are none or they overflow.
bool read_number(std::string_view text, std::size_t& pos, std::uint64_t& out) {
  const std::size_t start = pos;
  out = 0;
  while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos])) != 0) {
    const auto digit = static_cast<std::uint64_t>(text[pos] - '0');
    if (out > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) {
      return false;
    }
    out = out * 10 + digit;
    ++pos;
  }
  return pos > start;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) {
    s.remove_prefix(1);
  }
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  text = trim(text);
  if (text.empty()) {
    return std::nullopt;
  }
  std::uint64_t total = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::uint64_t value = 0;
    if (!read_number(text, pos, value)) {
      return std::nullopt;
    }
    std::size_t end = pos;
    while (end < text.size() && std::isalpha(static_cast<unsigned char>(text[end])) != 0) {
      ++end;
    }
    const std::string_view name = text.substr(pos, end - pos);
    const Unit* unit = nullptr;
    for (const auto& u : kDurationUnits) {
      if (u.name == name) {
        unit = &u;
      }
    }
    if (unit == nullptr || !mul_add(total, value, unit->factor)) {
      return std::nullopt;
    }
    pos = end;
  }
  if (total > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return std::nullopt;
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(total));
}

std::optional<std::uint64_t> parse_size(std::string_view text) {
  text = trim(text);
  std::size_t pos = 0;
  std::uint64_t value = 0;
  if (!read_number(text, pos, value)) {
    return std::nullopt;
  }
  const std::string_view name = trim(text.substr(pos));
  for (const auto& u : kSizeUnits) {
    if (u.name == name) {
      std::uint64_t total = 0;
      if (!mul_add(total, value, u.factor)) {
        return std::nullopt;
      }
      return total;
    }
  }
  return std::nullopt;
}

std::string format_duration(std::chrono::milliseconds d) {
  std::uint64_t ms = static_cast<std::uint64_t>(d.count());
  if (ms == 0) {
    return "0s";
  }
  struct Part {
    const char* name;
    std::uint64_t factor;
  };
  constexpr std::array<Part, 5> parts{{{"d", 86'400'000}, {"h", 3'600'000}, {"m", 60'000}, {"s", 1000}, {"ms", 1}}};
  std::string out;
  for (const auto& p : parts) {
    if (ms >= p.factor) {
      out += std::to_string(ms / p.factor) + p.name;
      ms %= p.factor;
    }
  }
  return out;
}

std::string format_size(std::uint64_t bytes) {
  if (bytes != 0 && bytes % (1ULL << 20) == 0) {
    return std::to_string(bytes >> 20) + "MiB";
  }
  if (bytes != 0 && bytes % (1ULL << 10) == 0) {
    return std::to_string(bytes >> 10) + "KiB";
  }
  return std::to_string(bytes);
}

bool is_ip_literal(std::string_view address) {
  const std::string s(address);
  std::array<unsigned char, 16> buf{};
  return inet_pton(AF_INET, s.c_str(), buf.data()) == 1 || inet_pton(AF_INET6, s.c_str(), buf.data()) == 1;
}

bool is_loopback(std::string_view address) {
  const std::string s(address);
  std::array<unsigned char, 16> buf{};
  if (inet_pton(AF_INET, s.c_str(), buf.data()) == 1) {
    return buf[0] == 127;
  }
  if (inet_pton(AF_INET6, s.c_str(), buf.data()) == 1) {
    static constexpr std::array<unsigned char, 16> kLoop{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    return buf == kLoop;
  }
  return false;
}

}  // namespace kimgate::conf
