#include "admin/track_command.h"

#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "admin/control_client.h"

namespace kimgate::admin {

namespace {

using nlohmann::json;

struct TrackOptions {
  std::string account;
  std::size_t limit = 100;
  std::string id;
  bool as_json = false;
};

std::string status_of(const json& v) {
  std::string s = v.value("status", "?");
  if (v.value("overdue", false)) {
    s += " (overdue)";
  }
  return s;
}

void print_line(const json& v) {
  std::cout << v.value("id", 0) << "  " << status_of(v) << "  " << v.value("service", "") << "  "
            << v.value("recipient", "") << "  " << v.value("sent_at", "") << "  " << v.value("message_id", "");
  const std::string nr = v.value("vorgangsnummer", "");
  if (!nr.empty()) {
    std::cout << "  Vorgang " << nr;
  }
  const std::string summary = v.value("summary", "");
  if (!summary.empty()) {
    std::cout << "  \"" << summary << "\"";
  }
  std::cout << "\n";
}

void print_details(const json& v) {
  static constexpr const char* kFields[] = {"message_id",  "account",        "service", "dienstkennung", "recipient",
                                            "guid",        "archive",        "sent_at", "deadline",      "received_at",
                                            "answered_at", "vorgangsnummer", "summary"};
  std::cout << "Vorgang " << v.value("id", 0) << ": " << status_of(v) << "\n";
  for (const char* f : kFields) {
    const std::string value = v.value(f, "");
    std::cout << "  " << f << ": " << (value.empty() ? "-" : value) << "\n";
  }
}

int run(const std::string& config_path, const std::string& op, const TrackOptions& o) {
  const auto path = control_socket_of(config_path);
  if (!path) {
    return 1;
  }
  json request{{"op", op}};
  if (!o.account.empty()) {
    request["account"] = o.account;
  }
  if (op == "track.list") {
    request["limit"] = o.limit;
  }
  if (op == "track.show") {
    request["id"] = o.id;
  }
  const ControlReply reply = ask_daemon(*path, request);
  if (!reply.error.empty() || !reply.body.value("ok", false)) {
    std::cerr << "kimctl: " << (reply.error.empty() ? reply.body.value("error", "request failed") : reply.error)
              << "\n";
    return 1;
  }
  const json rows = reply.body.value("vorgaenge", json::array());
  if (o.as_json) {
    std::cout << rows.dump(2) << "\n";
    return 0;
  }
  if (rows.empty()) {
    std::cout << (op == "track.overdue" ? "no overdue Vorgang\n" : "no Vorgang yet\n");
    return 0;
  }
  for (const json& v : rows) {
    if (op == "track.show") {
      print_details(v);
    } else {
      print_line(v);
    }
  }
  return 0;
}

}  // namespace

CommandGroup register_track_commands(CLI::App& app, const std::string& config_path) {
  auto options = std::make_shared<TrackOptions>();
  auto* track = app.add_subcommand("track", "routed submissions (Vorgänge) and their answers");
  track->require_subcommand(1);
  auto* list = track->add_subcommand("list", "every Vorgang, newest first");
  list->add_option("--account", options->account, "only this sending KIM address");
  list->add_option("--limit", options->limit, "at most this many (default 100)");
  list->add_flag("--json", options->as_json, "print the Vorgänge as JSON");
  auto* show = track->add_subcommand("show", "one Vorgang by id or Message-ID, every field");
  show->add_option("id", options->id, "the Vorgang's id or the submission's Message-ID")->required();
  show->add_flag("--json", options->as_json, "print as JSON");
  auto* overdue = track->add_subcommand("overdue", "Vorgänge without an answer after their application's deadline");
  overdue->add_option("--account", options->account, "only this sending KIM address");
  overdue->add_flag("--json", options->as_json, "print as JSON");
  CommandGroup group;
  group.chosen = [track] { return track->parsed(); };
  group.run = [options, list, show, &config_path]() {
    const std::string op = list->parsed() ? "track.list" : show->parsed() ? "track.show" : "track.overdue";
    return run(config_path, op, *options);
  };
  return group;
}

}  // namespace kimgate::admin
