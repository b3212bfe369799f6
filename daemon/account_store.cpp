#include "daemon/account_store.h"

#include <fcntl.h>
#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string_view>

#include "net/tls.h"

namespace kimgate::daemon {

using nlohmann::json;

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// A KIM address is safe as a directory name (§6.2: letters, digits, ".-_@" only, no "..").
bool safe_address(const std::string& a) {
  if (a.empty() || a.size() > 256 || a.find("..") != std::string::npos || a.front() == '.') {
    return false;
  }
  return std::all_of(a.begin(), a.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '.' || c == '-' || c == '_' || c == '@';
  });
}

json to_json(const AccountRecord& r) {
  return json{{"address", r.address},
              {"provider", r.provider},
              {"telematik_id", r.telematik_id},
              {"card", r.card},
              {"konnektor", r.konnektor},
              {"mandant_id", r.mandant_id},
              {"client_system_id", r.client_system_id},
              {"workplace_id", r.workplace_id},
              {"user_id", r.user_id},
              {"kim_version", r.kim_version},
              {"certificate_not_after", r.certificate_not_after},
              {"certificate_sha256", r.certificate_sha256}};
}

AccountRecord from_json(const json& j) {
  AccountRecord r;
  const auto text = [&j](const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  r.address = text("address");
  r.provider = text("provider");
  r.telematik_id = text("telematik_id");
  r.card = text("card");
  r.konnektor = text("konnektor");
  r.mandant_id = text("mandant_id");
  r.client_system_id = text("client_system_id");
  r.workplace_id = text("workplace_id");
  r.user_id = text("user_id");
  r.kim_version = text("kim_version");
  r.certificate_not_after = text("certificate_not_after");
  r.certificate_sha256 = text("certificate_sha256");
  return r;
}

std::optional<std::string> read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return std::nullopt;
  }
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string hex(const crypto::Bytes& b) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (const auto c : b) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

}  // namespace

std::string not_after_iso(X509* cert) {
  std::tm tm{};
  if (cert == nullptr || ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) != 1) {
    return {};
  }
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::optional<std::string> write_file_atomically(const std::filesystem::path& path, std::string_view content,
                                                 unsigned mode) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  ::unlink(tmp.c_str());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    return "cannot create \"" + tmp.string() + "\": " + std::strerror(errno);
  }
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n <= 0) {
      const std::string why = std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      return "cannot write \"" + tmp.string() + "\": " + why;
    }
    done += static_cast<std::size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced || ::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    return "cannot put \"" + path.string() + "\" in place: " + why;
  }
  return std::nullopt;
}

AccountStore::AccountStore(std::filesystem::path state_dir, std::filesystem::path ca_file)
    : state_dir_(std::move(state_dir)), ca_file_(std::move(ca_file)) {}

std::filesystem::path AccountStore::directory_of(const std::string& address) const {
  return state_dir_ / "accounts" / lower(address);
}

std::vector<std::string> AccountStore::load() {
  std::vector<std::string> problems;
  const auto text = read_text(state_dir_ / "accounts.json");
  if (!text) {
    return problems;  // nothing registered yet
  }
  const json j = json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("accounts") || !j["accounts"].is_array()) {
    problems.push_back("the account registry " + (state_dir_ / "accounts.json").string() + " is not readable JSON");
    return problems;
  }
  std::lock_guard lock(mutex_);
  for (const auto& entry : j["accounts"]) {
    if (!entry.is_object()) {
      continue;
    }
    AccountRecord r = from_json(entry);
    if (!safe_address(r.address)) {
      problems.push_back("the account registry lists an unusable address \"" + r.address + "\"");
      continue;
    }
    accounts_[lower(r.address)] = r;
    const std::filesystem::path dir = directory_of(r.address);
    const auto pem = read_text(dir / "client.crt");
    auto key_pem = read_text(dir / "client.key");
    if (!pem || !key_pem) {
      continue;  // no own certificate yet
    }
    crypto::Pkcs12Contents p12;
    auto certs = crypto::certificates_from_pem(crypto::Bytes(pem->begin(), pem->end()));
    auto key = crypto::private_key_from_pem(crypto::Bytes(key_pem->begin(), key_pem->end()));
    OPENSSL_cleanse(key_pem->data(), key_pem->size());
    if (certs.empty() || !key.ok()) {
      problems.push_back("the certificate of " + r.address + " in " + dir.string() + " is not readable");
      continue;
    }
    p12.key = std::move(*key.value);
    p12.cert = certs.front();
    p12.chain.assign(certs.begin() + 1, certs.end());
    if (auto e = make_tls(r.address, p12)) {
      problems.push_back(*e);
    }
  }
  return problems;
}

std::vector<AccountRecord> AccountStore::list() const {
  std::lock_guard lock(mutex_);
  std::vector<AccountRecord> out;
  for (const auto& [key, r] : accounts_) {
    out.push_back(r);
  }
  return out;
}

