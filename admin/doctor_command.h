#pragma once
// `kimctl doctor [--json] [--accounts | --account ADDRESS --password-file F | --password-fd N]`:
// the daemon's "doctor" op (daemon/doctor.h) — every hop a practice depends on, one line each:
//   OK|WARN|FAIL|SKIP  <hop>  <subject>: <sentence>  [what to do: <advice>]
// Exit status 1 when a line is FAIL (or the daemon cannot be asked), else 0. Mailbox logins
// (SMTP, POP3) are checked only for accounts whose password is given: --accounts asks for each
// registered account's password at the terminal (empty: skip it), --account with a password file
// or descriptor checks one account for scripts. Passwords go to the daemon for this request only.
#include <CLI/CLI.hpp>
#include <string>

#include "admin/commands.h"

namespace kimgate::admin {

CommandGroup register_doctor_commands(CLI::App& app, const std::string& config_path);

}  // namespace kimgate::admin
