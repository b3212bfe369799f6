#include "conf/config.h"

#include <stdexcept>

namespace kimgate::conf {

const Konnektor& Config::default_konnektor() const {
  for (const auto& k : konnektors) {
    if (k.is_default) {
      return k;
    }
  }
  throw std::logic_error("configuration without a default Konnektor passed verify()");
}

const Konnektor* Config::find_konnektor(std::string_view id) const {
  for (const auto& k : konnektors) {
    if (k.id == id) {
      return &k;
    }
  }
  return nullptr;
}

Path Config::web_password_file() const {
  return web.admin_password_hash_file.empty() ? daemon.state_dir / "web-admin.argon2" : web.admin_password_hash_file;
}

Path Config::tracking_database() const {
  return tracking.database.empty() ? daemon.state_dir / "track.sqlite" : tracking.database;
}

std::string_view to_string(ListenerProtocol p) {
  return p == ListenerProtocol::smtp ? "smtp" : "pop3";
}

std::string_view to_string(ListenerTls t) {
  switch (t) {
    case ListenerTls::implicit:
      return "implicit";
    case ListenerTls::starttls:
      return "starttls";
    case ListenerTls::none:
      return "none";
  }
  return "?";
}

}  // namespace kimgate::conf
