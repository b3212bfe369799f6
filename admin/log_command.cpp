#include "admin/log_command.h"

#include <iostream>
#include <memory>
#include <vector>

#include "conf/load.h"
#include "net/log_privacy.h"

namespace kimgate::admin {

namespace {

int print_pseudonyms(const std::string& config_path, const std::vector<std::string>& values) {
  const conf::LoadResult loaded = conf::load_file(config_path);
  if (!loaded.ok()) {
    for (const auto& d : loaded.errors) {
      std::cerr << d.str() << "\n";
    }
    return 1;
  }
  net::PseudonymKey key{};
  std::string error;
  if (!net::read_log_pseudonym_key(loaded.config->daemon.state_dir, key, error)) {
    std::cerr << "kimctl: " << error << " (kimgated makes the key at its first start; run kimctl as root or as"
              << " the daemon's user)\n";
    return 1;
  }
  for (const std::string& value : values) {
    const bool address = value.find('@') != std::string::npos;
    std::cout << value << "  " << (address ? net::pseudonymise_line(value, key) : net::pseudonym(value, key)) << "\n";
  }
  return 0;
}

}  // namespace

CommandGroup register_log_commands(CLI::App& app, const std::string& config_path) {
  auto values = std::make_shared<std::vector<std::string>>();
  auto* log = app.add_subcommand("log", "kimgated's log");
  log->require_subcommand(1);
  auto* pseudonym = log->add_subcommand(
      "pseudonym", "how mail addresses (or Telematik-IDs) appear in the log, where they are pseudonymised");
  pseudonym->add_option("value", *values, "a KIM address or a Telematik-ID")->required();
  CommandGroup group;
  group.chosen = [log] { return log->parsed(); };
  group.run = [values, &config_path]() { return print_pseudonyms(config_path, *values); };
  return group;
}

}  // namespace kimgate::admin
