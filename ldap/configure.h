#pragma once
// The VZD client's settings from kimgate's configuration ([directory], falling back to
// [fachdienst]'s C.CM.TLS-CS for the client certificate), shared by kimgated and kimctl.
#include <string>

#include "conf/config.h"
#include "ldap/client.h"
#include "ldap/directory.h"

namespace kimgate::ldap {

struct Configured {
  ClientOptions client;
  DirectoryOptions directory;
  std::string error;  // a sentence when the settings cannot be used (e.g. unreadable PKCS#12)
  bool ok() const { return error.empty(); }
};

// Requires config.directory.url to be set.
Configured configure(const conf::Config& config);

}  // namespace kimgate::ldap
