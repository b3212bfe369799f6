#include "net/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace kimgate::net {
namespace {

const std::vector<double> kLatency = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
const std::vector<double> kSizes = {1e4, 1e5, 1e6, 5e6, 15728640, 5e7, 1e8, 5e8, 1e9};
const std::vector<double> kRecipients = {1, 2, 3, 5, 10, 20, 50, 100, 500};

// Every family of kimgated, in the order of the exposition. Names follow the Prometheus
// conventions (unit suffix, counters end in _total); docs/decisions.md "Metrics" explains them.
const std::vector<MetricFamily>& table() {
  static const std::vector<MetricFamily> families = {
      {"kimgate_sessions_open", MetricType::gauge, "PVS sessions open now, by protocol.", {"protocol"}, {}},
      {"kimgate_sessions_total", MetricType::counter, "PVS sessions accepted, by protocol.", {"protocol"}, {}},
      {"kimgate_proxy_header_rejected_total",
       MetricType::counter,
       "Connections closed on a PROXY protocol listener because the header was missing or invalid.",
       {"protocol"},
       {}},
      {"kimgate_proxy_health_checks_total",
       MetricType::counter,
       "Load balancer health checks (PROXY LOCAL, then closed) on implicit-TLS listeners, answered without a session.",
       {"protocol"},
       {}},
      {"kimgate_mails_total",
       MetricType::counter,
       "Mails the PVS submitted, by the final reply it heard (result sent or refused, SMTP code).",
       {"result", "code"},
       {}},
      {"kimgate_mail_errors_total",
       MetricType::counter,
       "X-KIM-Fehlermeldung codes of the DSNs (send) and error mails (receive) kimgate made.",
       {"direction", "code"},
       {}},
      {"kimgate_mail_recipients", MetricType::histogram, "Recipients per mail sent upstream.", {}, kRecipients},
      {"kimgate_mail_size_bytes",
       MetricType::histogram,
       "Size of the mails the PVS sent (send) and of the messages fetched from the provider (receive).",
       {"direction"},
       kSizes},
      {"kimgate_events_total",
       MetricType::counter,
       "What became of the mails, by the names kimctl status shows.",
       {"event"},
       {}},
      {"kimgate_konnektor_calls_total",
       MetricType::counter,
       "Konnektor operations, by operation and result (ok, fault).",
       {"operation", "result"},
       {}},
      {"kimgate_konnektor_call_duration_seconds",
       MetricType::histogram,
       "Duration of Konnektor operations, including the wait for the card.",
       {"operation"},
       kLatency},
      {"kimgate_card_queue_waiting", MetricType::gauge, "Operations waiting for a busy card.", {}, {}},
      {"kimgate_card_queue_wait_seconds",
       MetricType::histogram,
       "Time an operation waited for its card.",
       {},
       kLatency},
      {"kimgate_vzd_lookups_total",
       MetricType::counter,
       "VZD directory searches sent to the LDAP server, by result (ok, error).",
       {"result"},
       {}},
      {"kimgate_vzd_lookup_duration_seconds", MetricType::histogram, "Duration of VZD searches.", {}, kLatency},
      {"kimgate_vzd_cache_requests_total",
       MetricType::counter,
       "Certificate and KIM-version lookups, by whether the cache answered (hit, miss).",
       {"result"},
       {}},
      {"kimgate_upstream_duration_seconds",
       MetricType::histogram,
       "Duration of transactions with the KIM provider, by provider host and protocol.",
       {"provider", "protocol"},
       kLatency},
      {"kimgate_upstream_failures_total",
       MetricType::counter,
       "Failed exchanges with the KIM provider (no connection, no TLS, no reply, lost; a refusal is an answer), by "
       "provider host and protocol.",
       {"provider", "protocol", "stage"},
       {}},
      {"kimgate_kas_bytes_total",
       MetricType::counter,
       "Bytes moved to (upload) and from (download) the KAS.",
       {"direction"},
       {}},
      {"kimgate_kas_failures_total", MetricType::counter, "Failed KAS uploads and downloads.", {"direction"}, {}},
      {"kimgate_login_failures_total", MetricType::counter, "Wrong passwords at SMTP and POP3 logins.", {}, {}},
      {"kimgate_login_locks_total",
       MetricType::counter,
       "Client addresses locked out of a mailbox after too many failures.",
       {},
       {}},
      {"kimgate_login_refused_locked_total",
       MetricType::counter,
       "Logins refused because their client address was locked out.",
       {},
       {}},
  };
  return families;
}

std::string number(double v) {
  if (std::isinf(v)) {
    return v > 0 ? "+Inf" : "-Inf";
  }
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

void escape(std::string& out, std::string_view s, bool quote) {
  for (const char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quote && c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

}  // namespace

Histogram::Histogram(const std::vector<double>& bounds)
    : bounds_(bounds), counts_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds.size() + 1)) {}

void Histogram::observe(double v) {
  const auto at = std::lower_bound(bounds_.begin(), bounds_.end(), v);  // le: v <= bound
  counts_[static_cast<std::size_t>(at - bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

std::vector<std::uint64_t> Histogram::buckets() const {
  std::vector<std::uint64_t> out(bounds_.size() + 1);
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = counts_[i].load(std::memory_order_relaxed);
  }
  return out;
}

struct Metrics::Family {
  MetricFamily spec;
  mutable std::mutex mutex;
  // Label values -> the child (Counter, Gauge or Histogram); never erased.
  std::map<std::vector<std::string>, std::shared_ptr<void>> children;
};

Metrics::Metrics(const std::vector<MetricFamily>& families) {
  for (const MetricFamily& spec : families) {
    auto f = std::make_unique<Family>();
    f->spec = spec;
    by_name_[f->spec.name] = f.get();
    families_.push_back(std::move(f));
  }
}

Metrics::~Metrics() = default;

Metrics::Family& Metrics::family(std::string_view name, MetricType type, std::size_t values) {
  const auto it = by_name_.find(name);
  if (it == by_name_.end()) {
    throw std::logic_error("metric family " + std::string(name) + " is not declared");
  }
  if (it->second->spec.type != type || it->second->spec.labels.size() != values) {
    throw std::logic_error("metric family " + std::string(name) + " used with the wrong type or labels");
  }
  return *it->second;
}

void* Metrics::child(Family& f, Values values) {
  std::vector<std::string> key(values.begin(), values.end());
  const std::lock_guard<std::mutex> lock(f.mutex);
  auto it = f.children.find(key);
  if (it != f.children.end()) {
    return it->second.get();
  }
  if (f.children.size() >= kMaxChildren) {
    std::fill(key.begin(), key.end(), std::string("other"));
    it = f.children.find(key);
    if (it != f.children.end()) {
      return it->second.get();
    }
  }
  std::shared_ptr<void> made;
  switch (f.spec.type) {
    case MetricType::counter:
      made = std::make_shared<Counter>();
      break;
    case MetricType::gauge:
      made = std::make_shared<Gauge>();
      break;
    case MetricType::histogram:
      made = std::make_shared<Histogram>(f.spec.buckets);
      break;
  }
  return f.children.emplace(std::move(key), std::move(made)).first->second.get();
}

Counter& Metrics::counter(std::string_view name, Values values) {
  return *static_cast<Counter*>(child(family(name, MetricType::counter, values.size()), values));
}

Gauge& Metrics::gauge(std::string_view name, Values values) {
  return *static_cast<Gauge*>(child(family(name, MetricType::gauge, values.size()), values));
}

Histogram& Metrics::histogram(std::string_view name, Values values) {
  return *static_cast<Histogram*>(child(family(name, MetricType::histogram, values.size()), values));
}

std::string Metrics::exposition() const {
  std::string out;
  for (const auto& f : families_) {
    const MetricFamily& spec = f->spec;
    out += "# HELP ";
    out += spec.name;
    out += ' ';
    escape(out, spec.help, false);
    out += "\n# TYPE ";
    out += spec.name;
    out += spec.type == MetricType::counter ? " counter\n"
           : spec.type == MetricType::gauge ? " gauge\n"
                                            : " histogram\n";
    const std::lock_guard<std::mutex> lock(f->mutex);
    // Label set text, e.g. {protocol="smtp"}, with an optional extra label (le) appended.
    const auto labels = [&spec](const std::vector<std::string>& values, std::string_view extra_value) {
      std::string s;
      for (std::size_t i = 0; i < values.size(); ++i) {
        s += s.empty() ? "{" : ",";
        s += spec.labels[i];
        s += "=\"";
        escape(s, values[i], true);
        s += '"';
      }
      if (!extra_value.empty()) {
        s += s.empty() ? "{" : ",";
        s += "le=\"";
        s += extra_value;
        s += '"';
      }
      return s.empty() ? s : s + "}";
    };
    std::map<std::vector<std::string>, std::shared_ptr<void>> shown = f->children;
    if (shown.empty() && spec.labels.empty()) {
      shown.emplace(std::vector<std::string>{}, nullptr);  // an unlabelled family shows its zero
    }
    for (const auto& [values, ptr] : shown) {
      const std::string name(spec.name);
      if (spec.type == MetricType::counter) {
        const std::uint64_t v = ptr ? static_cast<const Counter*>(ptr.get())->value() : 0;
        out += name + labels(values, "") + " " + std::to_string(v) + "\n";
      } else if (spec.type == MetricType::gauge) {
        const std::int64_t v = ptr ? static_cast<const Gauge*>(ptr.get())->value() : 0;
        out += name + labels(values, "") + " " + std::to_string(v) + "\n";
      } else {
        const Histogram empty(spec.buckets);
        const Histogram& h = ptr ? *static_cast<const Histogram*>(ptr.get()) : empty;
        const std::vector<std::uint64_t> counts = h.buckets();
        std::uint64_t cumulative = 0;
        for (std::size_t i = 0; i < counts.size(); ++i) {
          cumulative += counts[i];
          const std::string le = i < spec.buckets.size() ? number(spec.buckets[i]) : "+Inf";
          out += name + "_bucket" + labels(values, le) + " " + std::to_string(cumulative) + "\n";
        }
        out += name + "_sum" + labels(values, "") + " " + number(h.sum()) + "\n";
        out += name + "_count" + labels(values, "") + " " + std::to_string(cumulative) + "\n";
      }
    }
  }
  return out;
}

void observe_upstream(std::string_view provider, std::string_view protocol, std::string_view stage,
                      std::chrono::steady_clock::time_point start, bool ok) {
  Metrics& m = metrics();
  m.histogram("kimgate_upstream_duration_seconds", {provider, protocol}).observe(seconds_since(start));
  if (!ok) {
    m.counter("kimgate_upstream_failures_total", {provider, protocol, stage}).inc();
  }
}

Metrics& metrics() {
  static Metrics registry(table());
  return registry;
}

}  // namespace kimgate::net
