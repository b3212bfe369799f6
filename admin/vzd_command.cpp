#include "admin/vzd_command.h"

#include <csignal>
#include <ctime>
#include <iostream>
#include <memory>
#include <optional>

#include "conf/load.h"
#include "kim/identifiers.h"
#include "ldap/configure.h"
#include "ldap/directory.h"
#include "net/asio.h"

namespace kimgate::admin {

namespace {

namespace asio = net::asio;

std::string date_text(ldap::SystemTime t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%SZ", &tm);
  return buf;
}

void print_certificate(std::ostream& out, std::string_view verdict, const ldap::CertInfo& c, std::string_view why) {
  out << "certificate   " << verdict << "  ";
  if (!c.parsed) {
    out << "(unreadable)";
  } else {
    out << ldap::to_string(c.type()) << " " << ldap::to_string(c.key_type);
    if (!c.curve.empty()) {
      out << " (" << c.curve << ")";
    }
    out << " TelematikID " << (c.telematik_id.empty() ? "-" : c.telematik_id) << " serial " << c.serial_hex << " valid "
        << date_text(c.not_before) << " .. " << date_text(c.not_after) << "\n"
        << "              sha256 " << c.sha256_hex << "  issuer " << c.issuer;
  }
  if (!why.empty()) {
    out << "\n              excluded: " << why;
  }
  out << "\n";
}

void print_entry(std::ostream& out, const ldap::VzdEntry& e) {
  out << "entry         " << e.dn << "\n"
      << "              \"" << e.display_name << "\" telematikID " << (e.telematik_id.empty() ? "-" : e.telematik_id)
      << " entryType " << (e.entry_type.empty() ? "-" : e.entry_type);
  if (e.personal_entry) {
    out << " personalEntry " << (*e.personal_entry ? "true" : "false");
  }
  out << "\n";
  for (const auto& m : e.mails) {
    out << "              mail " << m << "\n";
  }
  for (const auto& d : e.domain_ids) {
    out << "              domainID " << d << "\n";
  }
  for (const auto& p : e.profession_oids) {
    out << "              professionOID " << p << "\n";
  }
  if (!e.state.empty()) {
    out << "              st " << e.state << "\n";
  }
  for (const auto& k : e.kim_data) {
    out << "              kimData " << k.mail << " version " << k.version.version << (k.version.large_mail ? "+" : "");
    for (const auto& t : k.app_tags) {
      out << " [" << t << "]";
    }
    out << "\n";
  }
  for (const auto& w : e.warnings) {
    out << "              warning: " << w << "\n";
  }
}

int print_lookup(std::ostream& out, const ldap::AddressLookup& r, bool ecc) {
  out << "address       " << r.mail << (r.from_cache ? "  (from cache)" : "") << "\n";
  out << "konnektor     "
      << (ecc ? "ECC-capable (RSA and ECC certificates)" : "not ECC-capable (RSA only; --ecc to change)") << "\n";
  const auto& s = r.selection;
  out << "result        " << ldap::to_string(s.outcome);
  if (s.ok()) {
    out << ": encrypt for " << s.certificates.size() << " certificate(s) of TelematikID " << s.telematik_id;
  } else {
    out << " (X-KIM-Fehlermeldung " << ldap::kim_error_code(s.outcome) << ")";
  }
  out << "\n";
  if (s.telematik_ids.size() > 1) {
    out << "telematikIDs ";
    for (const auto& t : s.telematik_ids) {
      out << " " << t;
    }
    out << "\n";
  }
  out << "kim version   " << r.version.version.version << (r.version.version.large_mail ? "+ (large mails)" : "")
      << "  from " << r.version.source << "\n";
  if (r.truncated) {
    out << "note          the directory's 100-entry cap was reached; more entries exist\n";
  }
  for (const auto& e : r.entries) {
    print_entry(out, e);
  }
  for (const auto& c : s.certificates) {
    print_certificate(out, "use ", c, "");
  }
  for (const auto& x : s.excluded) {
    print_certificate(out, "skip", x.cert, ldap::to_string(x.reason));
  }
  return s.ok() ? 0 : 1;
}

int print_entries(std::ostream& out, const ldap::EntriesLookup& r) {
  out << "filter        " << r.filter << "\n";
  out << "entries       " << r.entries.size() << (r.truncated ? " (the directory's 100-entry cap was reached)" : "")
      << "\n";
  for (const auto& e : r.entries) {
    print_entry(out, e);
  }
  return r.entries.empty() ? 1 : 0;
}

}  // namespace

std::optional<DirectorySetup> load_directory_setup(const std::string& config_path, std::ostream& err) {
  const conf::LoadResult loaded = conf::load_file(config_path);
  if (!loaded.ok()) {
    for (const auto& d : loaded.errors) {
      err << d.str() << "\n";
    }
    return std::nullopt;
  }
  if (loaded.config->directory.url.empty()) {
    err << config_path << ": directory.url is not set\n";
    return std::nullopt;
  }
  ldap::Configured configured = ldap::configure(*loaded.config);
  if (!configured.ok()) {
    err << configured.error << "\n";
    return std::nullopt;
  }
  return DirectorySetup{*loaded.config, std::move(configured)};
}

int run_on_directory(const ldap::ClientOptions& client_options, const ldap::DirectoryOptions& options,
                     const std::function<net::awaitable<int>(ldap::Directory&)>& body) {
  asio::io_context io;
  asio::thread_pool pool(1);
  auto client = ldap::Client::create(io.get_executor(), pool, client_options);
  ldap::Directory directory(client, options);
  int code = 3;
  auto session = [&]() -> net::awaitable<void> {
    net::awaitable<int> op = body(directory);
    const int result = co_await std::move(op);
    code = result;
    client->close();
  };
  asio::co_spawn(io, session, asio::detached);
  io.run();
  return code;
}

int vzd_run(const std::string& config_path, const VzdRequest& request, std::ostream& out, std::ostream& err) {
  std::signal(SIGPIPE, SIG_IGN);
  const std::optional<DirectorySetup> setup = load_directory_setup(config_path, err);
  if (!setup) {
    return 3;
  }
  const ldap::ClientOptions& options = setup->configured.client;
  ldap::DirectoryOptions dopts = setup->configured.directory;
  if (!request.kv_profession_oids.empty()) {
    dopts.kv_profession_oids = request.kv_profession_oids;
  }

  out << "directory     " << options.url << " (" << options.base_dn << ")\n";
  if (request.kind == VzdRequest::Kind::insurer) {
    const auto ik = kim::check_ik(request.argument);
    out << "IK            " << request.argument << ": " << kim::to_string(ik.problem);
    if (ik.problem == kim::IdentifierProblem::bad_check_digit) {
      out << " (expected " << ik.expected_check_digit << "; test IKs may fail the check, searching anyway)";
    }
    out << "\n";
    if (ik.problem == kim::IdentifierProblem::wrong_length || ik.problem == kim::IdentifierProblem::not_digits) {
      return 1;
    }
  }
  if (request.kind == VzdRequest::Kind::kv) {
    const auto region = kim::kv_region(request.argument);
    if (!region) {
      err << "unknown KV region '" << request.argument << "' (two digits, e.g. 46 for Hessen)\n";
      return 1;
    }
    out << "KV region     " << region->code << " " << region->name << "\n";
  }

  const auto body = [&](ldap::Directory& directory) -> net::awaitable<int> {
    if (request.kind == VzdRequest::Kind::lookup) {
      auto op = directory.lookup_address(request.argument, request.ecc_capable);
      ldap::AddressLookup r = co_await std::move(op);
      if (!r.ok()) {
        err << ldap::to_string(r.error) << ": " << r.detail << "\n";
        co_return 3;
      }
      co_return print_lookup(out, r, request.ecc_capable);
    }
    std::optional<net::awaitable<ldap::EntriesLookup>> op;
    switch (request.kind) {
      case VzdRequest::Kind::insurer:
        op.emplace(directory.insurer_by_ik(request.argument));
        break;
      case VzdRequest::Kind::kv: {
        const auto region = kim::kv_region(request.argument);  // checked above
        op.emplace(directory.kv_by_region(region->code, region->state_name));
        break;
      }
      case VzdRequest::Kind::telematik_id:
        op.emplace(directory.by_telematik_id(request.argument));
        break;
      default:
        op.emplace(directory.search_name(request.argument));
        break;
    }
    ldap::EntriesLookup r = co_await std::move(*op);
    if (!r.ok()) {
      err << ldap::to_string(r.error) << ": " << r.detail << "\n";
      co_return 3;
    }
    co_return print_entries(out, r);
  };
  return run_on_directory(options, dopts, body);
}

CommandGroup register_vzd_commands(CLI::App& app, const std::string& config_path) {
  auto request = std::make_shared<VzdRequest>();
  auto* vzd = app.add_subcommand("vzd", "ask the directory (VZD) what the daemon would use");
  vzd->require_subcommand(1);
  auto* lookup = vzd->add_subcommand("lookup", "ENC certificates and KIM version of a KIM address");
  lookup->add_option("ADDR", request->argument, "KIM address")->required();
  lookup->add_flag("--ecc", request->ecc_capable, "assume an ECC-capable Konnektor (RSA and ECC certificates)");
  auto* insurer = vzd->add_subcommand("insurer", "a health insurer by IK: (&(domainID=IK)(entryType=5))");
  insurer->add_option("IK", request->argument, "9-digit Institutionskennzeichen")->required();
  auto* kv = vzd->add_subcommand("kv", "the Kassenärztliche Vereinigung of a region");
  kv->add_option("REGION", request->argument, "two-digit KV number, e.g. 46")->required();
  kv->add_option("--profession-oid", request->kv_profession_oids,
                 "profession OID(s) of a KV (default: 1.2.276.0.76.4.255 and 1.2.276.0.76.4.210)");
  auto* telematik = vzd->add_subcommand("telematik-id", "an entry by TelematikID");
  telematik->add_option("ID", request->argument, "TelematikID")->required();
  auto* name = vzd->add_subcommand("search", "address-book search by name, mail or TelematikID part");
  name->add_option("TEXT", request->argument, "text to look for")->required();
  CommandGroup group;
  group.chosen = [vzd] { return vzd->parsed(); };
  group.run = [request, lookup, insurer, kv, telematik, &config_path]() {
    if (lookup->parsed()) {
      request->kind = VzdRequest::Kind::lookup;
    } else if (insurer->parsed()) {
      request->kind = VzdRequest::Kind::insurer;
    } else if (kv->parsed()) {
      request->kind = VzdRequest::Kind::kv;
    } else if (telematik->parsed()) {
      request->kind = VzdRequest::Kind::telematik_id;
    } else {
      request->kind = VzdRequest::Kind::name;
    }
    return vzd_run(config_path, *request, std::cout, std::cerr);
  };
  return group;
}

}  // namespace kimgate::admin
