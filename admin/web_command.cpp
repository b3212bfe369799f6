#include "admin/web_command.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>

#include "conf/load.h"
#include "web/admin_password.h"

namespace kimgate::admin {

namespace {

// One line from the terminal without echo; nullopt when there is no terminal.
std::optional<std::string> read_hidden(const char* prompt) {
  const int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    return std::nullopt;
  }
  termios old{};
  const bool tty = ::tcgetattr(fd, &old) == 0;
  if (tty) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  (void)!::write(fd, prompt, std::strlen(prompt));
  std::string line;
  char c = 0;
  while (::read(fd, &c, 1) == 1 && c != '\n') {
    line.push_back(c);
  }
  (void)!::write(fd, "\n", 1);
  if (tty) {
    ::tcsetattr(fd, TCSAFLUSH, &old);
  }
  ::close(fd);
  return line;
}

std::optional<std::string> read_file_line(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return std::nullopt;
  }
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') {
    line.pop_back();
  }
  return line;
}

int set_password(const std::string& config_path, const std::string& password_file) {
  const conf::LoadResult loaded = conf::load_file(config_path);
  if (!loaded.ok()) {
    for (const auto& d : loaded.errors) {
      std::cerr << d.str() << "\n";
    }
    return 1;
  }
  std::optional<std::string> password;
  if (!password_file.empty()) {
    password = read_file_line(password_file);
    if (!password) {
      std::cerr << "kimctl: cannot read the password file \"" << password_file << "\"\n";
      return 1;
    }
  } else {
    password = read_hidden("New admin password for the web page: ");
    const std::optional<std::string> again = read_hidden("Repeat the password: ");
    if (!password || !again) {
      std::cerr << "kimctl: no terminal to read the password from; use --password-file FILE\n";
      return 1;
    }
    if (*password != *again) {
      std::cerr << "kimctl: the two passwords differ; nothing changed\n";
      return 1;
    }
  }
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
  auto password_file = std::make_shared<std::string>();
  auto* web = app.add_subcommand("web", "the admin web page");
  web->require_subcommand(1);
  auto* password_cmd = web->add_subcommand("password", "set the admin password (asked twice on the terminal)");
  password_cmd->add_option("--password-file", *password_file, "read the password from this file's first line");
  CommandGroup group;
  group.chosen = [web] { return web->parsed(); };
  group.run = [password_file, &config_path]() { return set_password(config_path, *password_file); };
  return group;
}

}  // namespace kimgate::admin
