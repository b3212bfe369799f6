#pragma once
// AccountStore: the KIM accounts this kimgated registered or adopted (the administration
// module), and each account's own client certificate (C.CM.TLS-CS from createCert).
//
// Registry: <state_dir>/accounts.json, one entry per address (address, provider, Telematik-ID,
// card ICCSN, call context, KIM version, certificate notAfter and SHA-256) — no secrets.
// Certificates: <state_dir>/accounts/<address>/client.crt (leaf + chain, PEM) and client.key
// (PEM, mode 0600), each written to a temporary file and renamed into place. From then on
// tls_for(address) gives the TLS context that presents it to the provider (SMTP, POP3, KAS,
// AccountLimit, Account Manager); an address without one gets null (the caller falls back to
// fachdienst.client_p12). Thread-safe (one mutex); no I/O besides the state files.
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "crypto/ossl.h"
#include "net/asio.h"

namespace kimgate::daemon {

struct AccountRecord {
  std::string address;
  std::string provider;  // the provider's domain (the address's domain part)
  std::string telematik_id;
  std::string card;  // ICCSN
  std::string konnektor;
  std::string mandant_id;
  std::string client_system_id;
  std::string workplace_id;
  std::string user_id;  // HBA accounts
  std::string kim_version = "1.5";
  std::string certificate_not_after;  // ISO 8601 UTC; empty: no own certificate yet
  std::string certificate_sha256;
};

struct InstalledCertificate {
  std::string not_after;  // ISO 8601 UTC
  std::string sha256;     // hex of the leaf's DER
};

class AccountStore {
 public:
  // `ca_file`: trust anchors for the providers' server certificates (fachdienst.ca_file).
  AccountStore(std::filesystem::path state_dir, std::filesystem::path ca_file);

  // Reads the registry and every installed certificate; one sentence per problem (the account
  // stays listed, its certificate unused).
  std::vector<std::string> load();

  std::vector<AccountRecord> list() const;
  std::optional<AccountRecord> find(const std::string& address) const;  // case-insensitive
  // Adds or replaces the entry of record.address and writes the registry; a sentence on failure.
  std::optional<std::string> save(const AccountRecord& record);

  // Writes key and certificates of `p12` for `address` and makes them its TLS identity now.
  std::variant<InstalledCertificate, std::string> install(const std::string& address,
                                                          const crypto::Pkcs12Contents& p12);
  // The account's own TLS context towards its provider; null when it has none.
  std::shared_ptr<net::asio::ssl::context> tls_for(const std::string& address) const;

  std::filesystem::path directory_of(const std::string& address) const;

 private:
  std::optional<std::string> write_registry() const;  // under mutex_
  std::optional<std::string> make_tls(const std::string& address, const crypto::Pkcs12Contents& p12);

  std::filesystem::path state_dir_;
  std::filesystem::path ca_file_;
  mutable std::mutex mutex_;
  std::map<std::string, AccountRecord> accounts_;  // by lower-cased address
  std::map<std::string, std::shared_ptr<net::asio::ssl::context>> tls_;
};

// notAfter of a certificate as ISO 8601 UTC ("2027-12-04T18:00:00Z"); empty when unreadable.
std::string not_after_iso(X509* cert);
// An RFC 3339 date-time ("2027-12-04T18:00:00Z", "2026-12-24T00:00:00+01:00", fractions ignored)
// as a time point; nullopt when unreadable.
std::optional<std::chrono::system_clock::time_point> parse_iso_utc(const std::string& iso);
// Writes `content` to `path` through a temporary file in the same directory (fsync, rename),
// created with `mode`; a sentence on failure.
std::optional<std::string> write_file_atomically(const std::filesystem::path& path, std::string_view content,
                                                 unsigned mode);

}  // namespace kimgate::daemon
