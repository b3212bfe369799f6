#include "kim/route_services.h"

#include "kim/raw_message.h"
#include "kim/route_text.h"

namespace kimgate::kim {

namespace {

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t p = s.find(sep, start);
    out.push_back(s.substr(start, p == std::string_view::npos ? std::string_view::npos : p - start));
    if (p == std::string_view::npos) {
      return out;
    }
    start = p + 1;
  }
}

std::vector<std::string_view> fields_of(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) {
      ++i;
    }
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') {
      ++i;
    }
    if (i > start) {
      out.push_back(line.substr(start, i - start));
    }
  }
  return out;
}

bool name_ok(std::string_view s) {
  if (s.empty() || s.size() > 40) {
    return false;
  }
  for (const char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
      return false;
    }
  }
  return true;
}

bool token_ok(std::string_view s) {
  if (s.empty() || s.size() > 100) {
    return false;
  }
  for (const char c : s) {
    if (c <= ' ' || c > '~' || c == ',' || c == '#') {
      return false;
    }
  }
  return true;
}

// One line's fields into a service; the sentence of the first problem otherwise.
std::optional<std::string> read_service(const std::vector<std::string_view>& f, RouteService& s) {
  if (f.size() != 6) {
    return "expected 6 fields (service recipient app-tag sdkvca-id rule dienstkennungen), found " +
           std::to_string(f.size());
  }
  if (!name_ok(f[0])) {
    return "the service name '" + std::string(f[0]) + "' may have only lower-case letters, digits and '-'";
  }
  s.name = std::string(f[0]);
  if (f[1] == "insurer") {
    s.recipient = RouteRecipient::insurer;
  } else if (f[1] == "kv") {
    s.recipient = RouteRecipient::kv;
  } else {
    return "the recipient must be 'insurer' or 'kv', not '" + std::string(f[1]) + "'";
  }
  if (!token_ok(f[2])) {
    return "the application tag '" + std::string(f[2]) + "' is not a printable token";
  }
  s.app_tag = std::string(f[2]);
  if (f[3] != "-") {
    if (!token_ok(f[3])) {
      return "the SDKVCA id '" + std::string(f[3]) + "' is not a printable token";
    }
    s.sdkvca_id = std::string(f[3]);
  }
  const std::string_view rule = f[4];
  if (rule == "-") {
    s.rule = RouteRule::none;
  } else if (rule == "billing-bsnr") {
    s.rule = RouteRule::billing_bsnr;
  } else if (rule == "begleitdatei") {
    s.rule = RouteRule::begleitdatei;
  } else if (rule.substr(0, 11) == "extensions=") {
    s.rule = RouteRule::extensions;
    for (const std::string_view e : split(rule.substr(11), ',')) {
      if (e.size() < 2 || e.front() != '.' || !token_ok(e)) {
        return "the extension '" + std::string(e) + "' must start with '.' (extensions=.pdf,.zip)";
      }
      s.extensions.push_back(route_text::ascii_lower(e));
    }
  } else {
    return "unknown rule '" + std::string(rule) + "' (-, extensions=..., billing-bsnr, begleitdatei)";
  }
  if (f[5] == "-") {
    return std::nullopt;  // no Dienstkennung of its own
  }
  for (const std::string_view dk : split(f[5], ',')) {
    if (!valid_dienstkennung(dk)) {
      return "'" + std::string(dk) + "' is not a Dienstkennung <application>;<type>;<version>";
    }
    s.dienstkennungen.emplace_back(dk);
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(RouteRule r) {
  switch (r) {
    case RouteRule::none:
      return "none";
    case RouteRule::extensions:
      return "allowed file types";
    case RouteRule::billing_bsnr:
      return "billing BSNR";
    case RouteRule::begleitdatei:
      return "begleitdatei.xml";
  }
  return "?";
}

bool reads_attachments(RouteRule r) {
  return r == RouteRule::extensions || r == RouteRule::begleitdatei;
}

bool valid_dienstkennung(std::string_view dk) {
  const auto parts = split(dk, ';');
  if (parts.size() != 3) {
    return false;
  }
  for (const std::string_view p : parts) {
    if (p.empty() || p.size() > 80) {
      return false;
    }
    for (const char c : p) {
      if (c <= ' ' || c > '~' || c == ',') {
        return false;
      }
    }
  }
  return true;
}

const RouteService* ServiceTable::find(std::string_view name) const {
  for (const auto& s : services) {
    if (iequals(s.name, name)) {
      return &s;
    }
  }
  return nullptr;
}

const RouteService* ServiceTable::by_dienstkennung(std::string_view dienstkennung) const {
  for (const auto& s : services) {
    for (const auto& dk : s.dienstkennungen) {
      if (iequals(dk, dienstkennung)) {
        return &s;
      }
    }
  }
  return nullptr;
}

ServiceTableResult parse_service_table(std::string_view text, std::string_view file_name) {
  ServiceTableResult result;
  ServiceTable table;
  std::size_t line_no = 0;
  for (std::string_view line : split(text, '\n')) {
    ++line_no;
    const std::string where = std::string(file_name) + ":" + std::to_string(line_no);
    if (const std::size_t hash = line.find('#'); hash != std::string_view::npos) {
      line = line.substr(0, hash);
    }
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    const auto f = fields_of(line);
    if (f.empty()) {
      continue;
    }
    RouteService s;
    s.source = where;
    if (auto problem = read_service(f, s)) {
      result.errors.push_back(where + ": " + *problem);
      continue;
    }
    if (table.find(s.name) != nullptr) {
      result.errors.push_back(where + ": the service '" + s.name + "' is listed twice");
      continue;
    }
    for (const auto& dk : s.dienstkennungen) {
      if (const RouteService* other = table.by_dienstkennung(dk)) {
        result.errors.push_back(where + ": the Dienstkennung '" + dk + "' already belongs to '" + other->name + "'");
      }
    }
    table.services.push_back(std::move(s));
  }
  const RouteService* eau = table.find("eau");
  if (eau == nullptr || eau->recipient != RouteRecipient::insurer) {
    result.errors.push_back(std::string(file_name) + ": the table needs a service 'eau' with recipient 'insurer'");
  }
  if (result.errors.empty()) {
    result.table = std::move(table);
  }
  return result;
}

}  // namespace kimgate::kim
