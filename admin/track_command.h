#pragma once
// `kimctl track list [--account A] [--limit N] | show <id|Message-ID> | overdue [--account A]
// [--json]`: the Vorgänge of routed submissions (issue 18) as the running daemon's tracking
// store holds them (control ops track.*, daemon/track_control.h). Without --json one line per
// Vorgang: id, status (with "overdue"), application, recipient, sent time, Vorgangsnummer and
// summary; `show` prints every field. Exit codes: 0 answered, 1 refused or not found, or the
// daemon cannot be asked.
#include <CLI/CLI.hpp>
#include <string>

#include "admin/commands.h"

namespace kimgate::admin {

CommandGroup register_track_commands(CLI::App& app, const std::string& config_path);

}  // namespace kimgate::admin
