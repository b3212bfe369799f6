#include "ldap/directory.h"

#include <algorithm>

#include "ldap/filter.h"
#include "net/metrics.h"

namespace kimgate::ldap {

namespace {
// One VZD search on /metrics: kimgate_vzd_lookups_total{result} and its duration.
void observe_search(std::chrono::steady_clock::time_point start, const SearchResult& found) {
  net::metrics().counter("kimgate_vzd_lookups_total", {found.ok() ? "ok" : "error"}).inc();
  net::metrics().histogram("kimgate_vzd_lookup_duration_seconds").observe(net::seconds_since(start));
}
void observe_cache(bool hit) {
  net::metrics().counter("kimgate_vzd_cache_requests_total", {hit ? "hit" : "miss"}).inc();
}
}  // namespace

using net::awaitable;

const std::vector<std::string>& address_attributes() {
  static const std::vector<std::string> attrs = {
      "mail", "telematikID", "komLeData",     "kimData",       "KOM-LE-Version", "displayName",
      "cn",   "entryType",   "personalEntry", "professionOID", "domainID",       "userCertificate;binary"};
  return attrs;
}

const std::vector<std::string>& entry_attributes() {
  static const std::vector<std::string> attrs = {
      "mail",         "telematikID",         "komLeData", "kimData",       "KOM-LE-Version", "displayName",
      "cn",           "organization",        "entryType", "personalEntry", "professionOID",  "domainID",
      "st",           "stateOrProvinceName", "l",         "localityName",  "postalCode",     "street",
      "streetAddress"};
  return attrs;
}

Directory::Directory(std::shared_ptr<Client> client, DirectoryOptions options)
    : client_(std::move(client)),
      options_(std::move(options)),
      addresses_(options_.max_entries),
      versions_(options_.max_entries) {}

AddressLookup Directory::from_record(const std::string& mail, const Record& record, bool ecc_capable,
                                     bool cached) const {
  AddressLookup r;
  r.mail = mail;
  SelectionPolicy policy;
  policy.now = options_.system_now();
  policy.ecc_capable = ecc_capable;
  r.selection = select_certificates(record.certificates, record.entries.size(), policy);
  r.version = record.version;
  r.entries = record.entries;
  r.from_cache = cached;
  r.truncated = record.truncated;
  return r;
}

awaitable<AddressLookup> Directory::lookup_address(std::string mail, bool ecc_capable) {
  const std::string key = ascii_lower(mail);
  const Record* cached = addresses_.get(key, options_.steady_now());
  observe_cache(cached != nullptr);
  if (cached != nullptr) {
    AddressLookup hit = from_record(mail, *cached, ecc_capable, true);
    co_return hit;
  }
  auto op = refresh_address(std::move(mail), ecc_capable);
  AddressLookup fresh = co_await std::move(op);
  co_return fresh;
}

awaitable<AddressLookup> Directory::refresh_address(std::string mail, bool ecc_capable) {
  const std::string key = ascii_lower(mail);
  const std::string filter = filter_by_mail(mail);
  const auto start = std::chrono::steady_clock::now();
  auto op = client_->search(filter, address_attributes());
  SearchResult found = co_await std::move(op);
  observe_search(start, found);
  if (!found.ok()) {
    AddressLookup failed;
    failed.mail = mail;
    failed.error = found.error;
    failed.detail = found.detail;
    co_return failed;
  }
  Record record;
  record.truncated = found.truncated;
  for (const auto& raw : found.entries) {
    VzdEntry entry = to_vzd_entry(raw);
    // The filter matched `mail`; keep only entries that really list it (case-insensitively).
    const bool lists = std::any_of(entry.mails.begin(), entry.mails.end(),
                                   [&key](const std::string& m) { return ascii_lower(m) == key; });
    if (!lists) {
      continue;
    }
    for (const auto& der : entry.certificates) {
      record.certificates.push_back(parse_certificate(der));
    }
    if (record.entries.empty() || record.version.source.rfind("default", 0) == 0) {
      record.version = kim_version_of(entry, mail);
    }
    entry.certificates.clear();
    record.entries.push_back(std::move(entry));
  }
  if (record.entries.empty()) {
    record.version = VersionInfo{KimVersion{}, "default 1.0 (address not found)"};
  }
  const SteadyTime now = options_.steady_now();
  const Duration ttl = record.entries.empty() ? options_.ttl_negative : options_.ttl_enc_cert;
  versions_.put(key, record.version, now + (record.entries.empty() ? options_.ttl_negative : options_.ttl_kim_version));
  AddressLookup r = from_record(mail, record, ecc_capable, false);
  addresses_.put(key, std::move(record), now + ttl);
  co_return r;
}

awaitable<VersionLookup> Directory::kim_version(std::string mail) {
  VersionLookup r;
  const VersionInfo* cached = versions_.get(ascii_lower(mail), options_.steady_now());
  observe_cache(cached != nullptr);
  if (cached != nullptr) {
    r.version = *cached;
    r.from_cache = true;
    co_return r;
  }
  auto op = refresh_address(std::move(mail), false);
  AddressLookup fresh = co_await std::move(op);
  r.error = fresh.error;
  r.detail = fresh.detail;
  r.version = fresh.version;
  co_return r;
}

std::size_t Directory::invalidate_certificate(const std::string& sha256_hex) {
  const auto holds = [&sha256_hex](const Record& r) {
    return std::any_of(r.certificates.begin(), r.certificates.end(),
                       [&sha256_hex](const CertInfo& c) { return c.sha256_hex == sha256_hex; });
  };
  return addresses_.erase_if(holds);
}

awaitable<EntriesLookup> Directory::entries_search(std::string filter) {
  const auto start = std::chrono::steady_clock::now();
  auto op = client_->search(filter, entry_attributes());
  SearchResult found = co_await std::move(op);
  observe_search(start, found);
  EntriesLookup r;
  r.filter = std::move(filter);
  r.error = found.error;
  r.detail = found.detail;
  r.truncated = found.truncated;
  for (const auto& raw : found.entries) {
    r.entries.push_back(to_vzd_entry(raw));
  }
  co_return r;
}

awaitable<EntriesLookup> Directory::insurer_by_ik(std::string ik) {
  auto op = entries_search(filter_insurer_by_ik(ik));
  EntriesLookup r = co_await std::move(op);
  co_return r;
}

awaitable<EntriesLookup> Directory::kv_by_region(std::string region_code, std::string state_name) {
  auto op = entries_search(filter_kv(options_.kv_profession_oids, region_code, state_name));
  EntriesLookup r = co_await std::move(op);
  co_return r;
}

awaitable<EntriesLookup> Directory::by_telematik_id(std::string telematik_id) {
  auto op = entries_search(filter_by_telematik_id(telematik_id));
  EntriesLookup r = co_await std::move(op);
  co_return r;
}

awaitable<EntriesLookup> Directory::search_name(std::string text) {
  auto op = entries_search(filter_name_search(text));
  EntriesLookup r = co_await std::move(op);
  co_return r;
}

}  // namespace kimgate::ldap
