#pragma once
// Logging set-up for kimgated: spdlog with key=value lines, to the journal when running under
// systemd (JOURNAL_STREAM set) or when configured — with every key as a structured field
// (daemon/journal_sink.h) —, to daily files with a retention time (target "file",
// daemon/log_files.h), or to stderr. Every line passes the pseudonymisation of
// daemon/log_privacy.h first. Never log AUTH payloads, passwords, PINs, keys or mail.
#include <filesystem>
#include <string>

#include "conf/config.h"

namespace kimgate::daemon {

// Replaces the default logger. Safe to call again on SIGHUP. `state_dir` holds the pseudonym
// key. `no_stderr`: a detached daemon; target "auto" then goes to syslog. Returns "" or why the
// configured log files cannot be written (the caller refuses to start; a reload keeps the old
// logger).
std::string setup_logging(const conf::LogSection& log, const std::filesystem::path& state_dir, bool no_stderr = false);

}  // namespace kimgate::daemon
