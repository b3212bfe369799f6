#pragma once
// kimctl's command groups. Each group registers its subcommands on the app and
// runs them when parsed; kimctl.cpp only lists the groups.
#include <CLI/CLI.hpp>
#include <functional>
#include <string>

namespace kimgate::admin {

// What a group leaves behind: run() is called after parsing when one of its commands was chosen.
struct CommandGroup {
  std::function<bool()> chosen;
  std::function<int()> run;
};

// config check / config show
CommandGroup register_config_commands(CLI::App& app, const std::string& config_path);

}  // namespace kimgate::admin
