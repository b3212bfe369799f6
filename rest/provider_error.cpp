#include "rest/provider_error.h"

#include <nlohmann/json.hpp>

namespace kimgate::rest {

namespace {

// Printable ASCII and UTF-8 bytes stay; controls become '?'; at most `max` bytes.
std::string printable(std::string_view s, std::size_t max) {
  std::string out;
  for (const char c : s.substr(0, max)) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u == 0x7f ? '?' : c);
  }
  if (s.size() > max) {
    out.append("...");
  }
  return out;
}

}  // namespace

ProviderError parse_provider_error(std::string_view body) {
  ProviderError out;
  const nlohmann::json j = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
  if (!j.is_object()) {
    return out;
  }
  const auto message = j.find("message");
  if (message != j.end() && message->is_string()) {
    out.message = message->get<std::string>();
  }
  const auto trace = j.find("traceId");
  if (trace != j.end() && trace->is_string()) {
    out.trace_id = trace->get<std::string>();
  }
  return out;
}

std::string describe_status(int status, std::string_view body) {
  const ProviderError e = parse_provider_error(body);
  std::string out = "HTTP " + std::to_string(status);
  if (!e.message.empty()) {
    out.append(": ").append(printable(e.message, 300));
  }
  if (!e.trace_id.empty()) {
    out.append(" (traceId ").append(printable(e.trace_id, 255)).append(")");
  }
  return out;
}

}  // namespace kimgate::rest
