// kimctl — the kimgate administration tool.
#include <CLI/CLI.hpp>
#include <iostream>
#include <vector>

#include "admin/account_command.h"
#include "admin/card_command.h"
#include "admin/commands.h"
#include "admin/doctor_command.h"
#include "admin/log_command.h"
#include "admin/message_command.h"
#include "admin/route_command.h"
#include "admin/status_command.h"
#include "admin/track_command.h"
#include "admin/vzd_command.h"
#include "admin/web_command.h"
#include "kimgate_version.h"

int main(int argc, char** argv) {
  CLI::App app{"kimctl — administration tool for kimgate, the KIM client module"};
  app.require_subcommand(1);
  std::string config_path = "/etc/kimgate/kimgate.toml";
  app.add_option("-c,--config", config_path, "kimgate configuration file")->capture_default_str();
  app.set_version_flag("--version", std::string("kimctl ") + KIMGATE_VERSION);

  std::vector<kimgate::admin::CommandGroup> groups;
  groups.push_back(kimgate::admin::register_config_commands(app, config_path));
  groups.push_back(kimgate::admin::register_card_commands(app, config_path));
  // command groups register here (one line each)
  groups.push_back(kimgate::admin::register_vzd_commands(app, config_path));
  groups.push_back(kimgate::admin::register_route_commands(app, config_path));
  groups.push_back(kimgate::admin::register_track_commands(app, config_path));
  groups.push_back(kimgate::admin::register_message_commands(app));
  groups.push_back(kimgate::admin::register_status_commands(app, config_path));
  groups.push_back(kimgate::admin::register_doctor_commands(app, config_path));
  groups.push_back(kimgate::admin::register_account_commands(app, config_path));
  groups.push_back(kimgate::admin::register_web_commands(app, config_path));
  groups.push_back(kimgate::admin::register_log_commands(app, config_path));

  CLI11_PARSE(app, argc, argv);
  for (const auto& g : groups) {
    if (g.chosen()) {
      return g.run();
    }
  }
  return 2;
}
