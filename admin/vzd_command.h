#pragma once
// `kimctl vzd lookup ADDR`, `kimctl vzd insurer IK`, `kimctl vzd kv REGION`: ask the VZD
// with the daemon's directory settings (--config) and print what the daemon would use and
// why — chosen certificates, excluded ones with the rule that excluded them, the KIM version
// and where it came from. Exit codes: 0 usable, 1 nothing usable / not found,
// 3 directory unavailable or misconfigured.
#include <CLI/CLI.hpp>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "admin/commands.h"
#include "conf/config.h"
#include "ldap/configure.h"
#include "net/asio.h"

namespace kimgate::ldap {
class Directory;
}

namespace kimgate::admin {

struct VzdRequest {
  enum class Kind { lookup, insurer, kv, telematik_id, name } kind = Kind::lookup;
  std::string argument;
  bool ecc_capable = false;
  std::vector<std::string> kv_profession_oids;  // empty: ldap::kDefaultKvProfessionOids
};

// The configuration at `config_path` and the daemon's directory settings from it; nullopt after
// the reasons were written to `err` (unreadable configuration, no directory.url, bad settings).
struct DirectorySetup {
  conf::Config config;
  ldap::Configured configured;
};
std::optional<DirectorySetup> load_directory_setup(const std::string& config_path, std::ostream& err);
// One kimctl directory session: a client and a Directory on their own io_context, `body` run to
// completion, its result returned.
int run_on_directory(const ldap::ClientOptions& client, const ldap::DirectoryOptions& options,
                     const std::function<net::awaitable<int>(ldap::Directory&)>& body);

int vzd_run(const std::string& config_path, const VzdRequest& request, std::ostream& out, std::ostream& err);

CommandGroup register_vzd_commands(CLI::App& app, const std::string& config_path);

}  // namespace kimgate::admin
