#include "net/metrics.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>

namespace kimgate::net {
namespace {

const std::vector<MetricFamily> kFamilies = {
    {"t_requests_total", MetricType::counter, "Requests, by code.", {"code"}, {}},
    {"t_open", MetricType::gauge, "Open things.", {}, {}},
    {"t_duration_seconds", MetricType::histogram, "Durations.", {"op"}, {0.25, 1}},
    {"t_escaped_total", MetricType::counter, "Help with \\ and\nnewline.", {"v"}, {}},
};

TEST(Metrics, CounterExposition) {
  Metrics m(kFamilies);
  m.counter("t_requests_total", {"250"}).inc();
  m.counter("t_requests_total", {"250"}).inc(2);
  m.counter("t_requests_total", {"554"}).inc();
  const std::string text = m.exposition();
  EXPECT_NE(text.find("# HELP t_requests_total Requests, by code.\n# TYPE t_requests_total counter\n"
                      "t_requests_total{code=\"250\"} 3\nt_requests_total{code=\"554\"} 1\n"),
            std::string::npos)
      << text;
}

TEST(Metrics, UnlabelledGaugeShowsZeroAndMoves) {
  Metrics m(kFamilies);
  EXPECT_NE(m.exposition().find("t_open 0\n"), std::string::npos);
  {
    const GaugeHold hold(m.gauge("t_open"));
    EXPECT_NE(m.exposition().find("t_open 1\n"), std::string::npos);
  }
  EXPECT_NE(m.exposition().find("t_open 0\n"), std::string::npos);
}

TEST(Metrics, HistogramBucketsAreCumulative) {
  Metrics m(kFamilies);
  Histogram& h = m.histogram("t_duration_seconds", {"sign"});
  h.observe(0.125);
  h.observe(0.25);  // le is inclusive
  h.observe(0.5);
  h.observe(7);
  const std::string text = m.exposition();
  EXPECT_NE(text.find("t_duration_seconds_bucket{op=\"sign\",le=\"0.25\"} 2\n"
                      "t_duration_seconds_bucket{op=\"sign\",le=\"1\"} 3\n"
                      "t_duration_seconds_bucket{op=\"sign\",le=\"+Inf\"} 4\n"
                      "t_duration_seconds_sum{op=\"sign\"} 7.875\n"
                      "t_duration_seconds_count{op=\"sign\"} 4\n"),
            std::string::npos)
      << text;
}

TEST(Metrics, EscapesLabelValuesAndHelp) {
  Metrics m(kFamilies);
  m.counter("t_escaped_total", {"a\"b\\c\nd"}).inc();
  const std::string text = m.exposition();
  EXPECT_NE(text.find("# HELP t_escaped_total Help with \\\\ and\\nnewline.\n"), std::string::npos) << text;
  EXPECT_NE(text.find("t_escaped_total{v=\"a\\\"b\\\\c\\nd\"} 1\n"), std::string::npos) << text;
}

TEST(Metrics, UndeclaredOrMisusedFamilyIsABrokenInvariant) {
  Metrics m(kFamilies);
  EXPECT_THROW(m.counter("t_unknown_total"), std::logic_error);
  EXPECT_THROW(m.counter("t_requests_total"), std::logic_error);         // a label value missing
  EXPECT_THROW(m.gauge("t_requests_total", {"250"}), std::logic_error);  // wrong type
}

TEST(Metrics, PeerChosenLabelValuesAreBounded) {
  Metrics m(kFamilies);
  for (std::size_t i = 0; i < Metrics::kMaxChildren + 50; ++i) {
    m.counter("t_requests_total", {std::to_string(i)}).inc();
  }
  EXPECT_EQ(m.counter("t_requests_total", {"something new"}).value(), 50U);  // 200..249 as "other"
  EXPECT_EQ(m.counter("t_requests_total", {"0"}).value(), 1U);
}

TEST(Metrics, ConcurrentIncrementsAreNotLost) {
  Metrics m(kFamilies);
  const auto work = [&m] {
    for (int i = 0; i < 10000; ++i) {
      m.counter("t_requests_total", {"250"}).inc();
      m.histogram("t_duration_seconds", {"x"}).observe(0.5);
    }
  };
  std::thread a(work);
  std::thread b(work);
  a.join();
  b.join();
  EXPECT_EQ(m.counter("t_requests_total", {"250"}).value(), 20000U);
  EXPECT_EQ(m.histogram("t_duration_seconds", {"x"}).count(), 20000U);
}

TEST(Metrics, ProcessRegistryDeclaresEveryFamilyTheDaemonUses) {
  Metrics& m = metrics();
  m.gauge("kimgate_sessions_open", {"smtp"});
  m.counter("kimgate_mails_total", {"sent", "250"});
  m.histogram("kimgate_konnektor_call_duration_seconds", {"SignDocument"});
  const std::string text = m.exposition();
  EXPECT_NE(text.find("# TYPE kimgate_konnektor_call_duration_seconds histogram\n"), std::string::npos);
  EXPECT_NE(text.find("kimgate_login_failures_total 0\n"), std::string::npos);
}

}  // namespace
}  // namespace kimgate::net
