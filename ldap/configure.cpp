#include "ldap/configure.h"

#include "conf/load.h"

namespace kimgate::ldap {

Configured configure(const conf::Config& config) {
  Configured c;
  const conf::DirectorySection& dir = config.directory;
  c.client.url = dir.url;
  c.client.base_dn = dir.base_dn;
  c.client.ca_file = dir.ca_file.string();
  c.client.server_pin_sha256 = dir.server_pin_sha256;
  c.client.timeout = dir.timeout;
  c.client.connect_timeout = dir.connect_timeout;
  const bool own_p12 = !dir.client_p12.empty();
  const conf::Path p12 = own_p12 ? dir.client_p12 : config.fachdienst.client_p12;
  if (!p12.empty()) {
    const auto password = conf::read_secret(own_p12 ? dir.client_p12_password : config.fachdienst.client_p12_password);
    if (!password) {
      c.error = "cannot read the password of " + p12.string();
      return c;
    }
    const auto identity = load_p12_identity(p12.string(), *password);
    if (!identity.error.empty()) {
      c.error = identity.error;
      return c;
    }
    c.client.client_cert_pem = identity.cert_pem;
    c.client.client_key_pem = identity.key_pem;
  }
  c.directory.ttl_enc_cert = config.cache.enc_cert;
  c.directory.ttl_kim_version = config.cache.kim_version;
  c.directory.ttl_negative = config.cache.negative;
  c.directory.max_entries = config.cache.max_entries;
  c.directory.kv_profession_oids = config.directory.kv_profession_oids;
  return c;
}

}  // namespace kimgate::ldap
