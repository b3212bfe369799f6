#pragma once
// `kimctl --config <file> route explain <file.eml>`: the dry run of routing (issue 18) against
// the live directory, with the daemon's own code (daemon/route_resolve.h): prints each routing
// or KV-Connect address the mail names, the KIM address it becomes and why, or the rule that
// refuses the mail. Nothing is sent. Envelope: MAIL FROM = the From address, RCPT TO = every
// To and Cc address (or --rcpt). Exit codes: 0 routed (or nothing to route), 1 refused,
// 3 configuration, file or directory unusable.
#include <CLI/CLI.hpp>
#include <iosfwd>
#include <string>
#include <vector>

#include "admin/commands.h"

namespace kimgate::admin {

struct RouteExplainRequest {
  std::string file;
  std::vector<std::string> recipients;  // empty: To and Cc of the mail
  std::string sender;                   // empty: From of the mail
};

int route_explain(const std::string& config_path, const RouteExplainRequest& request, std::ostream& out,
                  std::ostream& err);

CommandGroup register_route_commands(CLI::App& app, const std::string& config_path);

}  // namespace kimgate::admin
