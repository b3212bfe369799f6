#pragma once
// ldap::Directory — the VZD lookups the send path and kimctl use, with caches in front of
// one ldap::Client (vzd-ldap.md §3, §5, §6; spec §4.3 steps 4-5).
//
// lookup_address(): ENC certificates and KIM version of one KIM address. Results are
// cached per address: certificates for TTL_ENC_CERT (12 h), the KIM version for at most
// 24 h, "not found" for the short negative TTL; the cache is bounded (max_entries, LRU).
// The certificate choice is made anew on every call from the cached certificates (the
// validity check uses the current time, ECC depends on the caller's Konnektor).
// invalidate_certificate() drops every cached address holding a certificate the
// Konnektor reported invalid, so the next lookup asks the VZD again.
//
// insurer_by_ik(), kv_by_region(), by_telematik_id(), search_name(): uncached searches.
// All return errors as values; "directory unavailable" is DirectoryErrc::unavailable.
// Call on the io_context thread only.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ldap/cache.h"
#include "ldap/certificate.h"
#include "ldap/client.h"
#include "ldap/entry.h"

namespace kimgate::ldap {

// Both OIDs by default: the digest gives .255 to the KVen, gemSpec_OID as quoted in public
// code gives .210 (docs/decisions-ldap.md).
inline const std::vector<std::string> kDefaultKvProfessionOids = {"1.2.276.0.76.4.255", "1.2.276.0.76.4.210"};

struct DirectoryOptions {
  Duration ttl_enc_cert = std::chrono::hours(12);
  Duration ttl_kim_version = std::chrono::hours(24);
  Duration ttl_negative = std::chrono::minutes(5);
  std::size_t max_entries = 10000;
  std::vector<std::string> kv_profession_oids = kDefaultKvProfessionOids;
  std::function<SteadyTime()> steady_now = [] { return std::chrono::steady_clock::now(); };
  std::function<SystemTime()> system_now = [] { return std::chrono::system_clock::now(); };
};

struct AddressLookup {
  DirectoryErrc error = DirectoryErrc::ok;  // unavailable/timeout: the send path answers 451
  std::string detail;
  std::string mail;
  Selection selection;  // outcome + chosen + excluded with reasons
  VersionInfo version;
  std::vector<VzdEntry> entries;  // the entries carrying the address (certificates parsed separately)
  bool from_cache = false;
  bool truncated = false;
  bool ok() const { return error == DirectoryErrc::ok; }
};

struct VersionLookup {
  DirectoryErrc error = DirectoryErrc::ok;
  std::string detail;
  VersionInfo version;
  bool from_cache = false;
  bool ok() const { return error == DirectoryErrc::ok; }
};

struct EntriesLookup {
  DirectoryErrc error = DirectoryErrc::ok;
  std::string detail;
  std::string filter;
  std::vector<VzdEntry> entries;
  bool truncated = false;  // the VZD's 100-entry cap was reached
  bool ok() const { return error == DirectoryErrc::ok; }
};

class Directory {
 public:
  Directory(std::shared_ptr<Client> client, DirectoryOptions options);

  net::awaitable<AddressLookup> lookup_address(std::string mail, bool ecc_capable);
  // Like lookup_address but bypasses the cache (A_19356-06: re-check a cached version without '+').
  net::awaitable<AddressLookup> refresh_address(std::string mail, bool ecc_capable);
  // The KIM version of an address (spec §4.3 step 5), cached for ttl_kim_version (at most 24 h).
  net::awaitable<VersionLookup> kim_version(std::string mail);
  net::awaitable<EntriesLookup> insurer_by_ik(std::string ik);
  // A KV by its profession OID(s), narrowed to the Landes-KV number (domainID, e.g. "46") or
  // its Land (`st`, e.g. "Hessen"); kim::kv_region() maps any region code to both.
  net::awaitable<EntriesLookup> kv_by_region(std::string region_code, std::string state_name);
  net::awaitable<EntriesLookup> by_telematik_id(std::string telematik_id);
  net::awaitable<EntriesLookup> search_name(std::string text);

  std::size_t invalidate_certificate(const std::string& sha256_hex);
  std::size_t cached_addresses() const { return addresses_.size(); }

 private:
  struct Record {
    std::vector<CertInfo> certificates;
    std::vector<VzdEntry> entries;
    VersionInfo version;
    bool truncated = false;
  };
  net::awaitable<EntriesLookup> entries_search(std::string filter);
  AddressLookup from_record(const std::string& mail, const Record& record, bool ecc_capable, bool cached) const;

  std::shared_ptr<Client> client_;
  DirectoryOptions options_;
  TtlCache<Record> addresses_;
  TtlCache<VersionInfo> versions_;
};

// The attributes a lookup asks for (certificates make answers large: only what is used).
const std::vector<std::string>& address_attributes();
const std::vector<std::string>& entry_attributes();

}  // namespace kimgate::ldap
