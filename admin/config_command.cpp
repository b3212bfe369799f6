#include "admin/config_command.h"

#include <algorithm>
#include <iostream>
#include <memory>
#include <ostream>

#include "admin/commands.h"
#include "conf/load.h"

namespace kimgate::admin {

int config_check(const std::string& file, std::ostream& out, std::ostream& err) {
  const conf::LoadResult r = conf::load_file(file);
  if (r.ok()) {
    out << file << ": OK\n";
    return 0;
  }
  for (const auto& d : r.errors) {
    err << d.str() << "\n";
  }
  err << file << ": " << r.errors.size() << " error(s)\n";
  return 1;
}

int config_show(const std::string& file, bool only_changed, std::ostream& out, std::ostream& err) {
  const conf::LoadResult r = conf::load_file(file);
  if (!r.ok()) {
    for (const auto& d : r.errors) {
      err << d.str() << "\n";
    }
    return 1;
  }
  std::size_t width = 0;
  for (const auto& s : r.effective) {
    width = std::max(width, s.key.size());
  }
  out << "# effective configuration of " << file << "\n";
  for (const auto& s : r.effective) {
    if (only_changed && s.is_default) {
      continue;
    }
    out << s.key << std::string(width - s.key.size(), ' ') << " = " << s.value;
    if (s.is_default) {
      out << "  # default";
    }
    out << "\n";
  }
  return 0;
}

CommandGroup register_config_commands(CLI::App& app, const std::string& config_path) {
  struct State {
    std::string check_file;
    bool only_changed = false;
  };
  auto state = std::make_shared<State>();
  auto* config = app.add_subcommand("config", "check or show the configuration");
  config->require_subcommand(1);
  auto* check = config->add_subcommand("check", "check a configuration file; exit 0 only when it is valid");
  check->add_option("FILE", state->check_file, "file to check (default: --config)");
  auto* show = config->add_subcommand("show", "print the effective configuration, defaults marked");
  show->add_flag("-n,--non-default", state->only_changed, "only values the file sets");
  CommandGroup group;
  group.chosen = [config] { return config->parsed(); };
  group.run = [state, check, &config_path]() {
    if (check->parsed()) {
      return config_check(state->check_file.empty() ? config_path : state->check_file, std::cout, std::cerr);
    }
    return config_show(config_path, state->only_changed, std::cout, std::cerr);
  };
  return group;
}

}  // namespace kimgate::admin
