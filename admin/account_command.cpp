#include "admin/account_command.h"

#include <openssl/crypto.h>

#include <iostream>
#include <map>
#include <memory>

#include "admin/control_client.h"
#include "admin/secret_input.h"

namespace kimgate::admin {

using nlohmann::json;

namespace {

struct Options {
  std::string address, card, provider, reference_id, kim_version, common_name, new_card, bsnr;
  std::string start, end, message, mandant, client_system, workplace, user_id;
  SecretSource password, new_password, initial_password;
  bool as_json = false, bcc = false, enable = false, disable = false, on = false, off = false;
};

void wipe(json& request) {
  for (const char* key : {"password", "new_password", "initial_password"}) {
    if (request.contains(key) && request[key].is_string()) {
      auto& s = request[key].get_ref<std::string&>();
      OPENSSL_cleanse(s.data(), s.size());
    }
  }
}

// Human output: every member of the answer but "ok", nested objects indented.
void print(const json& j, const std::string& indent = "") {
  for (const auto& [key, value] : j.items()) {
    if (key == "ok") {
      continue;
    }
    if (value.is_object()) {
      std::cout << indent << key << ":\n";
      print(value, indent + "  ");
    } else if (value.is_array()) {
      std::cout << indent << key << ":" << (value.empty() ? " none" : "") << "\n";
      for (const auto& item : value) {
        if (item.is_object()) {
          std::cout << indent << "  -\n";
          print(item, indent + "    ");
        } else {
          std::cout << indent << "  - " << (item.is_string() ? item.get<std::string>() : item.dump()) << "\n";
        }
      }
    } else {
      std::cout << indent << key << ": " << (value.is_string() ? value.get<std::string>() : value.dump()) << "\n";
    }
  }
}

int ask(const std::string& config_path, json request, bool as_json) {
  const auto path = control_socket_of(config_path);
  if (!path) {
    wipe(request);
    return 1;
  }
  const auto on_progress = [](const std::string& sentence) { std::cerr << "... " << sentence << "\n"; };
  const ControlReply reply = ask_daemon(*path, request, on_progress);
  wipe(request);
  if (!reply.error.empty()) {
    std::cerr << "kimctl: " << reply.error << "\n";
    return 1;
  }
  const json& b = reply.body;
  if (as_json) {
    std::cout << b.dump(2) << "\n";
    return b.value("ok", false) ? 0 : 1;
  }
  if (!b.value("ok", false)) {
    std::cerr << "kimctl: " << b.value("error", std::string("the request failed")) << "\n";
    if (!b.value("advice", std::string()).empty()) {
      std::cerr << "  what to do: " << b.value("advice", std::string()) << "\n";
    }
    return 1;
  }
  print(b);
  return 0;
}

// Reads a secret into request[key]; false (with a sentence on stderr) when it cannot be read.
bool secret_into(json& request, const char* key, const SecretSource& source, const std::string& what, bool twice) {
  SecretRead r = read_secret(source, what, twice);
  if (!r.value) {
    std::cerr << "kimctl: " << r.error << "\n";
    return false;
  }
  request[key] = std::move(*r.value);
  OPENSSL_cleanse(r.value->data(), r.value->size());
  return true;
}

void add_password_options(CLI::App* cmd, SecretSource& s, const std::string& name, const std::string& what) {
  cmd->add_option("--" + name + "-file", s.file, "read the " + what + " from the first line of FILE");
  cmd->add_option("--" + name + "-fd", s.fd, "read the " + what + " from file descriptor N");
}

void add_context_options(CLI::App* cmd, Options& o) {
  cmd->add_option("--mandant", o.mandant, "call context: MandantId (default: the card's configured context)");
  cmd->add_option("--client-system", o.client_system, "call context: ClientSystemId");
  cmd->add_option("--workplace", o.workplace, "call context: WorkplaceId");
  cmd->add_option("--user-id", o.user_id, "call context: UserId (eHBA)");
}

void put_context(json& request, const Options& o) {
  for (const auto& [key, value] : std::map<std::string, std::string>{{"mandant", o.mandant},
                                                                     {"client_system", o.client_system},
                                                                     {"workplace", o.workplace},
                                                                     {"user_id", o.user_id}}) {
    if (!value.empty()) {
      request[key] = value;
    }
  }
}

int run(const std::string& op, const Options& o, const std::string& config_path) {
  json request{{"op", op}};
  put_context(request, o);
  const auto set_if = [&request](const char* key, const std::string& value) {
    if (!value.empty()) {
      request[key] = value;
    }
  };
  set_if("address", o.address);
  set_if("card", o.card);
  set_if("provider", o.provider);
  const std::string mailbox = "mailbox password of " + o.address;
  if (op == "account.proposals") {
    set_if("bsnr", o.bsnr);
  } else if (op == "account.register") {
    set_if("reference_id", o.reference_id);
    set_if("kim_version", o.kim_version);
    set_if("common_name", o.common_name);
    request["bcc_acknowledged"] = o.bcc;
    if (!o.bcc) {
      std::cerr << "Note: KIM mail must not use Bcc — a recipient may learn the Bcc list. Confirm with "
                   "--bcc-acknowledged.\n";
    }
    if (!secret_into(request, "password", o.password, "new " + mailbox, true)) {
      return 1;
    }
    if (!o.initial_password.file.empty() || o.initial_password.fd >= 0) {
      if (!secret_into(request, "initial_password", o.initial_password, "initial password from the letter", false)) {
        wipe(request);
        return 1;
      }
    }
  } else if (op != "account.service_info" && op != "account.context" && op != "account.list") {
    if (!secret_into(request, "password", o.password, mailbox, false)) {
      return 1;
    }
  }
  if (op == "account.password" && !secret_into(request, "new_password", o.new_password, "new " + mailbox, true)) {
    wipe(request);
    return 1;
  }
  if (op == "account.absence" && (o.on || o.off)) {
    json set{{"active", o.on}};
    for (const auto& [key, value] :
         std::map<std::string, std::string>{{"start", o.start}, {"end", o.end}, {"message", o.message}}) {
      if (!value.empty()) {
        set[key] = value;
      }
    }
    request["set"] = set;
  }
  if (op == "account.large_mail") {
    if (o.enable == o.disable) {
      std::cerr << "kimctl: say --enable or --disable\n";
      wipe(request);
      return 2;
    }
    request["enable"] = o.enable;
  }
  set_if("new_card", o.new_card);
  return ask(config_path, std::move(request), o.as_json);
}

}  // namespace

CommandGroup register_account_commands(CLI::App& app, const std::string& config_path) {
  auto o = std::make_shared<Options>();
  auto chosen = std::make_shared<std::string>();
  auto* account = app.add_subcommand("account", "KIM accounts at the provider: register, care, certificate");
  account->require_subcommand(1);
  const auto sub = [account, o, chosen](const std::string& name, const std::string& op, const std::string& help) {
    auto* cmd = account->add_subcommand(name, help);
    cmd->add_flag("--json", o->as_json, "print the daemon's answer as JSON");
    cmd->callback([chosen, op] { *chosen = op; });
    return cmd;
  };
  const auto with_address = [o](CLI::App* cmd) {
    cmd->add_option("ADDRESS", o->address, "the KIM address")->required();
    cmd->add_option("--card", o->card, "the account's card (ICCSN) when kimgate does not know it yet");
    add_password_options(cmd, o->password, "password", "mailbox password");
    add_context_options(cmd, *o);
    return cmd;
  };
  sub("context", "account.context", "the cards and providers the setup assistant offers");
  sub("list", "account.list", "the accounts kimgate registered (no secrets)");
  auto* info = sub("service-info", "account.service_info", "a provider's password policy and registration needs");
  info->add_option("PROVIDER", o->provider, "the provider's domain")->required();
  auto* proposals = sub("proposals", "account.proposals", "address proposals for a card at a provider");
  proposals->add_option("--card", o->card, "the card (ICCSN)")->required();
  proposals->add_option("--provider", o->provider, "the provider's domain")->required();
  proposals->add_option("--bsnr", o->bsnr, "the BSNR, when the card does not carry it");
  add_context_options(proposals, *o);
  auto* reg = sub("register", "account.register", "register a KIM address and install its client certificate");
  reg->add_option("--card", o->card, "the card (ICCSN) the address belongs to")->required();
  reg->add_option("--address", o->address, "the address to register (kimctl account proposals)")->required();
  reg->add_option("--provider", o->provider, "the provider's domain (default: the address's domain)");
  reg->add_option("--reference-id", o->reference_id, "the referenceID from the provider's letter");
  reg->add_option("--kim-version", o->kim_version, "1.5 (default) or 1.5+ (receive large messages)");
  reg->add_option("--common-name", o->common_name, "the client certificate's CN (default: the card holder)");
  reg->add_flag("--bcc-acknowledged", o->bcc, "confirm: KIM mail must not use Bcc (recipients may learn it)");
  add_password_options(reg, o->password, "password", "new mailbox password");
  add_password_options(reg, o->initial_password, "initial-password", "initial password from the provider's letter");
  add_context_options(reg, *o);
  with_address(sub("show", "account.show", "the account as the provider keeps it (getAccount)"));
  auto* pw = with_address(sub("password", "account.password", "change the mailbox password"));
  add_password_options(pw, o->new_password, "new-password", "new mailbox password");
  auto* absence = with_address(sub("absence", "account.absence", "show or set the out-of-office note"));
  absence->add_flag("--on", o->on, "switch the note on (needs --start, --end, --message the first time)");
  absence->add_flag("--off", o->off, "switch the note off (the stored text is kept)");
  absence->add_option("--start", o->start, "RFC 3339 start, e.g. 2026-12-24T00:00:00Z");
  absence->add_option("--end", o->end, "RFC 3339 end");
  absence->add_option("--message", o->message, "the reply text");
  auto* large =
      with_address(sub("large-mail", "account.large_mail", "receive messages up to 700 MiB (kimVersion 1.5+)"));
  large->add_flag("--enable", o->enable, "opt in (the answer states the risks)");
  large->add_flag("--disable", o->disable, "opt out again");
  with_address(sub("deregister", "account.deregister", "deregister the address (revocable for 30 days)"));
  with_address(sub("revoke", "account.revoke", "revoke a deregistration within the 30 days"));
  auto* port = with_address(sub("port", "account.port", "move the address to a new card (OTP + setTID)"));
  port->add_option("--new-card", o->new_card, "the new card (ICCSN)")->required();
  with_address(sub("cert", "account.cert", "request and install a new client certificate now (createCert)"));
  with_address(sub("limits", "account.limits", "the account's limits and quota (getLimits)"));

  auto* pvs = app.add_subcommand("pvs-settings", "what to enter in the PVS: host, ports, TLS, certificate, user names");
  pvs->add_option("ADDRESS", o->address, "only this account");
  pvs->add_flag("--json", o->as_json, "print the daemon's answer as JSON");

  CommandGroup group;
  group.chosen = [account, pvs] { return account->parsed() || pvs->parsed(); };
  group.run = [o, chosen, pvs, &config_path]() {
    if (pvs->parsed()) {
      json request{{"op", "pvs.settings"}};
      if (!o->address.empty()) {
        request["address"] = o->address;
      }
      return ask(config_path, request, o->as_json);
    }
    return run(*chosen, *o, config_path);
  };
  return group;
}

}  // namespace kimgate::admin
