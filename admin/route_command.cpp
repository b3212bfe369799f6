#include "admin/route_command.h"

#include <csignal>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "admin/vzd_command.h"
#include "daemon/route_data.h"
#include "daemon/route_resolve.h"
#include "kim/raw_message.h"
#include "kim/route_sources.h"
#include "ldap/directory.h"
#include "net/asio.h"

namespace kimgate::admin {

namespace {

smtp::Envelope envelope_of(const kim::RawMessage& mail, const RouteExplainRequest& request) {
  smtp::Envelope env;
  env.mail_from = request.sender;
  if (env.mail_from.empty()) {
    const auto from = kim::addr_specs(kim::header_value(mail, "From").value_or(""));
    env.mail_from = from.empty() ? std::string() : from.front();
  }
  std::vector<std::string> rcpts = request.recipients;
  if (rcpts.empty()) {
    for (const char* field : {"To", "Cc"}) {
      for (const kim::HeaderField* f : kim::header_fields(mail, field)) {
        for (auto& a : kim::addr_specs(f->value())) {
          rcpts.push_back(std::move(a));
        }
      }
    }
  }
  for (auto& r : rcpts) {
    env.recipients.push_back(smtp::Recipient{std::move(r), ""});
  }
  return env;
}

void print_outcome(std::ostream& out, const daemon::RouteOutcome& o, const smtp::Envelope& before) {
  for (const auto& s : o.steps) {
    out << "route         " << s.from << " -> " << s.to << "  [" << s.service << "]\n"
        << "              why: " << s.reason << "\n";
  }
  if (!o.guid.empty()) {
    out << "1-Click GUID  " << o.guid << "\n";
  }
  if (o.refusal) {
    out << "result        refused: " << o.refusal->code << " " << o.refusal->enhanced << " " << o.refusal->sentence
        << "\n";
    return;
  }
  if (o.steps.empty()) {
    out << "result        nothing to route; the mail goes to the addresses it names\n";
    return;
  }
  const smtp::Envelope& env = o.message ? o.envelope : before;
  out << "result        routed; RCPT TO:";
  for (const auto& r : env.recipients) {
    out << " <" << r.address << ">";
  }
  out << "\n";
}

}  // namespace

int route_explain(const std::string& config_path, const RouteExplainRequest& request, std::ostream& out,
                  std::ostream& err) {
  std::signal(SIGPIPE, SIG_IGN);
  const std::optional<DirectorySetup> setup = load_directory_setup(config_path, err);
  if (!setup) {
    return 3;
  }
  const daemon::RouteDataLoad routing = daemon::load_route_data(setup->config.routing);
  if (!routing.data) {
    for (const auto& e : routing.errors) {
      err << e << "\n";
    }
    return 3;
  }
  std::ifstream in(request.file, std::ios::binary);
  std::ostringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  const auto mail = kim::parse_raw_message(text);
  if (!in || !mail) {
    err << request.file << ": cannot read it as an RFC 5322 mail\n";
    return 3;
  }
  const daemon::RouteData& data = *routing.data;
  out << "mail          " << request.file << " (Message-ID " << kim::header_value(*mail, "Message-ID").value_or("-")
      << ")\n"
      << "routing       domain " << data.domain << ", services " << data.services_source << ", Kostenträger "
      << (data.kostentraeger ? data.kostentraeger->source : "-") << ", SDKVCA "
      << (data.sdkvca ? data.sdkvca->source : "- (KV addresses from the VZD)") << "\n"
      << "directory     " << setup->configured.client.url << "\n";
  for (const auto& w : routing.warnings) {
    out << "warning       " << w << "\n";
  }
  const smtp::Envelope envelope = envelope_of(*mail, request);
  out << "sender        " << envelope.mail_from << "\n";
  const auto body = [&](ldap::Directory& directory) -> net::awaitable<int> {
    daemon::RouteRequest r;
    r.data = &data;
    r.directory = &directory;
    r.envelope = envelope;
    r.mail = &*mail;
    r.today = kim::iso_date(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
    net::awaitable<daemon::RouteOutcome> op = daemon::resolve_routes(std::move(r));
    daemon::RouteOutcome outcome = co_await std::move(op);
    print_outcome(out, outcome, envelope);
    co_return !outcome.refusal ? 0 : (outcome.refusal->code == 451 ? 3 : 1);
  };
  return run_on_directory(setup->configured.client, setup->configured.directory, body);
}

CommandGroup register_route_commands(CLI::App& app, const std::string& config_path) {
  auto request = std::make_shared<RouteExplainRequest>();
  auto* route = app.add_subcommand("route", "routing addresses (eau@, kv-<service>@ in routing.domain)");
  route->require_subcommand(1);
  auto* explain = route->add_subcommand(
      "explain", "dry run: which KIM address each routing address of a mail becomes and why, or which rule refuses it");
  explain->add_option("FILE", request->file, "the mail as the PVS would send it (.eml)")->required();
  explain->add_option("--rcpt", request->recipients, "envelope recipient(s) (default: To and Cc of the mail)");
  explain->add_option("--from", request->sender, "envelope sender (default: From of the mail)");
  CommandGroup group;
  group.chosen = [route] { return route->parsed(); };
  group.run = [request, &config_path]() { return route_explain(config_path, *request, std::cout, std::cerr); };
  return group;
}

}  // namespace kimgate::admin
