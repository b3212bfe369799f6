#pragma once
// `kimctl log pseudonym VALUE...`: what a mail address (or a Telematik-ID) looks like in
// kimgated's log, where personal data is pseudonymised (net/log_privacy.h), so that an admin
// can follow one account's lines: journalctl -u kimgate | grep p-3f2a9c01b7@. Reads the key
// from <state_dir>/log-pseudonym.key (root or the daemon's user).
#include <CLI/CLI.hpp>
#include <string>

#include "admin/commands.h"

namespace kimgate::admin {

CommandGroup register_log_commands(CLI::App& app, const std::string& config_path);

}  // namespace kimgate::admin
