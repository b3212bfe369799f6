#include "conf/load.h"

#include <fstream>
#include <set>
#include <sstream>

#include "conf/reader.h"
#include "conf/units.h"

namespace kimgate::conf {
namespace {

using detail::Context;
using detail::FileCheck;
using detail::TableReader;
using namespace std::chrono_literals;

constexpr Duration kMaxTimeout = std::chrono::hours(24);
constexpr Duration kMaxTtl = std::chrono::hours(24 * 366);

void read_daemon(Context& ctx, const toml::table* t, DaemonSection& d) {
  TableReader r(ctx, t, "daemon");
  r.path("state_dir", d.state_dir, FileCheck::none);
  r.string("hostname", d.hostname);
  r.path("control_socket", d.control_socket, FileCheck::none);
  r.integer("worker_threads", d.worker_threads, 1, 64);
  r.path("spool_dir", d.spool_dir, FileCheck::none);
  r.finish();
}

void read_log(Context& ctx, const toml::table* t, LogSection& l) {
  TableReader r(ctx, t, "log");
  r.choice("level", l.level,
           {{"trace", LogLevel::trace},
            {"debug", LogLevel::debug},
            {"info", LogLevel::info},
            {"warn", LogLevel::warn},
            {"error", LogLevel::error}});
  r.choice("target", l.target,
           {{"auto", LogTarget::automatic},
            {"console", LogTarget::console},
            {"journald", LogTarget::journald},
            {"file", LogTarget::file}});
  r.path("directory", l.directory, FileCheck::none);
  r.duration("retention", l.retention, std::chrono::hours(24), std::chrono::hours(24 * 3650));
  r.finish();
}

void read_listener(Context& ctx, const toml::table* t, const std::string& path, Listener& l) {
  TableReader r(ctx, t, path);
  if (!r.has("protocol")) {
    r.error_here(path + ".protocol is required (\"smtp\" or \"pop3\")");
  }
  r.choice("protocol", l.protocol, {{"smtp", ListenerProtocol::smtp}, {"pop3", ListenerProtocol::pop3}});
  r.string("address", l.address);
  if (!is_ip_literal(l.address)) {
    r.error_at("address", path + ".address is \"" + l.address + "\", which is not an IPv4 or IPv6 address");
  }
  r.port("port", l.port, true);
  r.choice("tls", l.tls,
           {{"implicit", ListenerTls::implicit}, {"starttls", ListenerTls::starttls}, {"none", ListenerTls::none}});
  r.boolean("proxy_protocol", l.proxy_protocol);
  r.finish();
}

void read_pvs(Context& ctx, const toml::table* t, PvsSection& p) {
  TableReader r(ctx, t, "pvs");
  r.path("certificate", p.certificate, FileCheck::readable);
  r.path("key", p.key, FileCheck::readable);
  r.secret("key_password", p.key_password);
  r.path("client_ca", p.client_ca, FileCheck::readable);
  r.boolean("require_client_certificate", p.require_client_certificate);
  r.boolean("plaintext_on_loopback", p.plaintext_on_loopback);
  if (p.certificate.empty() != p.key.empty()) {
    r.error_at(p.certificate.empty() ? "key" : "certificate",
               "pvs.certificate and pvs.key go together; set both or neither (neither: kimgated creates a "
               "self-signed certificate in daemon.state_dir)");
  }
  if (p.require_client_certificate && p.client_ca.empty()) {
    r.error_at("require_client_certificate",
               "pvs.require_client_certificate needs pvs.client_ca to check the PVS certificates against");
  }
  std::set<std::pair<std::string, std::uint16_t>> seen;
  if (const toml::array* arr = r.array_of_tables("listener")) {
    std::size_t i = 0;
    for (const auto& node : *arr) {
      const std::string path = "pvs.listener[" + std::to_string(i++) + "]";
      Listener l;
      read_listener(ctx, node.as_table(), path, l);
      TableReader lr(ctx, node.as_table(), path);
      if (l.tls == ListenerTls::none) {
        if (!is_loopback(l.address)) {
          lr.error_at("tls", path + " is a plaintext listener on " + l.address +
                                 ", which is not a loopback address; KIM requires TLS between the PVS and the "
                                 "client module unless both run on the same machine (KOM-LE-A_2066/2067)");
        } else if (!p.plaintext_on_loopback) {
          lr.error_at("tls", path + " is a plaintext listener, but pvs.plaintext_on_loopback is not enabled");
        }
      }
      if (!seen.emplace(l.address, l.port).second) {
        lr.error_at("port", path + " uses " + l.address + ":" + std::to_string(l.port) + " a second time");
      }
      p.listeners.push_back(l);
    }
  }
  if (p.listeners.empty()) {
    r.error_here("no [[pvs.listener]] configured; the PVS needs at least one SMTP or POP3 listener");
  }
  r.finish();
}

void read_card(Context& ctx, const toml::table* t, const std::string& path, LocalCard& c) {
  TableReader r(ctx, t, path);
  r.string("name", c.name, true);
  r.choice("type", c.type, {{"SMC-B", CardType::smcb}, {"HBA", CardType::hba}});
  r.string("iccsn", c.iccsn, true);
  r.path("pkcs11_module", c.pkcs11_module, FileCheck::readable);
  r.string("token_label", c.token_label);
  r.paths("p12_files", c.p12_files, FileCheck::readable);
  r.secret("p12_password", c.p12_password);
  r.secret("pin", c.pin);
  r.strings("contexts", c.contexts);
  r.string("user_id", c.user_id);
  if (c.pkcs11_module.empty() == c.p12_files.empty()) {
    r.error_here(path + " needs exactly one key source: pkcs11_module (with token_label) or p12_files");
  }
  if (!c.pkcs11_module.empty() && c.token_label.empty()) {
    r.error_here(path + ".token_label is required with pkcs11_module");
  }
  if (c.iccsn.size() != 20 || c.iccsn.find_first_not_of("0123456789") != std::string::npos) {
    r.error_at("iccsn", path + ".iccsn \"" + c.iccsn + "\" is not an ICCSN (20 digits, e.g. 80276001011699901234)");
  }
  for (const auto& ctx_text : c.contexts) {
    if (std::count(ctx_text.begin(), ctx_text.end(), '/') != 2) {
      r.error_at("contexts", path + ".contexts entry \"" + ctx_text +
                                 "\" is not MandantId/ClientSystemId/WorkplaceId (\"*\" matches any part)");
    }
  }
  if (c.type == CardType::hba && c.user_id.empty()) {
    r.error_here(path + " is an HBA; set user_id, the UserId a call context must carry to use it");
  }
  r.finish();
}

void read_konnektor(Context& ctx, const toml::table* t, const std::string& path, Konnektor& k) {
  TableReader r(ctx, t, path);
  r.string("id", k.id, true);
  r.boolean("default", k.is_default);
  r.choice("kind", k.kind, {{"soap", KonnektorKind::soap}, {"local", KonnektorKind::local}});
  // A_17464: the service versions from which a Konnektor counts as ECC-capable; for both kinds, so
  // that a site (or a test) can keep ECC off with any Konnektor.
  r.string("ecc_min_signature_service", k.ecc_min_signature_service);
  r.string("ecc_min_encryption_service", k.ecc_min_encryption_service);
  if (k.kind == KonnektorKind::soap) {
    r.string("sds_url", k.sds_url, true);
    if (!k.sds_url.empty() && k.sds_url.rfind("https://", 0) != 0) {
      r.error_at("sds_url", path +
                                ".sds_url must be an https:// URL; the client module always talks TLS to the "
                                "Konnektor (KOM-LE-A_2070)");
    }
    r.choice("tls_auth", k.tls_auth,
             {{"certificate", KonnektorTlsAuth::certificate},
              {"basic", KonnektorTlsAuth::basic},
              {"server-only", KonnektorTlsAuth::server_only}});
    r.path("client_p12", k.client_p12, FileCheck::readable);
    r.secret("client_p12_password", k.client_p12_password);
    r.string("basic_user", k.basic_user);
    r.secret("basic_password", k.basic_password);
    r.path("server_ca", k.server_ca, FileCheck::readable);
    r.string("server_pin_sha256", k.server_pin_sha256);
    r.string("proxy", k.proxy);
    r.string("time_server", k.time_server);
    if (k.tls_auth == KonnektorTlsAuth::certificate && k.client_p12.empty()) {
      r.error_here(path + " uses tls_auth = \"certificate\" but has no client_p12");
    }
    if (k.tls_auth == KonnektorTlsAuth::basic && (k.basic_user.empty() || k.basic_password.empty())) {
      r.error_here(path + " uses tls_auth = \"basic\" but lacks basic_user or basic_password");
    }
    if (k.server_ca.empty() && k.server_pin_sha256.empty()) {
      r.error_here(path +
                   " needs server_ca or server_pin_sha256: the Konnektor's certificate names an ICCSN, "
                   "not a host, so it must be pinned or checked against a configured CA");
    }
    if (!k.server_pin_sha256.empty() &&
        (k.server_pin_sha256.size() != 64 ||
         k.server_pin_sha256.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)) {
      r.error_at("server_pin_sha256", path + ".server_pin_sha256 must be 64 hex digits");
    }
  } else {
    r.path("trust_anchors", k.trust_anchors, FileCheck::readable);
    r.boolean("test_setup_without_trust", k.test_setup_without_trust);
    if (k.trust_anchors.empty() && !k.test_setup_without_trust) {
      r.error_here(path +
                   " is a local Konnektor without trust_anchors: it could not tell a TI signature from a self-made "
                   "one, nor check certificates; set trust_anchors, or test_setup_without_trust = true for a "
                   "test setup that accepts that");
    }
    r.duration("simulate_service_time", k.simulate_service_time, 0s, std::chrono::minutes(10));
    r.duration("simulate_jitter", k.simulate_jitter, 0s, std::chrono::minutes(10));
    r.integer("simulate_error_permille", k.simulate_error_permille, 0, 1000);
    if (const toml::array* arr = r.array_of_tables("card")) {
      std::size_t i = 0;
      for (const auto& node : *arr) {
        LocalCard c;
        read_card(ctx, node.as_table(), path + ".card[" + std::to_string(i++) + "]", c);
        k.cards.push_back(std::move(c));
      }
    }
    if (k.cards.empty()) {
      r.error_here(path + " is a local Konnektor without any [[" + path + ".card]]");
    }
  }
  r.finish();
}

void read_directory(Context& ctx, const toml::table* t, DirectorySection& d) {
  TableReader r(ctx, t, "directory");
  r.string("url", d.url);
  if (!d.url.empty() && d.url.rfind("ldaps://", 0) != 0) {
    r.error_at("url", "directory.url must be an ldaps:// URL; LDAP to the Konnektor is always TLS (A_21223-01)");
  }
  r.string("base_dn", d.base_dn);
  r.path("client_p12", d.client_p12, FileCheck::readable);
  r.secret("client_p12_password", d.client_p12_password);
  r.path("ca_file", d.ca_file, FileCheck::readable);
  r.string("server_pin_sha256", d.server_pin_sha256);
  r.duration("timeout", d.timeout, 100ms, kMaxTimeout);
  r.duration("connect_timeout", d.connect_timeout, 100ms, kMaxTimeout);
  r.strings("kv_profession_oids", d.kv_profession_oids);
  if (d.kv_profession_oids.empty()) {
    r.error_at("kv_profession_oids", "directory.kv_profession_oids is empty; KV routing needs at least one OID");
  }
  r.finish();
}

void read_fachdienst(Context& ctx, const toml::table* t, FachdienstSection& f) {
  TableReader r(ctx, t, "fachdienst");
  r.path("client_p12", f.client_p12, FileCheck::readable);
  r.secret("client_p12_password", f.client_p12_password);
  r.path("ca_file", f.ca_file, FileCheck::readable);
  r.boolean("verify_with_konnektor", f.verify_with_konnektor);
  r.duration("connect_timeout", f.connect_timeout, 100ms, kMaxTimeout);
  r.finish();
}

void read_services(Context& ctx, const toml::table* t, ServicesSection& s) {
  TableReader r(ctx, t, "services");
  r.string("dns_server", s.dns_server);
  r.string("dnssd_domain", s.dnssd_domain);
  r.duration("timeout", s.timeout, 1s, kMaxTimeout);
  if (const toml::array* arr = r.array_of_tables("provider")) {
    std::size_t i = 0;
    for (const auto& node : *arr) {
      ProviderServices p;
      TableReader pr(ctx, node.as_table(), "services.provider[" + std::to_string(i++) + "]");
      pr.string("domain", p.domain, true);
      pr.string("kas_url", p.kas_url);
      pr.string("account_manager_url", p.account_manager_url);
      pr.string("smtp_server", p.smtp_server);
      pr.string("pop3_server", p.pop3_server);
      for (const auto& [key, url] :
           {std::pair{"kas_url", &p.kas_url}, {"account_manager_url", &p.account_manager_url}}) {
        if (!url->empty() && url->rfind("https://", 0) != 0) {
          pr.error_at(key, std::string("services.provider.") + key + " must be an https:// URL");
        }
      }
      pr.finish();
      s.providers.push_back(std::move(p));
    }
  }
  r.finish();
}

void read_timeouts(Context& ctx, const toml::table* t, TimeoutsSection& s) {
  TableReader r(ctx, t, "timeouts");
  r.duration("konnektor", s.konnektor, 1s, kMaxTimeout);
  r.duration("smtp_server", s.smtp_server, 1s, kMaxTimeout);
  r.duration("smtp_client", s.smtp_client, 1s, kMaxTimeout);
  r.duration("pop3_server", s.pop3_server, 1s, kMaxTimeout);
  r.duration("pop3_client", s.pop3_client, 1s, kMaxTimeout);
  r.duration("tls_handshake", s.tls_handshake, 1s, std::chrono::minutes(10));
  r.duration("shutdown", s.shutdown, 0s, std::chrono::hours(1));
  r.finish();
}

void read_cache(Context& ctx, const toml::table* t, CacheSection& c) {
  TableReader r(ctx, t, "cache");
  r.duration("enc_cert", c.enc_cert, 0s, kMaxTtl);
  r.duration("kim_version", c.kim_version, 0s, std::chrono::hours(24));
  r.duration("email_iccsn", c.email_iccsn, 0s, kMaxTtl);
  r.duration("negative", c.negative, 0s, std::chrono::hours(24));
  r.duration("account_limits", c.account_limits, 0s, std::chrono::hours(24));
  r.integer("max_entries", c.max_entries, 0, 10'000'000);
  r.finish();
}

void read_limits(Context& ctx, const toml::table* t, LimitsSection& l) {
  TableReader r(ctx, t, "limits");
  r.size("command_line", l.command_line, 512, 4096);
  r.size("text_line", l.text_line, 1000, 65536);
  r.size("auth_line", l.auth_line, 512, 65536);
  r.size("header_section", l.header_section, 4096, 64ULL << 20);
  r.integer("max_recipients", l.max_recipients, 1, 100000);
  r.size("max_message_size", l.max_message_size, 35882577, 1ULL << 32);
  r.size("konnektor_document", l.konnektor_document, 1 << 20, 1ULL << 30);
  r.size("spool_memory", l.spool_memory, 64 << 10, 1ULL << 30);
  r.integer("error_count", l.error_count, 1, 1000);
  r.integer("login_failures", l.login_failures, 1, 1000);
  r.duration("login_lock", l.login_lock, 0s, std::chrono::hours(24 * 7));
  r.duration("login_failure_delay", l.login_failure_delay, 0s, std::chrono::seconds(60));
  r.integer("connections", l.connections, 1, 1000000);
  r.integer("connections_per_client", l.connections_per_client, 1, 1000000);
  r.finish();
}

// `address` of a loopback-only HTTP endpoint ([web], [metrics]): an IP literal on loopback; `why`
// tells the admin why other addresses are refused and what to do instead.
void loopback_address(TableReader& r, std::string& address, std::string_view why) {
  r.string("address", address);
  const std::string key = r.path() + ".address";
  if (!is_ip_literal(address)) {
    r.error_at("address", key + " is \"" + address + "\", which is not an IPv4 or IPv6 address");
  } else if (!is_loopback(address)) {
    r.error_at("address", key + " is " + address + ", which is not a loopback address; " + std::string(why));
  }
}

void read_web(Context& ctx, const toml::table* t, WebSection& w) {
  TableReader r(ctx, t, "web");
  r.boolean("enabled", w.enabled);
  loopback_address(r, w.address,
                   "the admin page serves plain HTTP and is reached on this machine only (use an SSH tunnel or a "
                   "TLS reverse proxy for remote access)");
  r.port("port", w.port, false);
  r.path("admin_password_hash_file", w.admin_password_hash_file, FileCheck::none);
  r.duration("session_idle", w.session_idle, std::chrono::minutes(1), std::chrono::hours(12));
  r.duration("request_timeout", w.request_timeout, 1s, std::chrono::minutes(10));
  r.size("max_request_body", w.max_request_body, 1024, 1 << 20);
  r.finish();
}

// Read like [web]'s address and port; no port, no endpoint (docs/decisions.md, "Metrics and PROXY
// protocol").
void read_metrics(Context& ctx, const toml::table* t, MetricsSection& m) {
  TableReader r(ctx, t, "metrics");
  loopback_address(r, m.address,
                   "/metrics has neither TLS nor a login, so scrape it on this machine (or through an SSH tunnel "
                   "or a TLS reverse proxy)");
  r.port("port", m.port, false);
  r.retired("listen",
            "metrics.listen is no longer read; write metrics.address and metrics.port instead, as in [web] "
            "(listen = \"127.0.0.1:9469\" becomes address = \"127.0.0.1\" and port = 9469)");
  r.finish();
}

bool dns_name(std::string_view s) {
  if (s.empty() || s.size() > 253 || s.front() == '.' || s.back() == '.' || s.find("..") != std::string_view::npos) {
    return false;
  }
  for (const char ch : s) {
    const bool ok =
        (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '.';
    if (!ok) {
      return false;
    }
  }
  return true;
}

void read_routing(Context& ctx, const toml::table* t, RoutingSection& rt) {
  TableReader r(ctx, t, "routing");
  r.string("domain", rt.domain);
  if (!dns_name(rt.domain)) {
    r.error_at("domain", "routing.domain \"" + rt.domain +
                             "\" is not a domain name (letters, digits, '-' and '.'), e.g. route.kimgate.invalid");
  }
  r.path("services_file", rt.services_file, FileCheck::readable);
  r.path("kostentraeger_file", rt.kostentraeger_file, FileCheck::readable);
  r.path("sdkvca_file", rt.sdkvca_file, FileCheck::readable);
  r.finish();
}

// Empty when `pattern` is an application pattern (kim/receive_filter.h), else what is wrong.
std::string pattern_problem(std::string_view pattern) {
  const std::string quoted = "\"" + std::string(pattern) + "\"";
  std::size_t parts = 0;
  for (std::size_t start = 0;; ++parts) {
    const std::size_t semi = pattern.find(';', start);
    if (pattern.substr(start, semi == std::string_view::npos ? semi : semi - start).empty()) {
      return quoted + " has an empty part";
    }
    if (semi == std::string_view::npos) {
      break;
    }
    start = semi + 1;
  }
  if (parts >= 3) {
    return quoted + " has more than the three parts <application>;<type>;<version>";
  }
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const auto c = static_cast<unsigned char>(pattern[i]);
    if (c <= 0x20 || c >= 0x7f) {
      return quoted + " contains a space or a character outside printable ASCII";
    }
    if (c == '*' && i + 1 != pattern.size()) {
      return quoted + " has '*' elsewhere than at the very end";
    }
  }
  return {};
}

void read_receive_filter(Context& ctx, const toml::table* t, const std::string& path, ReceiveFilter& f) {
  TableReader r(ctx, t, path);
  r.string("mailbox", f.mailbox, true);
  r.string("workplace", f.workplace);
  r.string("client_system", f.client_system);
  r.strings("applications", f.applications);
  r.boolean("unclaimed", f.unclaimed);
  if (!f.mailbox.empty() && f.mailbox.find('@') == std::string::npos) {
    r.error_at("mailbox", path + ".mailbox is \"" + f.mailbox + "\", which is not a KIM address");
  }
  if (f.applications.empty() && !f.unclaimed) {
    r.error_at("applications", path + " shows nothing: name applications (e.g. [\"eAU\"]) or set unclaimed = true");
  }
  for (const std::string& a : f.applications) {
    if (std::string problem = pattern_problem(a); !problem.empty()) {
      r.error_at("applications", path + ".applications: " + problem +
                                     " (a pattern is <application>[;<type>[;<version>]], the last part may end in *)");
    }
  }
  r.finish();
}

void read_tracking(Context& ctx, const toml::table* t, TrackingSection& tr) {
  TableReader r(ctx, t, "tracking");
  r.boolean("enabled", tr.enabled);
  r.choice("backend", tr.backend, {{"sqlite", TrackBackend::sqlite}, {"postgresql", TrackBackend::postgresql}});
  r.path("database", tr.database, FileCheck::none);
  r.string("postgresql", tr.postgresql);
  r.secret("postgresql_password", tr.postgresql_password);
  if (tr.enabled && tr.backend == TrackBackend::postgresql && tr.postgresql.empty()) {
    r.error_at("postgresql",
               "tracking.backend is \"postgresql\" but tracking.postgresql (the libpq connection "
               "string, e.g. \"host=127.0.0.1 dbname=kimgate user=kimgate\") is not set");
  }
  if (tr.postgresql.find("password") != std::string::npos) {
    r.error_at("postgresql", "tracking.postgresql must not hold the password; use tracking.postgresql_password_file");
  }
  r.real("deadline_scale", tr.deadline_scale, 0.000001, 1000.0);
  r.boolean("notices", tr.notices);
  r.finish();
}

void verify(Context& ctx, const toml::table& root, Config& c) {
  TableReader r(ctx, &root, "");
  const auto* ks = root.get("konnektor");
  auto at_konnektors = [&](const std::string& message) {
    if (ks != nullptr) {
      ctx.errors.push_back(Diagnostic{ctx.file, static_cast<std::uint32_t>(ks->source().begin.line),
                                      static_cast<std::uint32_t>(ks->source().begin.column), message});
    } else {
      r.error_here(message);
    }
  };
  if (c.konnektors.empty()) {
    at_konnektors("no [[konnektor]] configured; kimgate signs and decrypts only through a Konnektor");
    return;
  }
  std::set<std::string> ids;
  std::size_t defaults = 0;
  for (const auto& k : c.konnektors) {
    if (!ids.insert(k.id).second) {
      at_konnektors("konnektor id \"" + k.id + "\" is used twice");
    }
    defaults += k.is_default ? 1 : 0;
  }
  if (c.konnektors.size() == 1 && defaults == 0) {
    c.konnektors.front().is_default = true;  // a single Konnektor is the default
  } else if (defaults == 0) {
    at_konnektors("none of the " + std::to_string(c.konnektors.size()) +
                  " Konnektors is marked default = true; user names without a KonnektorId need a default");
  } else if (defaults > 1) {
    at_konnektors(std::to_string(defaults) + " Konnektors are marked default = true; mark exactly one");
  }
  if (c.directory.client_p12.empty()) {
    c.directory.client_p12 = c.fachdienst.client_p12;
    c.directory.client_p12_password = c.fachdienst.client_p12_password;
  }
}

// An array of tables `key` of the top level, each read by `read` under the path "key[i]".
template <class T, class Read>
void read_tables(Context& ctx, TableReader& top, const std::string& key, std::vector<T>& out, Read read) {
  if (const toml::array* arr = top.array_of_tables(key)) {
    std::size_t i = 0;
    for (const auto& node : *arr) {
      T item;
      read(ctx, node.as_table(), key + "[" + std::to_string(i++) + "]", item);
      out.push_back(std::move(item));
    }
  }
}

LoadResult load_table(const toml::table& root, std::string name, const Path& base_dir) {
  LoadResult result;
  Context ctx{std::move(name), base_dir, result.errors, result.effective};
  Config c;
  TableReader top(ctx, &root, "");
  read_daemon(ctx, top.table("daemon"), c.daemon);
  read_log(ctx, top.table("log"), c.log);
  read_pvs(ctx, top.table("pvs"), c.pvs);
  read_tables(ctx, top, "konnektor", c.konnektors, read_konnektor);
  read_directory(ctx, top.table("directory"), c.directory);
  read_fachdienst(ctx, top.table("fachdienst"), c.fachdienst);
  read_services(ctx, top.table("services"), c.services);
  read_timeouts(ctx, top.table("timeouts"), c.timeouts);
  read_cache(ctx, top.table("cache"), c.cache);
  read_limits(ctx, top.table("limits"), c.limits);
  read_web(ctx, top.table("web"), c.web);
  read_routing(ctx, top.table("routing"), c.routing);
  read_tables(ctx, top, "receive_filter", c.receive_filters, read_receive_filter);
  read_tracking(ctx, top.table("tracking"), c.tracking);
  read_metrics(ctx, top.table("metrics"), c.metrics);
  top.finish();
  verify(ctx, root, c);
  if (result.errors.empty()) {
    c.source = base_dir;
    result.config = std::move(c);
  }
  std::stable_sort(result.errors.begin(), result.errors.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.line, a.column) < std::tie(b.line, b.column);
  });
  return result;
}

}  // namespace

