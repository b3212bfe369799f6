#pragma once
// `kimctl vzd lookup ADDR`, `kimctl vzd insurer IK`, `kimctl vzd kv REGION`: ask the VZD
// with the daemon's directory settings (--config) and print what the daemon would use and
// why — chosen certificates, excluded ones with the rule that excluded them, the KIM version
// and where it came from. Exit codes: 0 usable, 1 nothing usable / not found,
// 3 directory unavailable or misconfigured.
#include <CLI/CLI.hpp>
#include <iosfwd>
#include <string>
#include <vector>

#include "admin/commands.h"

namespace kimgate::admin {

struct VzdRequest {
  enum class Kind { lookup, insurer, kv, telematik_id, name } kind = Kind::lookup;
  std::string argument;
  bool ecc_capable = false;
  std::vector<std::string> kv_profession_oids;  // empty: ldap::kDefaultKvProfessionOids
};

int vzd_run(const std::string& config_path, const VzdRequest& request, std::ostream& out, std::ostream& err);

CommandGroup register_vzd_commands(CLI::App& app, const std::string& config_path);

}  // namespace kimgate::admin
