#include "daemon/notify.h"

#include <systemd/sd-daemon.h>

namespace kimgate::daemon {

void notify_ready(const std::string& status) {
  sd_notify(0, ("READY=1\nSTATUS=" + status).c_str());
}

void notify_status(const std::string& status) {
  sd_notify(0, ("STATUS=" + status).c_str());
}

void notify_reloading() {
  sd_notify(0, "RELOADING=1");
}

void notify_stopping(const std::string& status) {
  sd_notify(0, ("STOPPING=1\nSTATUS=" + status).c_str());
}

void notify_watchdog() {
  sd_notify(0, "WATCHDOG=1");
}

std::optional<std::chrono::microseconds> watchdog_interval() {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
    return std::chrono::microseconds(usec / 2);
  }
  return std::nullopt;
}

}  // namespace kimgate::daemon
