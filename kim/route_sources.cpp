#include "kim/route_sources.h"

#include <ctime>
#include <pugixml.hpp>

#include "kim/raw_message.h"
#include "kim/route_text.h"

namespace kimgate::kim {

namespace {

bool nine_digits(std::string_view s) {
  if (s.size() != 9) {
    return false;
  }
  for (const char c : s) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

std::string trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return std::string(s);
}

// eHD values: the V attribute, else EX, else the text.
std::string value_of(const pugi::xml_node& n) {
  if (!n) {
    return {};
  }
  if (const pugi::xml_attribute v = n.attribute("V")) {
    return trimmed(v.value());
  }
  if (const pugi::xml_attribute ex = n.attribute("EX")) {
    return trimmed(ex.value());
  }
  return trimmed(n.text().get());
}

std::string child_value(const pugi::xml_node& parent, std::string_view name) {
  return value_of(route_text::child_named(parent, name));
}

// YYYY-MM-DD (a dateTime is cut to its date); nullopt when it is not one.
std::optional<std::string> date_of(const std::string& s) {
  if (s.empty()) {
    return std::string();
  }
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') {
    return std::nullopt;
  }
  for (const std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (s[i] < '0' || s[i] > '9') {
      return std::nullopt;
    }
  }
  return s.substr(0, 10);
}

std::string validity(const pugi::xml_node& anwendung, const char* name) {
  if (const pugi::xml_attribute a = anwendung.attribute(name)) {
    return trimmed(a.value());
  }
  return child_value(anwendung, name);
}

void walk_kv(const pugi::xml_node& kv, Sdkvca& out, SdkvcaResult& result) {
  const std::string number = child_value(kv, "id");
  if (number.empty()) {
    result.warnings.push_back("a kv element without id was skipped");
    return;
  }
  const pugi::xml_node list = route_text::child_named(kv, "anwendungsliste");
  for (pugi::xml_node a = list.first_child(); a; a = a.next_sibling()) {
    if (a.type() != pugi::node_element || route_text::local_name(a) != "anwendung") {
      continue;
    }
    SdkvcaService s;
    s.kv = number;
    s.service = child_value(a, "id");
    s.version = child_value(a, "version");
    const auto from = date_of(validity(a, "gueltig_ab"));
    const auto to = date_of(validity(a, "gueltig_bis"));
    if (s.service.empty() || !from || !to) {
      result.warnings.push_back("KV " + number + ": an anwendung without id or with a bad validity date was skipped");
      continue;
    }
    s.valid_from = *from;
    s.valid_to = *to;
    s.email = child_value(a, "email");
    s.test_email = child_value(a, "test_email");
    s.kim_email = child_value(a, "kim_email");
    s.kim_test_email = child_value(a, "kim_test_email");
    out.services.push_back(std::move(s));
  }
}

void find_kvs(const pugi::xml_node& n, Sdkvca& out, SdkvcaResult& result, int depth) {
  if (depth > 16) {
    return;
  }
  for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) {
      continue;
    }
    if (route_text::local_name(c) == "kv") {
      walk_kv(c, out, result);
    } else {
      find_kvs(c, out, result, depth + 1);
    }
  }
}

int version_number(const std::string& v) {
  int n = 0;
  for (const char c : v) {
    if (c < '0' || c > '9' || n > 100000) {
      break;
    }
    n = n * 10 + (c - '0');
  }
  return n;
}

}  // namespace

std::string KostentraegerTable::haupt_ik_of(const std::string& ik) const {
  const auto it = haupt_ik.find(ik);
  return it == haupt_ik.end() ? ik : it->second;
}

KostentraegerResult parse_kostentraeger(std::string_view text, std::string_view file_name) {
  KostentraegerResult result;
  KostentraegerTable table;
  table.source = std::string(file_name);
  std::size_t line_no = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (const std::size_t hash = line.find('#'); hash != std::string_view::npos) {
      line = line.substr(0, hash);
    }
    const std::string t = trimmed(line);
    if (t.empty()) {
      continue;
    }
    const std::size_t sp = t.find_first_of(" \t");
    const std::string ik = t.substr(0, sp);
    const std::string haupt = sp == std::string::npos ? std::string() : trimmed(std::string_view(t).substr(sp));
    const std::string where = std::string(file_name) + ":" + std::to_string(line_no);
    if (!nine_digits(ik) || !nine_digits(haupt)) {
      result.errors.push_back(where + ": expected '<IK> <Haupt-IK>', two numbers of 9 digits");
      continue;
    }
    if (!table.haupt_ik.emplace(ik, haupt).second) {
      result.errors.push_back(where + ": the IK " + ik + " is listed twice");
    }
  }
  if (result.errors.empty()) {
    result.table = std::move(table);
  }
  return result;
}

SdkvcaResult parse_sdkvca(std::string_view xml, std::string_view file_name) {
  SdkvcaResult result;
  if (xml.size() > kMaxMasterFile) {
    result.error = std::string(file_name) + " is larger than 16 MiB; that is no SDKVCA file";
    return result;
  }
  pugi::xml_document doc;
  const pugi::xml_parse_result parsed =
      doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!parsed) {
    result.error = std::string(file_name) + ": not well-formed XML at offset " + std::to_string(parsed.offset) + " (" +
                   parsed.description() + ")";
    return result;
  }
  Sdkvca out;
  out.source = std::string(file_name);
  find_kvs(doc, out, result, 0);
  if (out.services.empty()) {
    result.error = std::string(file_name) + " lists no kv/anwendungsliste/anwendung; is it an SDKVCA file?";
    return result;
  }
  result.file = std::move(out);
  return result;
}

const SdkvcaService* Sdkvca::find(std::string_view kv, std::string_view service, std::string_view date) const {
  const SdkvcaService* best = nullptr;
  for (const auto& s : services) {
    if (s.kv != kv || !iequals(s.service, service)) {
      continue;
    }
    if ((!s.valid_from.empty() && date < s.valid_from) || (!s.valid_to.empty() && date > s.valid_to)) {
      continue;
    }
    if (best == nullptr || version_number(s.version) > version_number(best->version)) {
      best = &s;
    }
  }
  return best;
}

const SdkvcaService* Sdkvca::by_kv_connect_address(std::string_view address, bool* test) const {
  for (const auto& s : services) {
    if (!s.email.empty() && iequals(s.email, address)) {
      *test = false;
      return &s;
    }
    if (!s.test_email.empty() && iequals(s.test_email, address)) {
      *test = true;
      return &s;
    }
  }
  return nullptr;
}

std::string sdkvca_kim_address(const SdkvcaService& s, bool test) {
  return test && !s.kim_test_email.empty() ? s.kim_test_email : s.kim_email;
}

std::string iso_utc(long long epoch_seconds) {
  const std::time_t t = static_cast<std::time_t>(epoch_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string iso_date(long long epoch_seconds) {
  return iso_utc(epoch_seconds).substr(0, 10);
}

}  // namespace kimgate::kim
