#include "daemon/log_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace kimgate::daemon {
namespace {

constexpr std::string_view kPrefix = "kimgated-";
constexpr std::string_view kSuffix = ".log";

int number(std::string_view digits) {
  int value = -1;
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string_view::npos) {
    return -1;
  }
  std::from_chars(digits.data(), digits.data() + digits.size(), value);
  return value;
}

std::string file_name(std::chrono::sys_days day) {
  const std::chrono::year_month_day ymd(day);
  char name[32];
  std::snprintf(name, sizeof name, "kimgated-%04d-%02u-%02u.log", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return name;
}

}  // namespace

std::optional<std::chrono::sys_days> log_file_day(std::string_view name) {
  // kimgated-YYYY-MM-DD.log
  if (name.size() != kPrefix.size() + 10 + kSuffix.size() || !name.starts_with(kPrefix) || !name.ends_with(kSuffix)) {
    return std::nullopt;
  }
  const std::string_view date = name.substr(kPrefix.size(), 10);
  if (date[4] != '-' || date[7] != '-') {
    return std::nullopt;
  }
  const int y = number(date.substr(0, 4)), m = number(date.substr(5, 2)), d = number(date.substr(8, 2));
  const std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(static_cast<unsigned>(m)),
                                        std::chrono::day(static_cast<unsigned>(d))};
  if (y < 0 || m < 0 || d < 0 || !ymd.ok()) {
    return std::nullopt;
  }
  return std::chrono::sys_days(ymd);
}

std::vector<std::string> expired_log_files(const std::vector<std::string>& names, std::chrono::sys_days today,
                                           std::chrono::milliseconds retention) {
  // A day's file holds lines up to the end of that day: it goes once that end is more than
  // `retention` ago.
  std::vector<std::string> out;
  for (const std::string& name : names) {
    const auto day = log_file_day(name);
    if (day && std::chrono::sys_time<std::chrono::milliseconds>(*day + std::chrono::days(1)) + retention <=
                   std::chrono::sys_time<std::chrono::milliseconds>(today)) {
      out.push_back(name);
    }
  }
  return out;
}

std::vector<std::string> sweep_log_files(const std::filesystem::path& directory, std::chrono::milliseconds retention,
                                         std::chrono::sys_days today) {
  std::vector<std::string> names;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(directory, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec)) {
      names.push_back(it->path().filename().string());
    }
  }
  std::vector<std::string> removed;
  for (const std::string& name : expired_log_files(names, today, retention)) {
    if (std::filesystem::remove(directory / name, ec)) {
      removed.push_back(name);
    }
  }
  return removed;
}

DailyLogFileSink::~DailyLogFileSink() {
  if (file_ != nullptr) {
    std::fclose(file_);
  }
}

std::string DailyLogFileSink::open_today() {
  std::lock_guard lock(mutex_);
  return open_day(std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()));
}

std::string DailyLogFileSink::open_day(std::chrono::sys_days day) {
  if (file_ != nullptr && day == day_) {
    return {};
  }
  std::error_code ec;
  std::filesystem::create_directories(directory_, ec);
  const std::filesystem::path path = directory_ / file_name(day);
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
  if (fd < 0) {
    return "cannot open " + path.string() + ": " + std::strerror(errno);
  }
  std::FILE* file = ::fdopen(fd, "a");
  if (file == nullptr) {
    ::close(fd);
    return "cannot open " + path.string() + ": " + std::strerror(errno);
  }
  if (file_ != nullptr) {
    std::fclose(file_);
  }
  file_ = file;
  day_ = swept_ = day;
  sweep_log_files(directory_, retention_, day);
  return {};
}

void DailyLogFileSink::sink_it_(const spdlog::details::log_msg& msg) {
  const auto day = std::chrono::floor<std::chrono::days>(msg.time);
  if (file_ == nullptr || day != day_) {
    if (!open_day(day).empty() && file_ == nullptr) {
      return;  // nowhere to write; the start refused an unwritable directory already
    }
  }
  spdlog::memory_buf_t formatted;
  formatter_->format(msg, formatted);
  std::fwrite(formatted.data(), 1, formatted.size(), file_);
}

void DailyLogFileSink::flush_() {
  if (file_ != nullptr) {
    std::fflush(file_);
  }
  const auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  if (today != swept_) {
    swept_ = today;
    sweep_log_files(directory_, retention_, today);
  }
}

}  // namespace kimgate::daemon
