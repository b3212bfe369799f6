#include "admin/web_command.h"

#include <sys/stat.h>
#include <unistd.h>

#include <iostream>
#include <memory>

#include "admin/secret_input.h"
#include "conf/load.h"
#include "web/admin_password.h"

namespace kimgate::admin {

namespace {

int set_password(const std::string& config_path, const SecretSource& source) {
  const conf::LoadResult loaded = conf::load_file(config_path);
  if (!loaded.ok()) {
    for (const auto& d : loaded.errors) {
      std::cerr << d.str() << "\n";
    }
    return 1;
  }
  SecretRead read = read_secret(source, "admin password of the web page", true);
  if (!read.value) {
    std::cerr << "kimctl: " << read.error << "; nothing changed\n";
    return 1;
  }
  std::string* password = &*read.value;
  if (const auto weak = web::weak_password(*password)) {
    std::cerr << "kimctl: " << *weak << "; nothing changed\n";
    return 1;
  }
  const std::optional<std::string> encoded = web::hash_admin_password(*password);
  std::fill(password->begin(), password->end(), '\0');
  if (!encoded) {
    std::cerr << "kimctl: Argon2id hashing failed (out of memory?); nothing changed\n";
    return 1;
  }
  const std::filesystem::path target = loaded.config->web_password_file();
  if (const auto err = web::write_password_file(target, *encoded)) {
    std::cerr << "kimctl: " << *err << "\n";
    return 1;
  }
  struct stat folder {};
  if (::geteuid() == 0 && ::stat(target.parent_path().c_str(), &folder) == 0) {
    if (::chown(target.c_str(), folder.st_uid, folder.st_gid) != 0) {
      std::cerr << "kimctl: warning: cannot hand \"" << target.string() << "\" to the daemon's user\n";
    }
  }
  std::cout << "admin password set (Argon2id hash in " << target.string() << ")";
  if (!loaded.config->web.enabled) {
    std::cout << "; the web page is off: set [web] enabled = true and reload kimgated";
  }
  std::cout << "\n";
  return 0;
}

}  // namespace

CommandGroup register_web_commands(CLI::App& app, const std::string& config_path) {
  auto source = std::make_shared<SecretSource>();
  auto* web = app.add_subcommand("web", "the admin web page");
  web->require_subcommand(1);
  auto* password_cmd = web->add_subcommand("password", "set the admin password (asked twice on the terminal)");
  password_cmd->add_option("--password-file", source->file, "read the password from this file's first line");
  password_cmd->add_option("--password-fd", source->fd, "read the password from this inherited file descriptor");
  CommandGroup group;
  group.chosen = [web] { return web->parsed(); };
  group.run = [source, &config_path]() { return set_password(config_path, *source); };
  return group;
}

}  // namespace kimgate::admin
