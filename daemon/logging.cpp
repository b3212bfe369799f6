#include "daemon/logging.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/syslog_sink.h>
#include <spdlog/spdlog.h>

#include <cstdlib>

#include "daemon/journal_sink.h"

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

void setup_logging(const conf::LogSection& log, bool no_stderr) {
  static bool detached = false;  // remembered for reloads
  detached = detached || no_stderr;
  const bool journald = log.target == conf::LogTarget::journald ||
                        (log.target == conf::LogTarget::automatic && std::getenv("JOURNAL_STREAM") != nullptr);
  std::shared_ptr<spdlog::logger> logger;
  if (!journald && detached && log.target == conf::LogTarget::automatic) {
    auto sink = std::make_shared<spdlog::sinks::syslog_sink_mt>("kimgated", LOG_PID, LOG_MAIL, false);
    logger = std::make_shared<spdlog::logger>("kimgate", sink);
    logger->set_pattern("%v");
  } else if (journald) {
    auto sink = std::make_shared<JournalSink>("kimgated");  // structured KIMGATE_* fields
    logger = std::make_shared<spdlog::logger>("kimgate", sink);
    logger->set_pattern("%v");
  } else {
    auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    logger = std::make_shared<spdlog::logger>("kimgate", sink);
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z level=%l %v");
  }
  logger->set_level(to_spdlog(log.level));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace kimgate::daemon
