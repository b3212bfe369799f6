#include "daemon/logging.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/syslog_sink.h>
#include <spdlog/spdlog.h>

#include <cstdlib>

#include "daemon/journal_sink.h"
#include "daemon/log_files.h"
#include "net/log_privacy.h"

namespace kimgate::daemon {
namespace {

spdlog::level::level_enum to_spdlog(conf::LogLevel l) {
  switch (l) {
    case conf::LogLevel::trace:
      return spdlog::level::trace;
    case conf::LogLevel::debug:
      return spdlog::level::debug;
    case conf::LogLevel::info:
      return spdlog::level::info;
    case conf::LogLevel::warn:
      return spdlog::level::warn;
    case conf::LogLevel::error:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

}  // namespace

std::string setup_logging(const conf::LogSection& log, const std::filesystem::path& state_dir, bool no_stderr) {
  static bool detached = false;  // remembered for reloads
  detached = detached || no_stderr;
  const bool journald = log.target == conf::LogTarget::journald ||
                        (log.target == conf::LogTarget::automatic && std::getenv("JOURNAL_STREAM") != nullptr);
  spdlog::sink_ptr target;
  if (log.target == conf::LogTarget::file) {
    auto files = std::make_shared<DailyLogFileSink>(log.directory, log.retention);
    if (std::string error = files->open_today(); !error.empty()) {
      return error;
    }
    files->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z level=%l %v");
    target = files;
  } else if (!journald && detached && log.target == conf::LogTarget::automatic) {
    target = std::make_shared<spdlog::sinks::syslog_sink_mt>("kimgated", LOG_PID, LOG_MAIL, false);
    target->set_pattern("%v");
  } else if (journald) {
    target = std::make_shared<JournalSink>("kimgated");  // structured KIMGATE_* fields
    target->set_pattern("%v");
  } else {
    target = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    target->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z level=%l %v");
  }
  std::string warning;
  const net::PseudonymKey key = net::log_pseudonym_key(state_dir, warning);
  auto logger = std::make_shared<spdlog::logger>(
      "kimgate", std::make_shared<net::PrivacySink>(std::vector<spdlog::sink_ptr>{target}, key));
  logger->set_level(to_spdlog(log.level));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
  if (log.target == conf::LogTarget::file) {
    spdlog::flush_every(std::chrono::minutes(1));  // also the day's sweep of old files (log_files.h)
  }
  if (!warning.empty()) {
    spdlog::warn("event=log_pseudonym_key_missing reason=\"{}\"", warning);
  }
  return {};
}

}  // namespace kimgate::daemon
