#include "admin/status_command.h"

#include <iostream>
#include <memory>

#include "admin/control_client.h"

namespace kimgate::admin {

namespace {

int status(const std::string& config_path, bool as_json) {
  const auto path = control_socket_of(config_path);
  if (!path) {
    return 1;
  }
  const ControlReply reply = ask_daemon(*path, nlohmann::json{{"op", "status"}});
  if (!reply.error.empty() || !reply.body.value("ok", false)) {
    std::cerr << "kimctl: " << (reply.error.empty() ? reply.body.value("error", "request failed") : reply.error)
              << "\n";
    return 1;
  }
  if (as_json) {
    std::cout << reply.body.dump(2) << "\n";
    return 0;
  }
  const nlohmann::json& b = reply.body;
  std::cout << "kimgated " << b.value("version", "?") << (b.value("stopping", false) ? " (stopping)" : "") << "\n";
  std::cout << "sessions: " << b.value("sessions", 0) << "\n";
  for (const auto& l : b.value("listeners", nlohmann::json::array())) {
    std::cout << "listener: " << l.get<std::string>() << "\n";
  }
  for (const auto& k : b.value("konnektors", nlohmann::json::array())) {
    std::cout << "konnektor: " << k.get<std::string>() << "\n";
  }
  const nlohmann::json counters = b.value("counters", nlohmann::json::object());
  std::cout << "counters:" << (counters.empty() ? " none yet" : "") << "\n";
  for (const auto& [name, value] : counters.items()) {
    std::cout << "  " << name << " " << value.get<std::uint64_t>() << "\n";
  }
  return 0;
}

}  // namespace

CommandGroup register_status_commands(CLI::App& app, const std::string& config_path) {
  auto as_json = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("status", "the running daemon: version, listeners, sessions, mail counters");
  cmd->add_flag("--json", *as_json, "print the daemon's answer as JSON");
  CommandGroup group;
  group.chosen = [cmd] { return cmd->parsed(); };
  group.run = [as_json, &config_path]() { return status(config_path, *as_json); };
  return group;
}

}  // namespace kimgate::admin
