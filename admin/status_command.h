#pragma once
// `kimctl status`: what the running daemon says of itself through its control socket — version,
// listeners, Konnektors, open sessions, and the counters of what became of the mails it was
// given (sent, sent partly with a DSN, refused by the provider, delivery unknown, DSNs, ...).
#include <CLI/CLI.hpp>
#include <string>

#include "admin/commands.h"

namespace kimgate::admin {

CommandGroup register_status_commands(CLI::App& app, const std::string& config_path);

}  // namespace kimgate::admin
