#pragma once
// conf — the kimgate configuration model.
//
// Plain structs with the defaults of gemSpec_CM_KOMLE Tab_Konf_Param (spec digest §10)
// and our own limits. load.h turns a TOML file into a Config or a list of
// `file:line:col: sentence` diagnostics; nothing here does I/O.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace kimgate::conf {

using Duration = std::chrono::milliseconds;
using Path = std::filesystem::path;

// A secret given inline (`pin = "..."`) or, preferably, as a file (`pin_file = "..."`)
// so that the configuration itself holds none. Never logged; `config show` masks it.
struct Secret {
  std::string inline_value;
  Path file;
  bool empty() const { return inline_value.empty() && file.empty(); }
  bool operator==(const Secret&) const = default;
};

enum class ListenerProtocol { smtp, pop3 };
enum class ListenerTls { implicit, starttls, none };

struct Listener {
  ListenerProtocol protocol = ListenerProtocol::smtp;
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;
  ListenerTls tls = ListenerTls::implicit;
  // A load balancer in front (HAProxy send-proxy-v2) says who the client is in a PROXY protocol
  // header before anything else; without a valid one the connection is closed.
  bool proxy_protocol = false;
  bool operator==(const Listener&) const = default;
};

// The PVS-facing side: SMTP and POP3 listeners and their TLS identity (KOM-LE-A_2065/2066/2181).
struct PvsSection {
  std::vector<Listener> listeners;
  Path certificate;  // empty: a self-signed one is created in daemon.state_dir
  Path key;
  Secret key_password;
  Path client_ca;  // trust anchors for PVS client certificates
  bool require_client_certificate = false;
  bool plaintext_on_loopback = false;  // tls = "none" allowed only with this and a loopback address
  bool operator==(const PvsSection&) const = default;
};

enum class KonnektorKind { soap, local };
enum class KonnektorTlsAuth { certificate, basic, server_only };  // TLS_AUTH_KONNEKTOR
enum class CardType { smcb, hba };

// A card of the local Konnektor: a PKCS#11 token or a set of PKCS#12 files.
struct LocalCard {
  std::string name;
  CardType type = CardType::smcb;
  std::string iccsn;
  Path pkcs11_module;
  std::string token_label;
  std::vector<Path> p12_files;
  Secret p12_password;
  Secret pin;
  // Call contexts allowed to see the card, "MandantId/ClientSystemId/WorkplaceId"; "*" matches any part.
  std::vector<std::string> contexts;
  std::string user_id;  // HBA: the UserId a context must carry
  bool operator==(const LocalCard&) const = default;
};

struct Konnektor {
  std::string id;
  bool is_default = false;
  KonnektorKind kind = KonnektorKind::soap;
  // soap
  std::string sds_url;  // KONNEKTOR_URI, e.g. https://konnektor.konlan/connector.sds
  KonnektorTlsAuth tls_auth = KonnektorTlsAuth::certificate;
  Path client_p12;
  Secret client_p12_password;
  std::string basic_user;
  Secret basic_password;
  Path server_ca;
  std::string server_pin_sha256;  // hex SHA-256 of the Konnektor's certificate (its CN is an ICCSN)
  std::string proxy;              // http://host:port for HTTP CONNECT
  std::string time_server;        // sync_Time (NTP): "host[:port]"; empty: the sds_url host, port 123
  std::string ecc_min_signature_service = "7.4.1";
  std::string ecc_min_encryption_service = "6.1.1";
  // local
  std::vector<LocalCard> cards;
  Path trust_anchors;  // PEM bundle of TI CAs for VerifyDocument/VerifyCertificate (with OCSP and CRLs)
  bool test_setup_without_trust = false;  // without trust_anchors: 4264 / INCONCLUSIVE, allowed only when set
  // For benchmarks and timeout tests (off by default): a card's service time per private-key
  // operation, a random extra of up to `simulate_jitter`, and failures per thousand operations.
  Duration simulate_service_time{0};
  Duration simulate_jitter{0};
  std::uint64_t simulate_error_permille = 0;
  bool operator==(const Konnektor&) const = default;
};

// The VZD, reached through the Konnektor's LDAP proxy.
struct DirectorySection {
  std::string url;  // ldaps://host:port
  std::string base_dn = "dc=data,dc=vzd";
  Path client_p12;  // default: fachdienst.client_p12
  Secret client_p12_password;
  Path ca_file;
  std::string server_pin_sha256;
  Duration timeout = std::chrono::seconds(30);
  Duration connect_timeout = std::chrono::seconds(10);
  // Profession OIDs of a KV data acceptance point: the digest says .255, gemSpec_OID as quoted
  // in public code says .210; both by default (docs/decisions.md).
  std::vector<std::string> kv_profession_oids = {"1.2.276.0.76.4.255", "1.2.276.0.76.4.210"};
  bool operator==(const DirectorySection&) const = default;
};

