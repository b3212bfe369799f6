#include "ldap/entry.h"

#include <algorithm>

namespace kimgate::ldap {

namespace {

constexpr std::size_t kMaxValue = 4096;  // kimData is the longest (schema: 4096)

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

bool is_placeholder(std::string_view v) {
  return trim(v) == "-" || trim(v).empty();
}

std::optional<KimVersion> parse_version(std::string_view v) {
  v = trim(v);
  KimVersion out;
  if (!v.empty() && v.back() == '+') {
    out.large_mail = true;
    v.remove_suffix(1);
  }
  const auto dot = v.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == v.size() || v.size() > 16) {
    return std::nullopt;
  }
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i != dot && (v[i] < '0' || v[i] > '9')) {
      return std::nullopt;
    }
  }
  out.version = std::string(v);
  return out;
}

bool plausible_mail(std::string_view m) {
  const auto at = m.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == m.size() || m.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  return std::none_of(m.begin(), m.end(),
                      [](char c) { return c == ' ' || c == ',' || static_cast<unsigned char>(c) < 0x20; });
}

}  // namespace

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

void RawEntry::add(std::string_view name, std::string value) {
  attributes[ascii_lower(name)].push_back(std::move(value));
}

std::vector<std::string> RawEntry::values(std::initializer_list<std::string_view> names) const {
  for (const auto name : names) {
    const auto it = attributes.find(ascii_lower(name));
    if (it == attributes.end()) {
      continue;
    }
    std::vector<std::string> out;
    for (const auto& v : it->second) {
      if (!is_placeholder(v)) {
        out.push_back(v);
      }
    }
    if (!out.empty()) {
      return out;
    }
  }
  return {};
}

std::string RawEntry::first(std::initializer_list<std::string_view> names) const {
  auto v = values(names);
  return v.empty() ? std::string() : std::string(trim(v.front()));
}

std::string_view to_string(ParseError e) {
  switch (e) {
    case ParseError::empty:
      return "empty value";
    case ParseError::missing_separator:
      return "no ',' separator";
    case ParseError::bad_version:
      return "version is not <digits>.<digits>[+]";
    case ParseError::bad_mail:
      return "not a mail address";
    case ParseError::too_long:
      return "value too long";
  }
  return "?";
}

namespace {
// The common start of komLeData and kimData values: bounded, trimmed, non-empty, and split at the
// first comma. Sets r.error and returns npos when the value is unusable.
template <class T>
std::size_t first_comma(std::string_view& text, Parsed<T>& r) {
  if (text.size() > kMaxValue) {
    r.error = ParseError::too_long;
    return std::string_view::npos;
  }
  text = trim(text);
  const auto comma = text.find(',');
  if (text.empty() || comma == std::string_view::npos) {
    r.error = text.empty() ? ParseError::empty : ParseError::missing_separator;
  }
  return comma;
}
}  // namespace

Parsed<KomLeData> parse_kom_le_data(std::string_view text) {
  Parsed<KomLeData> r;
  const std::size_t comma = first_comma(text, r);
  if (comma == std::string_view::npos) {
    return r;
  }
  const auto version = parse_version(text.substr(0, comma));
  if (!version) {
    r.error = ParseError::bad_version;
    return r;
  }
  const std::string_view mail = trim(text.substr(comma + 1));
  if (!plausible_mail(mail)) {
    r.error = ParseError::bad_mail;
    return r;
  }
  r.value = KomLeData{*version, std::string(mail)};
  return r;
}

