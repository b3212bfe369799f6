#pragma once
// Metrics: the process's labelled counters, gauges and histograms, exposed in the Prometheus
// text format 0.0.4 by the daemon's /metrics endpoint (web/metrics_endpoint.h).
//
// Every family is declared once in the table in metrics.cpp (name, type, help, label names,
// histogram buckets); asking for an undeclared family or the wrong number of label values is a
// broken invariant (std::logic_error, caught by the unit tests). A child (one set of label
// values) is created on first use and lives as long as the registry, so callers may keep the
// returned reference; updates are relaxed atomics, the family's mutex is taken only to find a
// child. Label values that come from peers (reply codes, X-KIM-Fehlermeldung codes, provider
// host names) are bounded per family: past kMaxChildren distinct sets, new ones are counted
// under the value "other". Never put personal data (mail addresses, names) into a label.
//
// net::metrics() is the one registry of the process (as in every Prometheus client library):
// metrics are a side channel, and passing a registry through every constructor of every room
// would touch each of them for no gain. Thread-safe.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace kimgate::net {

enum class MetricType { counter, gauge, histogram };

class Counter {
 public:
  void inc(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Gauge {
 public:
  void add(std::int64_t n) { value_.fetch_add(n, std::memory_order_relaxed); }
  void inc() { add(1); }
  void dec() { add(-1); }
  void set(std::int64_t n) { value_.store(n, std::memory_order_relaxed); }
  std::int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> value_{0};
};

class Histogram {
 public:
  explicit Histogram(const std::vector<double>& bounds);
  void observe(double v);
  // Per bucket (not cumulative), the last one is +Inf.
  std::vector<std::uint64_t> buckets() const;
  const std::vector<double>& bounds() const { return bounds_; }
  double sum() const { return sum_.load(std::memory_order_relaxed); }
  std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  const std::vector<double>& bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;
  std::atomic<double> sum_{0};
  std::atomic<std::uint64_t> count_{0};
};

struct MetricFamily {
  std::string_view name;
  MetricType type;
  std::string_view help;
  std::vector<std::string_view> labels;
  std::vector<double> buckets;  // histograms only, ascending, without +Inf
};

class Metrics {
 public:
  static constexpr std::size_t kMaxChildren = 200;
  using Values = std::initializer_list<std::string_view>;

  explicit Metrics(const std::vector<MetricFamily>& families);
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  Counter& counter(std::string_view name, Values values = {});
  Gauge& gauge(std::string_view name, Values values = {});
  Histogram& histogram(std::string_view name, Values values = {});

  // The Prometheus text exposition (format 0.0.4) of every family, in table order; a family
  // without children and without labels is shown with its zero value.
  std::string exposition() const;

 private:
  struct Family;
  Family& family(std::string_view name, MetricType type, std::size_t values);
  void* child(Family& f, Values values);

  std::vector<std::unique_ptr<Family>> families_;
  std::map<std::string_view, Family*, std::less<>> by_name_;
};

// The process's registry, over the table in metrics.cpp.
Metrics& metrics();

// Seconds since `start` on the steady clock, for histogram observations.
inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// One exchange with a KIM provider's server `provider` (host name or address, a bounded set):
// its duration under kimgate_upstream_duration_seconds{provider,protocol} and, unless `ok`, one
// kimgate_upstream_failures_total{provider,protocol,stage}. `ok` means the provider answered
// (a refusal is an answer); a failure is no connection, no TLS, no reply, a lost connection.
void observe_upstream(std::string_view provider, std::string_view protocol, std::string_view stage,
                      std::chrono::steady_clock::time_point start, bool ok);

// Holds a gauge one higher for its lifetime (sessions open, waiters in a queue).
class GaugeHold {
 public:
  explicit GaugeHold(Gauge& g) : gauge_(&g) { gauge_->inc(); }
  GaugeHold(const GaugeHold&) = delete;
  GaugeHold& operator=(const GaugeHold&) = delete;
  ~GaugeHold() { gauge_->dec(); }

 private:
  Gauge* gauge_;
};

}  // namespace kimgate::net