// The KIM provider's mail servers (implicit TLS, mutual X.509, KOM-LE-A_2074).
struct FachdienstSection {
  Path client_p12;  // C.CM.TLS-CS
  Secret client_p12_password;
  Path ca_file;                       // trust anchors for FD server certificates besides VerifyCertificate
  bool verify_with_konnektor = true;  // KOM-LE-A_2075-01
  Duration connect_timeout = std::chrono::seconds(30);
  bool operator==(const FachdienstSection&) const = default;
};

// The provider's REST services (KAS, AccountLimit, Account Manager): found by DNS service
// discovery (A_19361-01, A_19523) unless a URL is configured for the provider's domain.
struct ProviderServices {
  std::string domain;               // the mailbox domain, e.g. "akquinet.kim.telematik"
  std::string kas_url;              // e.g. "https://kas.example.kim.telematik/attachments/v2.4"
  std::string account_manager_url;  // e.g. "https://accmgr.example.kim.telematik" (paths from the yaml)
  // The provider's mail servers as the PVS user names name them (kimctl pvs-settings), "host:port";
  // empty: "<domain>:465" and "<domain>:995".
  std::string smtp_server;
  std::string pop3_server;
  bool operator==(const ProviderServices&) const = default;
};

struct ServicesSection {
  std::string dns_server;                       // "address:port" for DNS-SD; empty: the system resolver
  std::string dnssd_domain = "kim.telematik";   // PTR _kas._tcp.<dnssd_domain>, _accmgr._tcp.<dnssd_domain>
  Duration timeout = std::chrono::seconds(30);  // CM_KAS_TIMEOUT: inactivity towards the KAS
  std::vector<ProviderServices> providers;
  bool operator==(const ServicesSection&) const = default;
};

struct TimeoutsSection {
  Duration konnektor = std::chrono::minutes(1);    // KONNEKTOR_TIMEOUT
  Duration smtp_server = std::chrono::minutes(5);  // SMTP_TIMEOUT_SERVER
  Duration smtp_client = std::chrono::minutes(5);  // SMTP_TIMEOUT_CLIENT
  Duration pop3_server = std::chrono::minutes(5);  // POP3_TIMEOUT_SERVER
  Duration pop3_client = std::chrono::minutes(5);  // POP3_TIMEOUT_CLIENT
  Duration tls_handshake = std::chrono::seconds(30);
  Duration shutdown = std::chrono::seconds(30);  // how long SIGTERM waits for sessions
  bool operator==(const TimeoutsSection&) const = default;
};

struct CacheSection {
  Duration enc_cert = std::chrono::hours(12);          // TTL_ENC_CERT
  Duration kim_version = std::chrono::hours(24);       // A_22340: at most 24 h
  Duration email_iccsn = std::chrono::hours(24 * 30);  // TTL_EMAIL_ICCSN
  Duration negative = std::chrono::minutes(5);
  Duration account_limits = std::chrono::hours(24);  // A_22416: getLimits answers, per account
  std::uint64_t max_entries = 10000;
  bool operator==(const CacheSection&) const = default;
};

struct LimitsSection {
  std::uint64_t command_line = 512;  // RFC 5321 §4.5.3.1.4
  std::uint64_t text_line = 1000;    // RFC 5321 §4.5.3.1.6
  std::uint64_t auth_line = 12288;   // RFC 4954 §4
  std::uint64_t header_section = 1 << 20;
  std::uint64_t max_recipients = 1000;
  std::uint64_t max_message_size = 734003200;   // maxMailSize, 700 MiB
  std::uint64_t konnektor_document = 15728640;  // 15 MiB, KOM-LE-A_2004-01; larger mails go through the KAS
  std::uint64_t spool_memory = 1 << 20;         // of a mail in flight; the rest in a sealed spool file
  std::uint64_t error_count = 10;
  std::uint64_t login_failures = 5;                        // per mailbox and client address
  Duration login_lock = std::chrono::minutes(15);          // that client address, that mailbox
  Duration login_failure_delay = std::chrono::seconds(2);  // doubled per failure, at most 8 x
  std::uint64_t connections = 1000;                        // PVS connections at once
  std::uint64_t connections_per_client = 100;              // from one client address
  bool operator==(const LimitsSection&) const = default;
};

enum class LogLevel { trace, debug, info, warn, error };
enum class LogTarget { automatic, console, journald, file };

struct LogSection {
  LogLevel level = LogLevel::info;
  LogTarget target = LogTarget::automatic;
  Path directory = "/var/log/kimgate";               // target "file": kimgated-YYYY-MM-DD.log
  Duration retention = std::chrono::hours(24 * 30);  // TTL_PROTS: files older than this are deleted
  bool operator==(const LogSection&) const = default;
};

