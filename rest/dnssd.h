#pragma once
// DNS service discovery of a provider's KAS and Account Manager (A_19361-01, A_19523; RFC 6763):
// PTR <_kas|_accmgr>._tcp.<dnssd_domain> -> the instance for the provider's domain -> SRV -> TXT ->
// A record of the SRV target, all through one configured server (or the system resolver).
// Queries use glibc's res_n* API on the worker pool (run_blocking); the coroutine never blocks.
// Results, failures too (negative_ttl), are cached per (service, provider domain) for the minimum
// TTL of the records used. A configured URL per provider overrides DNS-SD.
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "net/asio.h"
#include "net/connection.h"
#include "rest/http_client.h"

namespace kimgate::rest {

struct ServiceEndpoint {
  Endpoint endpoint;
  std::map<std::string, std::string> txt;  // keys lower-cased
};

// The base path a service's TXT record gives under `key` ("path", "accountlimit",
// "serviceinformation", "accountmanager"), else `fallback` (docs/decisions.md).
std::string base_path(const ServiceEndpoint& at, std::string_view key, std::string_view fallback);
inline constexpr std::string_view kDefaultAccountManagerPath = "/AccountMgmt/v2.4";

enum class Service { kas, account_manager };  // _kas._tcp and _accmgr._tcp
std::string_view service_label(Service s);    // "_kas._tcp" / "_accmgr._tcp"

// RFC 6763 §6 TXT parsing: each character-string "key=value" or "key"; keys case-insensitive,
// first wins, empty keys and keys longer than 255 bytes ignored.
std::map<std::string, std::string> parse_txt(const std::vector<std::string>& strings);
// TXT RDATA as its length-prefixed character-strings; nullopt when a length runs past the end.
std::optional<std::vector<std::string>> split_txt_rdata(std::span<const std::uint8_t> rdata);

// Does the DNS-SD instance name (labels before "._kas._tcp") belong to `provider_domain`: equal,
// or ending with "." + provider domain (case-insensitive).
bool instance_matches(std::string_view instance, std::string_view provider_domain);

class ServiceLocator {
 public:
  struct Override {
    Service service;
    std::string provider_domain;
    std::string url;  // https://host[:port][/base]; the path (if not "/") becomes TXT key "path" for the KAS
  };
  struct Settings {
    std::string dns_server;                      // "127.0.0.1:10053"; empty: the system resolver (/etc/resolv.conf)
    std::string dnssd_domain = "kim.telematik";  // PTR _kas._tcp.<dnssd_domain>
    std::vector<Override> overrides;
    net::Duration timeout = std::chrono::seconds(5);
    net::Duration negative_ttl = std::chrono::seconds(60);
  };
  ServiceLocator(asio::thread_pool& pool, Settings settings);  // blocking res_n* calls run on `pool`

  struct Located {
    std::optional<ServiceEndpoint> found;
    std::string error;
  };
  net::awaitable<Located> locate(Service service, std::string provider_domain);

  // An IP literal as it is; else A record through dns_server (cached for its TTL); no dns_server: getaddrinfo.
  struct Resolved {
    std::string address;
    std::string error;
  };
  net::awaitable<Resolved> resolve_host(std::string host);

  void clear_cache();

 private:
  using Clock = std::chrono::steady_clock;
  struct CachedLocation {
    Located located;
    Clock::time_point expires;
  };
  struct CachedAddress {
    Resolved resolved;
    Clock::time_point expires;
  };
  asio::thread_pool& pool_;
  Settings settings_;
  std::mutex mutex_;  // the caches may be used from coroutines on different threads
  std::map<std::pair<int, std::string>, CachedLocation> locations_;
  std::map<std::string, CachedAddress> addresses_;
};

}  // namespace kimgate::rest
