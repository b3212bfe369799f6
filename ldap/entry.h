#pragma once
// VZD entries as returned over LDAP, and the parsers for their KIM data (vzd-ldap.md §2).
// Pure code: input is attribute values as bytes, output is values or typed errors.
//
// Quirks handled here: `-` means "not set"; booleans come as TRUE/true/FALSE/false;
// attributes come under alternative names (street/streetAddress, l/localityName,
// st/stateOrProvinceName, userCertificate;binary/userCertificate); attribute names
// compare case-insensitively. komLeData is `<version>,<mail>`, kimData is
// `<mail>,<version>[,<appTags>]` — the opposite field order.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kimgate::ldap {

// One entry as the wire gave it: attribute name (lower-case) -> values (raw bytes).
struct RawEntry {
  std::string dn;
  std::map<std::string, std::vector<std::string>> attributes;
  void add(std::string_view name, std::string value);
  // Values of the first of `names` that has a real value (lower-case lookup); `-` placeholders removed.
  std::vector<std::string> values(std::initializer_list<std::string_view> names) const;
  std::string first(std::initializer_list<std::string_view> names) const;
};

enum class ParseError { empty, missing_separator, bad_version, bad_mail, too_long };
std::string_view to_string(ParseError e);

struct KimVersion {
  std::string version = "1.0";  // "1.0", "1.5", ...
  bool large_mail = false;      // "1.5+" (may receive more than 15 MiB)
  bool operator==(const KimVersion&) const = default;
};

struct KomLeData {
  KimVersion version;
  std::string mail;
};

struct KimData {
  std::string mail;
  KimVersion version;
  std::vector<std::string> app_tags;  // split at '|', empty tags dropped
};

template <typename T>
struct Parsed {
  std::optional<T> value;
  ParseError error = ParseError::empty;
  bool ok() const { return value.has_value(); }
};

// `<version>,<mail>`; version is digits '.' digits with an optional '+'.
Parsed<KomLeData> parse_kom_le_data(std::string_view text);
// `<mail>,<version>[,<appTag>|<appTag>...]`.
Parsed<KimData> parse_kim_data(std::string_view text);
// "TRUE"/"true"/"FALSE"/"false" (any case); anything else (incl. `-`) is not set.
std::optional<bool> parse_bool(std::string_view text);
// Lower-cased ASCII (mail addresses are compared case-insensitively here).
std::string ascii_lower(std::string_view s);

struct VzdEntry {
  std::string dn;
  std::string telematik_id;
  std::string display_name;
  std::string organization;
  std::string state;  // st
  std::string locality;
  std::string postal_code;
  std::string street;
  std::string entry_type;
  std::optional<bool> personal_entry;
  std::vector<std::string> mails;
  std::vector<std::string> domain_ids;
  std::vector<std::string> profession_oids;
  std::vector<KomLeData> kom_le_data;
  std::vector<KimData> kim_data;
  std::vector<std::string> certificates;  // DER
  std::string legacy_kom_le_version;      // KOM-LE-Version
  std::vector<std::string> warnings;      // values that did not parse
};

VzdEntry to_vzd_entry(const RawEntry& raw);

struct VersionInfo {
  KimVersion version;
  std::string source;  // "kimData", "komLeData", "KOM-LE-Version", "default 1.0"
};

// The KIM version of `mail` in `entry`: the structured kimData value if there is one,
// else komLeData, else the legacy KOM-LE-Version, else 1.0. The large-mail flag '+'
// is taken from whichever carries it (kimData has no flag of its own).
VersionInfo kim_version_of(const VzdEntry& entry, std::string_view mail);

}  // namespace kimgate::ldap