std::optional<AccountRecord> AccountStore::find(const std::string& address) const {
  std::lock_guard lock(mutex_);
  const auto it = accounts_.find(lower(address));
  return it == accounts_.end() ? std::nullopt : std::optional<AccountRecord>(it->second);
}

std::optional<std::string> AccountStore::save(const AccountRecord& record) {
  if (!safe_address(record.address)) {
    return "\"" + record.address + "\" is not a usable KIM address";
  }
  std::lock_guard lock(mutex_);
  accounts_[lower(record.address)] = record;
  return write_registry();
}

std::optional<std::string> AccountStore::write_registry() const {
  json list = json::array();
  for (const auto& [key, r] : accounts_) {
    list.push_back(to_json(r));
  }
  std::error_code ec;
  std::filesystem::create_directories(state_dir_, ec);
  return write_file_atomically(state_dir_ / "accounts.json", json{{"accounts", list}}.dump(1) + "\n", 0640);
}

std::optional<std::string> AccountStore::make_tls(const std::string& address, const crypto::Pkcs12Contents& p12) {
  net::ClientTlsOptions options{{p12.key.get(), p12.cert.x509.get(), {}}, ca_file_};
  for (const auto& ca : p12.chain) {
    options.identity.chain.push_back(ca.x509.get());
  }
  net::ClientTls made = net::make_client_tls(options);
  if (!made.context) {
    return "the certificate of " + address + " cannot be used for TLS: " + made.error;
  }
  tls_[lower(address)] = std::move(made.context);
  return std::nullopt;
}

std::variant<InstalledCertificate, std::string> AccountStore::install(const std::string& address,
                                                                      const crypto::Pkcs12Contents& p12) {
  if (!safe_address(address)) {
    return "\"" + address + "\" is not a usable KIM address";
  }
  if (!p12.key || !p12.cert.x509) {
    return std::string("the provider's PKCS#12 holds no key or no certificate");
  }
  if (X509_check_private_key(p12.cert.x509.get(), p12.key.get()) != 1) {
    return std::string("the provider's PKCS#12 holds a key that does not belong to its certificate");
  }
  const std::filesystem::path dir = directory_of(address);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return "cannot create \"" + dir.string() + "\": " + ec.message();
  }
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace, ec);
  const crypto::Pkcs12Pem pem = crypto::pkcs12_pem(p12);
  if (pem.key.empty() || pem.certificates.empty()) {
    return std::string("the provider's PKCS#12 could not be converted to PEM");
  }
  std::lock_guard lock(mutex_);
  // Key first: a crash between the two leaves the old certificate with a key that does not
  // match it, which load() reports; never a certificate without its key.
  if (auto e = write_file_atomically(dir / "client.key", pem.key, 0600)) {
    return *e;
  }
  if (auto e = write_file_atomically(dir / "client.crt", pem.certificates, 0644)) {
    return *e;
  }
  if (auto e = make_tls(address, p12)) {
    return *e;
  }
  InstalledCertificate out{not_after_iso(p12.cert.x509.get()), hex(crypto::sha256(p12.cert.der))};
  auto it = accounts_.find(lower(address));
  if (it != accounts_.end()) {
    it->second.certificate_not_after = out.not_after;
    it->second.certificate_sha256 = out.sha256;
    if (auto e = write_registry()) {
      return *e;
    }
  }
  spdlog::info("event=account_certificate_installed address={} not_after={} sha256={}", address, out.not_after,
               out.sha256);
  return out;
}

std::shared_ptr<net::asio::ssl::context> AccountStore::tls_for(const std::string& address) const {
  std::lock_guard lock(mutex_);
  const auto it = tls_.find(lower(address));
  return it == tls_.end() ? nullptr : it->second;
}

std::optional<std::chrono::system_clock::time_point> parse_iso_utc(const std::string& iso) {
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(iso.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &consumed) != 6 ||
      consumed != 19) {
    return std::nullopt;
  }
  std::string_view rest = std::string_view(iso).substr(19);
  if (!rest.empty() && rest.front() == '.') {  // fractional seconds (RFC 3339), ignored
    rest.remove_prefix(1);
    while (!rest.empty() && rest.front() >= '0' && rest.front() <= '9') {
      rest.remove_prefix(1);
    }
  }
  long offset = 0;
  if (rest == "Z" || rest == "z") {
    offset = 0;
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
    int h = 0;
    int m = 0;
    if (std::sscanf(std::string(rest.substr(1)).c_str(), "%2d:%2d", &h, &m) != 2 || h > 23 || m > 59) {
      return std::nullopt;
    }
    offset = (rest[0] == '+' ? 1 : -1) * (h * 3600L + m * 60L);
  } else {
    return std::nullopt;
  }
  if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
      tm.tm_sec > 60) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const time_t t = timegm(&tm);
  if (t == static_cast<time_t>(-1)) {
    return std::nullopt;
  }
  return std::chrono::system_clock::from_time_t(t - offset);
}

}  // namespace kimgate::daemon
