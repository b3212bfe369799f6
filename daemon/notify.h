#pragma once
// sd_notify(3) for Type=notify units: READY, STATUS, WATCHDOG, RELOADING, STOPPING.
// Without NOTIFY_SOCKET every call is a no-op.
#include <chrono>
#include <optional>
#include <string>

namespace kimgate::daemon {

void notify_ready(const std::string& status);
void notify_status(const std::string& status);
void notify_reloading();
void notify_stopping(const std::string& status);
void notify_watchdog();
// The interval at which WATCHDOG=1 must be sent (half of WatchdogSec), if enabled.
std::optional<std::chrono::microseconds> watchdog_interval();

}  // namespace kimgate::daemon
