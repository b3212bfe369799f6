#pragma once
// Logging set-up for kimgated and kimctl: spdlog with key=value lines, to the
// journal when running under systemd (JOURNAL_STREAM set) or when configured —
// with every key as a structured field (daemon/journal_sink.h) — to stderr
// otherwise. kimgated writes no log files: the journal's (or syslog's) retention
// applies. Never log AUTH payloads, passwords, PINs, keys or mail.
#include "conf/config.h"

namespace kimgate::daemon {

// Replaces the default logger. Safe to call again on SIGHUP. `no_stderr`: a
// detached daemon without a log file; target "auto" then goes to syslog.
void setup_logging(const conf::LogSection& log, bool no_stderr = false);

}  // namespace kimgate::daemon
