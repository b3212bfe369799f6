#pragma once
// A blocking client for kimgated's control socket: one JSON request line, one JSON
// response line. For kimctl only (a command-line tool may block).
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace kimgate::admin {

struct ControlReply {
  nlohmann::json body;  // the daemon's answer; empty object on error
  std::string error;    // why the daemon could not be asked (not running, no permission, ...)
};

// Progress lines ({"progress": "..."}) the daemon sends before its answer go to `on_progress`
// (ignored when empty); the answer is the first other line.
ControlReply ask_daemon(const std::string& socket_path, const nlohmann::json& request,
                        const std::function<void(const std::string&)>& on_progress = {});

// The control socket of the daemon that runs with this configuration file; nullopt (with the
// configuration's diagnostics on stderr) when the file does not load.
std::optional<std::string> control_socket_of(const std::string& config_path);

}  // namespace kimgate::admin
