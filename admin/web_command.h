#pragma once
// `kimctl web password`: sets the admin web page's password. Reads it twice from the terminal
// (without echo) or once from --password-file / --password-fd (admin/secret_input.h), and
// writes only its Argon2id hash to the file
// of web.admin_password_hash_file (default <state_dir>/web-admin.argon2), mode 0600, owned by
// the owner of that file's folder (the daemon's user) when run as root. kimgated reads the hash
// at each login: no restart needed.
#include <CLI/CLI.hpp>
#include <string>

#include "admin/commands.h"

namespace kimgate::admin {

CommandGroup register_web_commands(CLI::App& app, const std::string& config_path);

}  // namespace kimgate::admin