std::string Diagnostic::str() const {
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

LoadResult load_string(std::string_view text, std::string name, const Path& base_dir) {
  try {
    const toml::table root = toml::parse(text, std::string_view(name));
    return load_table(root, std::move(name), base_dir);
  } catch (const toml::parse_error& e) {
    LoadResult result;
    result.errors.push_back(Diagnostic{name, static_cast<std::uint32_t>(e.source().begin.line),
                                       static_cast<std::uint32_t>(e.source().begin.column),
                                       "syntax error: " + std::string(e.description())});
    return result;
  }
}

LoadResult load_file(const Path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    LoadResult result;
    result.errors.push_back(Diagnostic{
        file.string(), 0, 0, std::string("cannot read the configuration file (") + std::strerror(errno) + ")"});
    return result;
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  LoadResult result = load_string(buf.str(), file.string(), file.parent_path().empty() ? "." : file.parent_path());
  if (result.config) {
    result.config->source = file;
  }
  return result;
}

std::optional<std::string> read_secret(const Secret& secret) {
  if (secret.file.empty()) {
    return secret.inline_value;
  }
  std::ifstream in(secret.file, std::ios::binary);
  if (!in) {
    return std::nullopt;
  }
  std::string value((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) {
    value.pop_back();
  }
  return value;
}

}  // namespace kimgate::conf
