#pragma once
// Log files with a retention time (TTL_PROTS, KOM-LE-A_2079 ff.: logs are deleted after a
// configured time). With [log] target = "file" kimgated writes one file per UTC day,
// <directory>/kimgated-YYYY-MM-DD.log (mode 0640), and deletes its files whose day lies more
// than `retention` before today: when it opens a day's file (at start, at SIGHUP, at the first
// line of a day) and, so that files go even on days without a line, at the first flush of a new
// day (daemon/logging.cpp flushes every minute). Other files in the directory are never touched.
#include <spdlog/sinks/base_sink.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kimgate::daemon {

// The day of a kimgated log file's name ("kimgated-2026-12-05.log"), or nothing for any other
// name. Pure.
std::optional<std::chrono::sys_days> log_file_day(std::string_view name);

// The names among `names` that are kimgated log files older than `retention` on `today`. Pure.
std::vector<std::string> expired_log_files(const std::vector<std::string>& names, std::chrono::sys_days today,
                                           std::chrono::milliseconds retention);

// Deletes the expired files in `directory`; the names it deleted.
std::vector<std::string> sweep_log_files(const std::filesystem::path& directory, std::chrono::milliseconds retention,
                                         std::chrono::sys_days today);

class DailyLogFileSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  DailyLogFileSink(std::filesystem::path directory, std::chrono::milliseconds retention)
      : directory_(std::move(directory)), retention_(retention) {}
  ~DailyLogFileSink() override;
  DailyLogFileSink(const DailyLogFileSink&) = delete;
  DailyLogFileSink& operator=(const DailyLogFileSink&) = delete;

  // Opens today's file now (so that a directory that cannot be written fails at start); "" or why not.
  std::string open_today();

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override;

 private:
  std::string open_day(std::chrono::sys_days day);
  std::filesystem::path directory_;
  std::chrono::milliseconds retention_;
  std::chrono::sys_days day_{};    // of the open file
  std::chrono::sys_days swept_{};  // the day of the last sweep
  std::FILE* file_ = nullptr;
};

}  // namespace kimgate::daemon
