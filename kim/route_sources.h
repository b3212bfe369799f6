#pragma once
// The routing master data kimgated may be given as files (issue 18); pure parsers over the
// file's bytes, no I/O.
//
// Kostenträger file (IK -> Haupt-IK): a simple text format of our own (docs/decisions.md,
// "Routing"): one mapping a line, `<IK> <Haupt-IK>` separated by white space, `#` comments;
// both 9 digits. An IK not listed is its own Haupt-IK.
//
// SDKVCA (KBV "Stammdatei KV-Annahmestellen", eHD XML, body ns urn:ehd/kvca/001): per KV
// (`kv/id@EX`, the Landes-KV number) its `anwendungsliste/anwendung`s (`id@EX` = service id,
// `version@V`, validity `gueltig_ab`/`gueltig_bis`, `email`/`test_email` (KV-Connect),
// `kim_email`/`kim_test_email`). Elements are matched by local name (any namespace prefix);
// values are read from the `V` (or `EX`) attribute, else the element's text; validity from an
// attribute of `anwendung` or a child element. Dates are YYYY-MM-DD (a longer dateTime is cut).
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kimgate::kim {

inline constexpr std::size_t kMaxMasterFile = 16 * 1024 * 1024;

struct KostentraegerTable {
  std::map<std::string, std::string> haupt_ik;  // IK -> Haupt-IK
  std::string source;                           // file name
  // The Haupt-IK of `ik` (the IK itself when not listed).
  std::string haupt_ik_of(const std::string& ik) const;
};
struct KostentraegerResult {
  std::optional<KostentraegerTable> table;
  std::vector<std::string> errors;  // "<file>:<line>: sentence"
};
KostentraegerResult parse_kostentraeger(std::string_view text, std::string_view file_name);

struct SdkvcaService {
  std::string kv;       // Landes-KV number, two digits
  std::string service;  // anwendung id, e.g. "1CLICK"
  std::string version;
  std::string valid_from;  // YYYY-MM-DD, empty: open
  std::string valid_to;    // YYYY-MM-DD, empty: open
  std::string email;       // KV-Connect
  std::string test_email;  // KV-Connect
  std::string kim_email;
  std::string kim_test_email;
};

struct Sdkvca {
  std::vector<SdkvcaService> services;
  std::string source;
  // The entry of `kv` and `service` (case-insensitive id) valid on `date` (YYYY-MM-DD), the
  // highest version when several are; null when none.
  const SdkvcaService* find(std::string_view kv, std::string_view service, std::string_view date) const;
  // The entry whose KV-Connect `email` or `test_email` is `address`; `test` says which one.
  const SdkvcaService* by_kv_connect_address(std::string_view address, bool* test) const;
};
struct SdkvcaResult {
  std::optional<Sdkvca> file;
  std::string error;                  // why the file was not read
  std::vector<std::string> warnings;  // entries skipped (no KV number, no service id, bad date)
};
SdkvcaResult parse_sdkvca(std::string_view xml, std::string_view file_name);

// The KIM address for a delivery: kim_test_email for a test (kim_email when there is none).
std::string sdkvca_kim_address(const SdkvcaService& s, bool test);

// "YYYY-MM-DD" of a time given as seconds since the epoch (UTC).
std::string iso_date(long long epoch_seconds);
// "YYYY-MM-DDThh:mm:ssZ" (UTC) of a Unix time.
std::string iso_utc(long long epoch_seconds);

}  // namespace kimgate::kim
