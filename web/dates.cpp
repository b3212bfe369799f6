#include "web/dates.h"

#include <cstdio>
#include <ctime>

namespace kimgate::web {

namespace {

bool digits(std::string_view s) {
  for (const char c : s) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return !s.empty();
}

int number(std::string_view s) {
  int n = 0;
  for (const char c : s) {
    n = n * 10 + (c - '0');
  }
  return n;
}

}  // namespace

std::optional<std::string> form_day_to_iso(std::string_view day, bool end_of_day) {
  if (day.size() != 10 || day[4] != '-' || day[7] != '-' || !digits(day.substr(0, 4)) || !digits(day.substr(5, 2)) ||
      !digits(day.substr(8, 2))) {
    return std::nullopt;
  }
  const int y = number(day.substr(0, 4));
  const int m = number(day.substr(5, 2));
  const int d = number(day.substr(8, 2));
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 2000 || y > 2999 || m < 1 || m > 12 || d < 1 || d > kDays[m - 1] + (m == 2 && leap ? 1 : 0)) {
    return std::nullopt;
  }
  return std::string(day) + (end_of_day ? "T23:59:59Z" : "T00:00:00Z");
}

std::optional<long> days_until(std::string_view iso, std::chrono::system_clock::time_point now) {
  std::tm tm{};
  char zulu = 0;
  const std::string text(iso);
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &zulu) != 7 ||
      zulu != 'Z') {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const auto then = std::chrono::system_clock::from_time_t(timegm(&tm));
  const long hours = static_cast<long>(std::chrono::floor<std::chrono::hours>(then - now).count());
  return hours >= 0 ? hours / 24 : -((-hours + 23) / 24);
}

}  // namespace kimgate::web
