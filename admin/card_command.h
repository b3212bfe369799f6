#pragma once
// `kimctl card list` and `kimctl card unlock ICCSN`: the cards of the running daemon's local
// Konnektors, asked through its control socket (token logins live in the daemon's process).
#include <CLI/CLI.hpp>
#include <string>

#include "admin/commands.h"

namespace kimgate::admin {

CommandGroup register_card_commands(CLI::App& app, const std::string& config_path);

}  // namespace kimgate::admin
