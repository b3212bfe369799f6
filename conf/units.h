#pragma once
// Pure parsers for the value syntaxes of the configuration file:
// durations ("250ms", "30s", "5m", "12h", "30d", combinations like "1h30m") and
// sizes ("512", "15MiB", "700 MiB", "1k" = 1000, "1KiB" = 1024).
// Return std::nullopt for anything else; never throw.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kimgate::conf {

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);
std::optional<std::uint64_t> parse_size(std::string_view text);

// Canonical text for `config show`: the largest exact units, e.g. 90s -> "1m30s".
std::string format_duration(std::chrono::milliseconds d);
std::string format_size(std::uint64_t bytes);

// Is `address` an IPv4/IPv6 literal, and is it a loopback one (127.0.0.0/8, ::1)?
bool is_ip_literal(std::string_view address);
bool is_loopback(std::string_view address);

}  // namespace kimgate::conf
