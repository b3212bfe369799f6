#include "kim/x_kas.h"

#include <nlohmann/json.hpp>

namespace kimgate::kim {

XKasParsed parse_x_kas(std::string_view text) {
  XKasParsed out;
  // parse(..., nullptr, false): no exception; a syntax error gives a discarded value.
  const nlohmann::json j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    out.error = "x-kas: not a JSON object";
    return out;
  }
  for (const char* key : {"link", "k", "hash"}) {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_string()) {
      out.error = std::string("x-kas: member \"") + key + "\" missing or not a string";
      return out;
    }
  }
  const auto size = j.find("size");
  if (size == j.end() || !size->is_number_unsigned()) {
    out.error = "x-kas: member \"size\" missing or not a non-negative integer";
    return out;
  }
  KasReference ref;
  ref.link = j.at("link").get<std::string>();
  ref.k = j.at("k").get<std::string>();
  ref.hash = j.at("hash").get<std::string>();
  ref.size = size->get<std::uint64_t>();
  out.value = std::move(ref);
  return out;
}

std::string format_x_kas(const KasReference& ref) {
  nlohmann::ordered_json j;
  j["link"] = ref.link;
  j["k"] = ref.k;
  j["hash"] = ref.hash;
  j["size"] = ref.size;
  // Invalid UTF-8 in a member is replaced, not thrown on: the structure is ours and ASCII anyway.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace kimgate::kim
