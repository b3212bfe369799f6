#pragma once
// `kimctl account register|list|show|password|absence|large-mail|deregister|revoke|port|cert|limits`
// (plus context, service-info and proposals for the setup assistant's steps) and `kimctl
// pvs-settings`: thin clients of the daemon's administration ops (daemon/admin_ops.h) over the
// control socket. Passwords never come from argv: a TTY prompt (twice for a new one), or
// --password-file / --password-fd for scripts. Progress lines go to stderr; --json prints the
// daemon's answer for scripts. Exit status 0 on success, 1 when the daemon or provider refused.
#include <CLI/CLI.hpp>
#include <string>

#include "admin/commands.h"

namespace kimgate::admin {

CommandGroup register_account_commands(CLI::App& app, const std::string& config_path);

}  // namespace kimgate::admin
