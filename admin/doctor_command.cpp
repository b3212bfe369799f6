#include "admin/doctor_command.h"

#include <openssl/crypto.h>

#include <iomanip>
#include <iostream>
#include <memory>

#include "admin/control_client.h"
#include "admin/secret_input.h"

namespace kimgate::admin {

namespace {

using nlohmann::json;

struct DoctorOptions {
  bool as_json = false;
  bool accounts = false;
  std::string account;
  SecretSource password;
};

std::string upper(std::string s) {
  for (char& c : s) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return s;
}

// Fills request["passwords"]; false with a sentence on stderr when a password cannot be read.
bool collect_passwords(const std::string& socket, const DoctorOptions& o, json& request) {
  json passwords = json::object();
  if (!o.account.empty()) {
    SecretRead r = read_secret(o.password, "mailbox password of " + o.account, false);
    if (!r.value) {
      std::cerr << "kimctl: " << r.error << "\n";
      return false;
    }
    passwords[o.account] = std::move(*r.value);
    OPENSSL_cleanse(r.value->data(), r.value->size());
  } else if (o.accounts) {
    const ControlReply listed = ask_daemon(socket, json{{"op", "account.list"}});
    if (!listed.error.empty() || !listed.body.value("ok", false)) {
      std::cerr << "kimctl: "
                << (listed.error.empty() ? listed.body.value("error", "account.list failed") : listed.error) << "\n";
      return false;
    }
    for (const json& a : listed.body.value("accounts", json::array())) {
      const std::string address = a.value("address", "");
      SecretRead r = read_secret(SecretSource{}, "mailbox password of " + address + " (empty: skip)", false);
      if (!r.value) {
        std::cerr << "kimctl: " << r.error << "\n";
        return false;
      }
      if (!r.value->empty()) {
        passwords[address] = std::move(*r.value);
        OPENSSL_cleanse(r.value->data(), r.value->size());
      }
    }
  }
  request["passwords"] = std::move(passwords);
  return true;
}

int doctor(const std::string& config_path, const DoctorOptions& o) {
  const auto path = control_socket_of(config_path);
  if (!path) {
    return 1;
  }
  json request{{"op", "doctor"}};
  if (!collect_passwords(*path, o, request)) {
    return 1;
  }
  const ControlReply reply = ask_daemon(*path, request);
  for (auto& [address, password] : request["passwords"].items()) {
    std::string& s = password.get_ref<std::string&>();
    OPENSSL_cleanse(s.data(), s.size());
  }
  if (!reply.error.empty() || !reply.body.value("ok", false)) {
    std::cerr << "kimctl: " << (reply.error.empty() ? reply.body.value("error", "request failed") : reply.error)
              << "\n";
    return 1;
  }
  const json& b = reply.body;
  const bool failed = b.value("worst", "fail") == "fail";
  if (o.as_json) {
    std::cout << b.dump(2) << "\n";
    return failed ? 1 : 0;
  }
  for (const json& l : b.value("lines", json::array())) {
    std::cout << std::left << std::setw(5) << upper(l.value("verdict", "fail")) << " " << std::setw(16)
              << l.value("hop", "") << " " << l.value("sentence", "");
    const std::string advice = l.value("advice", "");
    if (!advice.empty() && l.value("verdict", "") != "ok") {
      std::cout << "  What to do: " << advice;
    }
    std::cout << "\n";
  }
  return failed ? 1 : 0;
}

}  // namespace

CommandGroup register_doctor_commands(CLI::App& app, const std::string& config_path) {
  auto o = std::make_shared<DoctorOptions>();
  auto* cmd =
      app.add_subcommand("doctor",
                         "check every hop: Konnektor, cards and PINs, VZD, provider logins, KAS, Account Manager, "
                         "certificates, clock");
  cmd->add_flag("--json", o->as_json, "print the daemon's answer as JSON");
  auto* all = cmd->add_flag("--accounts", o->accounts,
                            "also check each account's SMTP and POP3 login (asks for each password at the terminal)");
  auto* one = cmd->add_option("--account", o->account, "check the logins of this account (password from a file/fd)");
  cmd->add_option("--password-file", o->password.file, "file whose first line is the --account's mailbox password")
      ->needs(one);
  cmd->add_option("--password-fd", o->password.fd, "file descriptor to read the --account's mailbox password from")
      ->needs(one);
  all->excludes(one);
  CommandGroup group;
  group.chosen = [cmd] { return cmd->parsed(); };
  group.run = [o, &config_path]() { return doctor(config_path, *o); };
  return group;
}

}  // namespace kimgate::admin
