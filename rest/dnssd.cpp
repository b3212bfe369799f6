#include "rest/dnssd.h"

#include <arpa/nameser.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <limits>

#include "net/run_blocking.h"
#include "rest/dns_query.h"
#include "rest/url.h"

namespace kimgate::rest {

namespace {

using Located = ServiceLocator::Located;

std::string lowered(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
  return s;
}

std::string without_dot(std::string s) {
  while (!s.empty() && s.back() == '.') {
    s.pop_back();
  }
  return s;
}

bool is_ip_literal(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

struct Discovery {
  Located located;
  std::uint32_t ttl = 0;  // minimum TTL of the records used
};

// The whole DNS-SD walk on a pool thread: PTR -> instance -> SRV -> TXT -> A.
Discovery discover(const ServiceLocator::Settings& s, Service service, const std::string& domain) {
  Discovery out;
  const std::string label(service_label(service));
  const std::string ptr_name = label + "." + s.dnssd_domain;
  const auto fail = [&](std::string sentence) {
    out.located.error = "DNS-SD for " + domain + " (" + ptr_name + "): " + std::move(sentence);
    return out;
  };
  const dns::Answer ptr = dns::query(s.dns_server, s.timeout, ptr_name, ns_t_ptr);
  if (!ptr.error.empty()) {
    return fail("PTR: " + ptr.error);
  }
  // An exact instance beats one that merely ends with the domain; among equals the
  // alphabetically first, so that the choice does not depend on the answer's order.
  const dns::Record* chosen = nullptr;
  bool chosen_exact = false;
  for (const dns::Record& r : ptr.records) {
    const std::string instance = dns::instance_of(r.name, label);
    if (!instance_matches(instance, domain)) {
      continue;
    }
    const bool exact = lowered(instance) == lowered(without_dot(domain));
    if (chosen == nullptr || (exact && !chosen_exact) || (exact == chosen_exact && r.name < chosen->name)) {
      chosen = &r;
      chosen_exact = exact;
    }
  }
  if (chosen == nullptr) {
    return fail("no instance for the provider domain among " + std::to_string(ptr.records.size()) + " PTR records");
  }
  std::uint32_t ttl = chosen->ttl;
  const std::string instance_name = chosen->name;
  const dns::Answer srv = dns::query(s.dns_server, s.timeout, instance_name, ns_t_srv);
  if (!srv.error.empty() || srv.records.empty()) {
    return fail("SRV " + instance_name + ": " + (srv.error.empty() ? "no record" : srv.error));
  }
  const auto better = [](const dns::Record& a, const dns::Record& b) {
    return a.priority != b.priority ? a.priority < b.priority : a.weight > b.weight;
  };
  const dns::Record& target = *std::min_element(srv.records.begin(), srv.records.end(), better);
  const std::string host = lowered(without_dot(target.name));
  if (host.empty()) {
    return fail("SRV " + instance_name + " says the service is not offered (target \".\")");
  }
  ttl = std::min(ttl, target.ttl);
  ServiceEndpoint found;
  found.endpoint.host = host;
  found.endpoint.port = target.port;
  const dns::Answer txt = dns::query(s.dns_server, s.timeout, instance_name, ns_t_txt);
  std::vector<std::string> strings;
  for (const dns::Record& r : txt.records) {
    const auto split = split_txt_rdata(r.rdata);
    if (split) {
      strings.insert(strings.end(), split->begin(), split->end());
    }
    ttl = std::min(ttl, r.ttl);
  }
  found.txt = parse_txt(strings);  // no TXT record: the clients use their default base paths
  if (is_ip_literal(host)) {
    found.endpoint.address = host;
  } else {
    const dns::Answer a = dns::query(s.dns_server, s.timeout, host, ns_t_a);
    if (!a.error.empty() || a.records.empty()) {
      return fail("A " + host + ": " + (a.error.empty() ? "no record" : a.error));
    }
    found.endpoint.address = a.records.front().name;
    ttl = std::min(ttl, a.records.front().ttl);
  }
  out.located.found = std::move(found);
  out.ttl = ttl;
  return out;
}

ServiceLocator::Resolved resolve_blocking(const ServiceLocator::Settings& s, const std::string& host,
                                          std::uint32_t& ttl) {
  ServiceLocator::Resolved out;
  if (!s.dns_server.empty()) {
    const dns::Answer a = dns::query(s.dns_server, s.timeout, host, ns_t_a);
    if (!a.error.empty() || a.records.empty()) {
      out.error = "cannot resolve " + host + " (A: " + (a.error.empty() ? "no record" : a.error) + ")";
      return out;
    }
    out.address = a.records.front().name;
    ttl = a.records.front().ttl;
    return out;
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* result = nullptr;
  const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &result);
  if (rc != 0 || result == nullptr) {
    out.error = "cannot resolve " + host + " (" + gai_strerror(rc) + ")";
    return out;
  }
  std::array<char, NI_MAXHOST> text{};
  if (getnameinfo(result->ai_addr, result->ai_addrlen, text.data(), text.size(), nullptr, 0, NI_NUMERICHOST) == 0) {
    out.address = text.data();
  } else {
    out.error = "cannot resolve " + host + " (no numeric address)";
  }
  freeaddrinfo(result);
  ttl = 60;  // getaddrinfo tells no TTL; the system resolver caches on its own
  return out;
}

}  // namespace

ServiceLocator::ServiceLocator(asio::thread_pool& pool, Settings settings)
    : pool_(pool), settings_(std::move(settings)) {}

void ServiceLocator::clear_cache() {
  const std::lock_guard lock(mutex_);
  locations_.clear();
  addresses_.clear();
}

net::awaitable<ServiceLocator::Located> ServiceLocator::locate(Service service, std::string provider_domain) {
  const std::string domain = lowered(without_dot(provider_domain));
  for (const Override& o : settings_.overrides) {
    if (o.service != service || lowered(without_dot(o.provider_domain)) != domain) {
      continue;
    }
    Located out;
    const std::optional<HttpsUrl> url = parse_https_url(o.url);
    if (!url) {
      out.error = "the configured URL for " + domain + " is not an https URL";
      co_return out;
    }
    ServiceEndpoint found;
    found.endpoint.host = url->host;
    found.endpoint.port = url->port;
    if (service == Service::kas && url->target != "/") {
      found.txt["path"] = url->target;
    }
    const Resolved resolved = co_await resolve_host(url->host);
    if (!resolved.error.empty()) {
      out.error = resolved.error;
      co_return out;
    }
    found.endpoint.address = resolved.address;
    out.found = std::move(found);
    co_return out;
  }
  const auto key = std::make_pair(static_cast<int>(service), domain);
  {
    const std::lock_guard lock(mutex_);
    const auto it = locations_.find(key);
    if (it != locations_.end() && it->second.expires > Clock::now()) {
      co_return it->second.located;
    }
  }
  auto walk = [settings = settings_, service, domain]() { return discover(settings, service, domain); };
  const Discovery discovery = co_await net::run_blocking(pool_, std::move(walk));
  const auto lifetime = discovery.located.found
                            ? std::chrono::duration_cast<net::Duration>(std::chrono::seconds(discovery.ttl))
                            : settings_.negative_ttl;
  {
    const std::lock_guard lock(mutex_);
    locations_[key] = CachedLocation{discovery.located, Clock::now() + lifetime};
  }
  co_return discovery.located;
}

net::awaitable<ServiceLocator::Resolved> ServiceLocator::resolve_host(std::string host) {
  Resolved out;
  if (is_ip_literal(host)) {
    out.address = host;
    co_return out;
  }
  host = lowered(without_dot(host));
  {
    const std::lock_guard lock(mutex_);
    const auto it = addresses_.find(host);
    if (it != addresses_.end() && it->second.expires > Clock::now()) {
      co_return it->second.resolved;
    }
  }
  struct Result {
    Resolved resolved;
    std::uint32_t ttl = 0;
  };
  auto lookup = [settings = settings_, host]() {
    Result r;
    r.resolved = resolve_blocking(settings, host, r.ttl);
    return r;
  };
  const Result result = co_await net::run_blocking(pool_, std::move(lookup));
  const auto lifetime = result.resolved.error.empty()
                            ? std::chrono::duration_cast<net::Duration>(std::chrono::seconds(result.ttl))
                            : settings_.negative_ttl;
  {
    const std::lock_guard lock(mutex_);
    addresses_[host] = CachedAddress{result.resolved, Clock::now() + lifetime};
  }
  co_return result.resolved;
}

}  // namespace kimgate::rest