Parsed<KimData> parse_kim_data(std::string_view text) {
  Parsed<KimData> r;
  const std::size_t comma = first_comma(text, r);
  if (comma == std::string_view::npos) {
    return r;
  }
  const std::string_view mail = trim(text.substr(0, comma));
  if (!plausible_mail(mail)) {
    r.error = ParseError::bad_mail;
    return r;
  }
  std::string_view rest = text.substr(comma + 1);
  const auto comma2 = rest.find(',');
  const auto version = parse_version(rest.substr(0, comma2));
  if (!version) {
    r.error = ParseError::bad_version;
    return r;
  }
  KimData d{std::string(mail), *version, {}};
  if (comma2 != std::string_view::npos) {
    std::string_view tags = rest.substr(comma2 + 1);
    while (!tags.empty()) {
      const auto bar = tags.find('|');
      const std::string_view tag = trim(tags.substr(0, bar));
      if (!tag.empty()) {
        d.app_tags.emplace_back(tag);
      }
      if (bar == std::string_view::npos) {
        break;
      }
      tags.remove_prefix(bar + 1);
    }
  }
  r.value = std::move(d);
  return r;
}

std::optional<bool> parse_bool(std::string_view text) {
  const std::string v = ascii_lower(trim(text));
  if (v == "true") {
    return true;
  }
  if (v == "false") {
    return false;
  }
  return std::nullopt;
}

VzdEntry to_vzd_entry(const RawEntry& raw) {
  VzdEntry e;
  e.dn = raw.dn;
  e.telematik_id = raw.first({"telematikID"});
  e.display_name = raw.first({"displayName", "cn"});
  e.organization = raw.first({"organization"});
  e.state = raw.first({"st", "stateOrProvinceName"});
  e.locality = raw.first({"l", "localityName"});
  e.postal_code = raw.first({"postalCode"});
  e.street = raw.first({"street", "streetAddress"});
  e.entry_type = raw.first({"entryType"});
  e.personal_entry = parse_bool(raw.first({"personalEntry"}));
  for (const auto& m : raw.values({"mail"})) {
    e.mails.emplace_back(trim(m));
  }
  for (const auto& d : raw.values({"domainID"})) {
    e.domain_ids.emplace_back(trim(d));
  }
  for (const auto& p : raw.values({"professionOID"})) {
    e.profession_oids.emplace_back(trim(p));
  }
  for (const auto& v : raw.values({"komLeData"})) {
    auto p = parse_kom_le_data(v);
    if (p.ok()) {
      e.kom_le_data.push_back(std::move(*p.value));
    } else {
      e.warnings.push_back("komLeData '" + v.substr(0, 200) + "': " + std::string(to_string(p.error)));
    }
  }
  for (const auto& v : raw.values({"kimData"})) {
    auto p = parse_kim_data(v);
    if (p.ok()) {
      e.kim_data.push_back(std::move(*p.value));
    } else {
      e.warnings.push_back("kimData '" + v.substr(0, 200) + "': " + std::string(to_string(p.error)));
    }
  }
  // Certificates are binary: no placeholder filtering beyond what values() does.
  e.certificates = raw.values({"userCertificate;binary", "userCertificate"});
  e.legacy_kom_le_version = raw.first({"KOM-LE-Version"});
  return e;
}

VersionInfo kim_version_of(const VzdEntry& entry, std::string_view mail) {
  const std::string want = ascii_lower(mail);
  const KimData* kd = nullptr;
  const KomLeData* kl = nullptr;
  for (const auto& d : entry.kim_data) {
    if (ascii_lower(d.mail) == want) {
      kd = &d;
      break;
    }
  }
  for (const auto& d : entry.kom_le_data) {
    if (ascii_lower(d.mail) == want) {
      kl = &d;
      break;
    }
  }
  VersionInfo info;
  if (kd != nullptr) {
    info.version = kd->version;
    info.source = "kimData";
    if (kl != nullptr && kl->version.large_mail && kl->version.version == kd->version.version) {
      info.version.large_mail = true;
      info.source = "kimData (+ from komLeData)";
    }
    return info;
  }
  if (kl != nullptr) {
    info.version = kl->version;
    info.source = "komLeData";
    return info;
  }
  if (!entry.legacy_kom_le_version.empty()) {
    const auto v = parse_version(entry.legacy_kom_le_version);
    if (v) {
      info.version = *v;
      info.source = "KOM-LE-Version";
      return info;
    }
  }
  info.source = "default 1.0 (no komLeData)";
  return info;
}

}  // namespace kimgate::ldap
