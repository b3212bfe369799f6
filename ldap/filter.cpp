#include "ldap/filter.h"

namespace kimgate::ldap {

std::string escape_filter_value(std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(value.size());
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    const bool special = c == '*' || c == '(' || c == ')' || c == '\\' || c == 0;
    if (special || c < 0x20 || c >= 0x7f) {
      out.push_back('\\');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0f]);
    } else {
      out.push_back(ch);
    }
  }
  return out;
}

namespace {
std::string equality(std::string_view attribute, std::string_view value) {
  std::string f = "(";
  f += attribute;
  f += '=';
  f += escape_filter_value(value);
  f += ')';
  return f;
}
}  // namespace

std::string filter_by_mail(std::string_view mail) {
  return equality("mail", mail);
}

std::string filter_by_telematik_id(std::string_view telematik_id) {
  return equality("telematikID", telematik_id);
}

std::string filter_insurer_by_ik(std::string_view ik) {
  return "(&" + equality("domainID", ik) + "(entryType=5))";
}

std::string filter_kv(const std::vector<std::string>& profession_oids, std::string_view region_code,
                      std::string_view state_name) {
  std::string oids;
  for (const auto& oid : profession_oids) {
    oids += equality("professionOID", oid);
  }
  if (profession_oids.size() != 1) {
    oids = "(|" + oids + ")";
  }
  std::string region;
  if (!region_code.empty()) {
    region += equality("domainID", region_code);
  }
  if (!state_name.empty()) {
    region += equality("st", state_name);
  }
  if (region.empty()) {
    return oids;
  }
  if (!region_code.empty() && !state_name.empty()) {
    region = "(|" + region + ")";
  }
  return "(&" + oids + region + ")";
}

std::string filter_name_search(std::string_view text) {
  const std::string v = "*" + escape_filter_value(text) + "*";
  std::string f = "(|";
  for (const char* attribute : {"displayName", "cn", "sn", "givenName", "mail", "telematikID"}) {
    f += "(";
    f += attribute;
    f += "=";
    f += v;
    f += ")";
  }
  f += ")";
  return f;
}

}  // namespace kimgate::ldap
