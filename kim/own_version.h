#pragma once
// The client module's own KIM version against the one the VZD lists for the sender's address
// (A_21387-01, spec digest §4.3 and vzd-ldap "Own KIM version"): a newer client module updates
// the entry (setAccount kimVersion through the Account Manager), an older one tells the user
// with the 4017 notice. Pure functions.
#include <optional>
#include <string>
#include <string_view>

namespace kimgate::kim {

// <0, 0, >0 as `a` is lower than, equal to or higher than `b`; each "<major>.<minor>[.<patch>]"
// (digits only; a trailing '+', the large-message opt-in, is ignored). nullopt when either is
// not a version.
std::optional<int> compare_kim_versions(std::string_view a, std::string_view b);

enum class OwnVersionStep {
  none,      // the directory lists this client module's version
  update,    // the client module is newer: setAccount kimVersion = set_to
  outdated,  // the client module is older: the 4017 notice to the user
  unknown,   // a version is not readable: nothing is changed (logged by the caller)
};
struct OwnVersionVerdict {
  OwnVersionStep step = OwnVersionStep::none;
  std::string set_to;  // for update: `ours`, with '+' when the registered version had the opt-in
};
// `registered`: the version in the sender's kimData/komLeData ("1.0", "1.5+", ...);
// `ours`: the version this client module implements ("1.5").
OwnVersionVerdict own_version_step(std::string_view registered, std::string_view ours);

}  // namespace kimgate::kim
