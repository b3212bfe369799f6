#pragma once
// `kimctl config check [FILE]` and `kimctl config show [-n]`: what conf/ thinks of a file.
#include <iosfwd>
#include <string>

namespace kimgate::admin {

// Prints "FILE: OK" or one `file:line:col: sentence` per problem; returns the exit code (0 or 1).
int config_check(const std::string& file, std::ostream& out, std::ostream& err);

// Prints the effective configuration as `key = value`, defaults marked `# default`, secrets masked.
// With only_changed, prints just the values the file sets (like `postconf -n`).
int config_show(const std::string& file, bool only_changed, std::ostream& out, std::ostream& err);

}  // namespace kimgate::admin