struct DaemonSection {
  Path state_dir = "/var/lib/kimgate";
  std::string hostname;                               // greeting name; empty: the machine's host name
  Path control_socket = "/run/kimgate/control.sock";  // kimctl talks to the running daemon here
  std::uint64_t worker_threads = 2;
  Path spool_dir;  // sealed spool files of mails in flight; empty: <state_dir>/spool
  bool operator==(const DaemonSection&) const = default;
};

// The admin web page (web/): off unless enabled; loopback only (docs/decisions.md, "Admin web page").
struct WebSection {
  bool enabled = false;
  std::string address = "127.0.0.1";
  std::uint16_t port = 8465;
  Path admin_password_hash_file;                        // empty: <state_dir>/web-admin.argon2 (kimctl web password)
  Duration session_idle = std::chrono::minutes(15);     // a login ends after this long without a request
  Duration request_timeout = std::chrono::seconds(30);  // per request: read, handle, write
  std::uint64_t max_request_body = 64 * 1024;           // form posts are small
  bool operator==(const WebSection&) const = default;
};

// The Prometheus endpoint (GET /metrics, text format 0.0.4): off unless `port` is set; loopback
// only, address and port read like [web]'s (docs/decisions.md, "Metrics and PROXY protocol").
struct MetricsSection {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0 (not set): off
  bool enabled() const { return port != 0; }
  bool operator==(const MetricsSection&) const = default;
};

// Routing addresses (issue 18; docs/decisions.md "Routing"): a PVS may send to
// eau-<IK>@<domain>, eau@<domain> or kv-<service>@<domain>; kimgated replaces them with the
// insurer's or KV's KIM address. The master files are optional; without an SDKVCA file KV
// addresses come from the VZD, without a Kostenträger file an IK is its own Haupt-IK.
struct RoutingSection {
  std::string domain = "route.kimgate.invalid";  // RFC 2606: never a real mail domain
  Path services_file;                            // empty: the shipped conf/route-services.txt (built in)
  Path kostentraeger_file;                       // "<IK> <Haupt-IK>" lines
  Path sdkvca_file;                              // KBV SDKVCA (eHD XML)
  bool operator==(const RoutingSection&) const = default;
};

// Receive filtering by application (issue 18; kim/receive_filter.h): a POP3 login of `mailbox`
// from the workplace and client system named (empty: any) sees only the messages whose outer
// X-KIM-Dienstkennung matches one of `applications`, and with `unclaimed` also those no filter
// of the mailbox takes. The first matching entry in file order applies; a login no entry
// matches sees the whole mailbox.
struct ReceiveFilter {
  std::string mailbox;
  std::string workplace;      // WorkplaceId of the POP3 user name
  std::string client_system;  // ClientSystemId of the POP3 user name
  std::vector<std::string> applications;
  bool unclaimed = false;
  bool operator==(const ReceiveFilter&) const = default;
};

// Tracking of routed submissions (issue 18; docs/decisions.md "Tracking (issue 18)"): each
// routed mail the provider accepted becomes a Vorgang in <state_dir>/track.sqlite; answers that
// pass the POP3 receive path are matched to it.
enum class TrackBackend { sqlite, postgresql };

struct TrackingSection {
  bool enabled = true;
  // sqlite: embedded, one instance; postgresql: one database that several instances share (issue 20).
  TrackBackend backend = TrackBackend::sqlite;
  Path database;                // sqlite; empty: <state_dir>/track.sqlite
  std::string postgresql;       // libpq connection string, e.g. "host=db.example port=5432 dbname=kimgate user=kimgate"
  Secret postgresql_password;   // never in the connection string
  double deadline_scale = 1.0;  // multiplies every application's deadline (tests shrink it)
  bool notices = true;          // overdue/ERROR notices to the practice's own address
  bool operator==(const TrackingSection&) const = default;
};

struct Config {
  Path source;
  DaemonSection daemon;
  LogSection log;
  PvsSection pvs;
  std::vector<Konnektor> konnektors;
  DirectorySection directory;
  FachdienstSection fachdienst;
  ServicesSection services;
  TimeoutsSection timeouts;
  CacheSection cache;
  LimitsSection limits;
  WebSection web;
  RoutingSection routing;
  std::vector<ReceiveFilter> receive_filters;
  TrackingSection tracking;
  MetricsSection metrics;

  // The Konnektor marked default (verify() guarantees there is exactly one).
  const Konnektor& default_konnektor() const;
  const Konnektor* find_konnektor(std::string_view id) const;
  // web.admin_password_hash_file, or <state_dir>/web-admin.argon2.
  Path web_password_file() const;
  // tracking.database, or <state_dir>/track.sqlite.
  Path tracking_database() const;
  bool operator==(const Config&) const = default;
};

std::string_view to_string(ListenerProtocol p);
std::string_view to_string(ListenerTls t);

}  // namespace kimgate::conf
