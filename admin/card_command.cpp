#include "admin/card_command.h"

#include <iostream>
#include <memory>

#include "admin/control_client.h"
#include "conf/load.h"

namespace kimgate::admin {

namespace {

int list(const std::string& config_path) {
  const auto path = control_socket_of(config_path);
  if (!path) {
    return 1;
  }
  const ControlReply reply = ask_daemon(*path, nlohmann::json{{"op", "cards"}});
  if (!reply.error.empty() || !reply.body.value("ok", false)) {
    std::cerr << "kimctl: " << (reply.error.empty() ? reply.body.value("error", "request failed") : reply.error)
              << "\n";
    return 1;
  }
  for (const auto& k : reply.body["konnektors"]) {
    std::cout << "Konnektor " << k["konnektor"].get<std::string>() << " (" << k["kind"].get<std::string>() << ")\n";
    for (const auto& c : k["cards"]) {
      std::cout << "  " << c["type"].get<std::string>() << "  ICCSN " << c["iccsn"].get<std::string>() << "  "
                << c["name"].get<std::string>();
      if (!c["inserted"].get<bool>()) {
        std::cout << "  NOT INSERTED: " << c["problem"].get<std::string>() << "\n";
        continue;
      }
      std::cout << "  " << (c["unlocked"].get<bool>() ? "unlocked" : "locked (kimctl card unlock ICCSN)")
                << "  holder \"" << c["holder"].get<std::string>() << "\"  certificates "
                << c["certificates"].get<std::size_t>() << "  handle " << c["handle"].get<std::string>() << "\n";
    }
  }
  return 0;
}

int unlock(const std::string& config_path, const std::string& iccsn, const std::string& konnektor) {
  const auto path = control_socket_of(config_path);
  if (!path) {
    return 1;
  }
  nlohmann::json request{{"op", "card.unlock"}, {"iccsn", iccsn}};
  if (!konnektor.empty()) {
    request["konnektor"] = konnektor;
  }
  const ControlReply reply = ask_daemon(*path, request);
  if (!reply.error.empty()) {
    std::cerr << "kimctl: " << reply.error << "\n";
    return 1;
  }
  if (!reply.body.value("ok", false)) {
    std::cerr << "kimctl: card " << iccsn << " not unlocked: " << reply.body.value("result", "")
              << reply.body.value("error", "");
    if (reply.body.contains("code")) {
      std::cerr << " (Konnektor code " << reply.body["code"].get<int>() << ")";
    }
    std::cerr << "\n";
    return 1;
  }
  std::cout << "card " << iccsn << " unlocked in Konnektor " << reply.body.value("konnektor", "") << "\n";
  return 0;
}

}  // namespace

CommandGroup register_card_commands(CLI::App& app, const std::string& config_path) {
  struct State {
    std::string iccsn;
    std::string konnektor;
  };
  auto state = std::make_shared<State>();
  auto* card = app.add_subcommand("card", "the cards of the running daemon's local Konnektors");
  card->require_subcommand(1);
  auto* list_cmd = card->add_subcommand("list", "list configured cards: type, ICCSN, inserted, locked or unlocked");
  auto* unlock_cmd = card->add_subcommand("unlock", "VerifyPin for a card (the configured PIN, as typed on a PIN pad)");
  unlock_cmd->add_option("ICCSN", state->iccsn, "the card's ICCSN (kimctl card list)")->required();
  unlock_cmd->add_option("--konnektor", state->konnektor, "only this KonnektorId");
  CommandGroup group;
  group.chosen = [card] { return card->parsed(); };
  group.run = [state, list_cmd, &config_path]() {
    return list_cmd->parsed() ? list(config_path) : unlock(config_path, state->iccsn, state->konnektor);
  };
  return group;
}

}  // namespace kimgate::admin
