#include "daemon/mail_metrics.h"

#include <algorithm>
#include <cctype>

#include "net/metrics.h"

namespace kimgate::daemon {
namespace {

constexpr std::string_view kHeader = "x-kim-fehlermeldung:";

bool starts_with_header(std::string_view line) {
  if (line.size() < kHeader.size()) {
    return false;
  }
  for (std::size_t i = 0; i < kHeader.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(line[i])) != kHeader[i]) {
      return false;
    }
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

std::vector<std::string> error_codes(std::string_view mail) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < mail.size()) {
    const std::size_t end = mail.find('\n', at);
    const std::string_view line = mail.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
    if (trim(line).empty()) {
      break;  // the end of the header section
    }
    if (starts_with_header(line)) {
      const std::string_view value = trim(line.substr(kHeader.size()));
      const bool plain = !value.empty() && value.size() <= 8 && std::all_of(value.begin(), value.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0;
      });
      out.emplace_back(plain ? std::string(value) : std::string("invalid"));
    }
    if (end == std::string_view::npos) {
      break;
    }
    at = end + 1;
  }
  return out;
}

void count_error_codes(std::string_view direction, std::string_view mail) {
  for (const std::string& code : error_codes(mail)) {
    net::metrics().counter("kimgate_mail_errors_total", {direction, code}).inc();
  }
}

}  // namespace kimgate::daemon
