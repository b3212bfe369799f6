#include "crypto/ossl.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include "crypto/base64.h"
#include "crypto/der.h"

namespace kimgate::crypto {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

BioPtr mem_bio(const Bytes& data) {
  return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

bool looks_like_pem(const Bytes& data) {
  const std::string_view s(reinterpret_cast<const char*>(data.data()), data.size());
  return s.find("-----BEGIN") != std::string_view::npos;
}

}  // namespace

std::string openssl_error() {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) {
    return "unknown OpenSSL error";
  }
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

namespace {

// Parsed certificates by their DER: the same few certificates (the sender's, the recipients',
// the CA chain) come by with every mail, and d2i_X509 of each was a fifth of a mail's CPU. An
// X509 is reference-counted and safe to share read-only between threads, so a hit is an
// up_ref. Bounded; the least recently used entry goes first.
class ParsedCertificates {
 public:
  X509Ptr find(const Bytes& der) {
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(key(der));
    if (it == entries_.end()) {
      return nullptr;
    }
    it->second.last_use = ++clock_;
    X509_up_ref(it->second.x509.get());
    return X509Ptr(it->second.x509.get());
  }
  void add(const Bytes& der, X509* x) {
    std::lock_guard lock(mutex_);
    if (entries_.size() >= kCapacity) {
      auto oldest = entries_.begin();
      for (auto e = entries_.begin(); e != entries_.end(); ++e) {
        if (e->second.last_use < oldest->second.last_use) {
          oldest = e;
        }
      }
      entries_.erase(oldest);
    }
    X509_up_ref(x);
    entries_.insert_or_assign(key(der), Entry{X509Ptr(x), ++clock_});
  }

 private:
  static constexpr std::size_t kCapacity = 512;
  struct Entry {
    X509Ptr x509;
    std::uint64_t last_use = 0;
  };
  static std::string key(const Bytes& der) { return std::string(der.begin(), der.end()); }
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  std::uint64_t clock_ = 0;
};

ParsedCertificates& parsed_certificates() {
  static ParsedCertificates cache;
  return cache;
}

}  // namespace

Result<Certificate> certificate_from_der(const Bytes& der) {
  if (X509Ptr cached = parsed_certificates().find(der)) {
    return Result<Certificate>::success(Certificate{std::move(cached), der});
  }
  const unsigned char* p = der.data();
  X509* x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (x == nullptr) {
    return Result<Certificate>::failure("not a DER certificate: " + openssl_error());
  }
  parsed_certificates().add(der, x);
  return Result<Certificate>::success(Certificate{X509Ptr(x), der});
}

Result<Certificate> certificate_from_pem_or_der(const Bytes& data) {
  if (!looks_like_pem(data)) {
    return certificate_from_der(data);
  }
  auto all = certificates_from_pem(data);
  if (all.empty()) {
    return Result<Certificate>::failure("no certificate in PEM text");
  }
  return Result<Certificate>::success(std::move(all.front()));
}

std::vector<Certificate> certificates_from_pem(const Bytes& pem) {
  std::vector<Certificate> out;
  BioPtr bio = mem_bio(pem);
  while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    unsigned char* buf = nullptr;
    const int n = i2d_X509(x, &buf);
    Bytes der(buf, buf + (n > 0 ? n : 0));
    OPENSSL_free(buf);
    out.push_back(Certificate{X509Ptr(x), std::move(der)});
  }
  ERR_clear_error();
  return out;
}

Result<PkeyPtr> private_key_from_pem(const Bytes& pem) {
  BioPtr bio = mem_bio(pem);
  EVP_PKEY* k = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  if (k == nullptr) {
    return Result<PkeyPtr>::failure("cannot read private key: " + openssl_error());
  }
  return Result<PkeyPtr>::success(PkeyPtr(k));
}

namespace {

// A library context with the legacy provider (RC2-40, 3DES, ...) beside the default one, made
// on first need and used only to read PKCS#12 files that use those algorithms — what many
// Konnektors export and gematik's test material uses. Nothing else ever fetches from it.
OSSL_LIB_CTX* legacy_context() {
  static OSSL_LIB_CTX* ctx = [] {
    OSSL_LIB_CTX* c = OSSL_LIB_CTX_new();
    if (c != nullptr && (OSSL_PROVIDER_load(c, "legacy") == nullptr || OSSL_PROVIDER_load(c, "default") == nullptr)) {
      OSSL_LIB_CTX_free(c);
      c = nullptr;
    }
    return c;
  }();
  return ctx;
}

struct Parsed {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  STACK_OF(X509) * ca = nullptr;
  void clear() {
    EVP_PKEY_free(key);
    X509_free(cert);
    sk_X509_pop_free(ca, X509_free);
    *this = Parsed{};
  }
};

// Parses with the calling thread's default library context set to `ctx` (null: the default).
bool parse_in(OSSL_LIB_CTX* ctx, const Bytes& p12, const std::string& password, Parsed& out, bool& mac_ok) {
  OSSL_LIB_CTX* previous = ctx != nullptr ? OSSL_LIB_CTX_set0_default(ctx) : nullptr;
  const unsigned char* p = p12.data();
  PKCS12* pk = d2i_PKCS12(nullptr, &p, static_cast<long>(p12.size()));
  bool ok = false;
  if (pk != nullptr) {
    mac_ok = !PKCS12_mac_present(pk) || PKCS12_verify_mac(pk, password.c_str(), -1) == 1;
    ok = mac_ok && PKCS12_parse(pk, password.c_str(), &out.key, &out.cert, &out.ca) == 1 && out.key != nullptr &&
         out.cert != nullptr;
    PKCS12_free(pk);
  }
  if (ctx != nullptr) {
    OSSL_LIB_CTX_set0_default(previous);
  }
  if (!ok) {
    out.clear();
  }
  return ok;
}

// Objects made in the legacy context, re-read in the default one (so nothing else touches it).
template <typename T, typename Encode, typename Decode>
T* reread(T* in, Encode encode, Decode decode) {
  unsigned char* buf = nullptr;
  const int n = encode(in, &buf);
  const unsigned char* p = buf;
  T* out = n > 0 ? decode(nullptr, &p, n) : nullptr;
  OPENSSL_free(buf);
  return out;
}

}  // namespace

Result<Pkcs12Contents> read_pkcs12(const Bytes& p12, const std::string& password) {
  {
    const unsigned char* p = p12.data();
    PKCS12* probe = d2i_PKCS12(nullptr, &p, static_cast<long>(p12.size()));
    if (probe == nullptr) {
      return Result<Pkcs12Contents>::failure("not a PKCS#12 file: " + openssl_error());
    }
    PKCS12_free(probe);
  }
  Parsed parsed;
  bool mac_ok = false;
  if (!parse_in(nullptr, p12, password, parsed, mac_ok)) {
    ERR_clear_error();
    bool legacy_mac_ok = false;
    if (legacy_context() != nullptr && parse_in(legacy_context(), p12, password, parsed, legacy_mac_ok)) {
      // RC2-40 / 3DES / SHA-1 MAC: readable, but move the results out of the legacy context.
      EVP_PKEY* key = reread(parsed.key, i2d_PrivateKey, [](EVP_PKEY**, const unsigned char** pp, long len) {
        return d2i_AutoPrivateKey(nullptr, pp, len);
      });
      X509* cert = reread(parsed.cert, i2d_X509, d2i_X509);
      STACK_OF(X509)* ca = sk_X509_new_null();
      for (int i = 0; parsed.ca != nullptr && i < sk_X509_num(parsed.ca); ++i) {
        sk_X509_push(ca, reread(sk_X509_value(parsed.ca, i), i2d_X509, d2i_X509));
      }
      if (X509* c = parsed.cert; c != nullptr) {
        int alias_len = 0;
        if (const unsigned char* alias = X509_alias_get0(c, &alias_len); alias != nullptr && alias_len > 0) {
          X509_alias_set1(cert, alias, alias_len);
        }
      }
      parsed.clear();
      parsed.key = key;
      parsed.cert = cert;
      parsed.ca = ca;
    } else {
      const bool wrong_password = !mac_ok && !legacy_mac_ok;
      ERR_clear_error();
      return Result<Pkcs12Contents>::failure(
          wrong_password ? "cannot open PKCS#12: the password is wrong (MAC check failed)"
                         : "cannot open PKCS#12: its algorithms are not supported, not even by OpenSSL's legacy "
                           "provider");
    }
  }
  EVP_PKEY* key = parsed.key;
  X509* cert = parsed.cert;
  STACK_OF(X509)* ca = parsed.ca;
  if (key == nullptr || cert == nullptr) {
    parsed.clear();
    return Result<Pkcs12Contents>::failure("cannot open PKCS#12: no key and certificate in it");
  }
  Pkcs12Contents out;
  int alias_len = 0;
  if (const unsigned char* alias = X509_alias_get0(cert, &alias_len); alias != nullptr && alias_len > 0) {
    out.friendly_name.assign(reinterpret_cast<const char*>(alias), static_cast<std::size_t>(alias_len));
  }
  out.key.reset(key);
  auto to_cert = [](X509* x) {
    unsigned char* buf = nullptr;
    const int n = i2d_X509(x, &buf);
    Bytes der(buf, buf + (n > 0 ? n : 0));
    OPENSSL_free(buf);
    return Certificate{X509Ptr(x), std::move(der)};
  };
  out.cert = to_cert(cert);
  for (int i = 0; ca != nullptr && i < sk_X509_num(ca); ++i) {
    out.chain.push_back(to_cert(sk_X509_value(ca, i)));
  }
  sk_X509_free(ca);
  return Result<Pkcs12Contents>::success(std::move(out));
}

Result<Pkcs12Contents> read_pkcs12_file(const std::filesystem::path& path, const std::string& password) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    return Result<Pkcs12Contents>::failure("cannot read \"" + path.string() + "\"");
  }
  const Bytes bytes{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
  auto contents = read_pkcs12(bytes, password);
  if (!contents.ok()) {
    return Result<Pkcs12Contents>::failure("\"" + path.string() + "\": " + contents.error);
  }
  return contents;
}

Pkcs12Pem pkcs12_pem(const Pkcs12Contents& p12) {
  Pkcs12Pem out;
  BioPtr certs(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(certs.get(), p12.cert.x509.get());
  for (const auto& c : p12.chain) {
    PEM_write_bio_X509(certs.get(), c.x509.get());
  }
  BioPtr key(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(key.get(), p12.key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long n = BIO_get_mem_data(certs.get(), &data);
  out.certificates.assign(data, static_cast<std::size_t>(n));
  n = BIO_get_mem_data(key.get(), &data);
  out.key.assign(data, static_cast<std::size_t>(n));
  OPENSSL_cleanse(data, static_cast<std::size_t>(n));
  return out;
}

Pkcs12Pem::~Pkcs12Pem() {
  OPENSSL_cleanse(key.data(), key.size());
}

Result<Bytes> issuer_and_serial(const Bytes& cert_der) {
  using R = Result<Bytes>;
  auto cert = der::read(der::view(cert_der));
  if (!cert || cert->tag != der::kSequence) {
    return R::failure("certificate is not a SEQUENCE");
  }
  der::Reader outer(cert->contents);
  auto tbs = outer.next_if(der::kSequence);
  if (!tbs) {
    return R::failure("certificate has no tbsCertificate");
  }
  der::Reader r(tbs->contents);
  r.next_if(der::context(0, true));  // version
  auto serial = r.next_if(der::kInteger);
  auto sig_alg = r.next_if(der::kSequence);
  auto issuer = r.next_if(der::kSequence);
  if (!serial || !sig_alg || !issuer) {
    return R::failure("certificate lacks serial number or issuer");
  }
  return R::success(der::seq({der::copy(issuer->raw), der::copy(serial->raw)}));
}

Bytes sha256(der::View data) {
  Bytes out(32);
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &n, EVP_sha256(), nullptr);
  return out;
}

Bytes random_bytes(std::size_t n) {
  Bytes out(n);
  if (RAND_bytes(out.data(), static_cast<int>(n)) != 1) {
    throw std::runtime_error("RAND_bytes failed");  // broken invariant: no entropy
  }
  return out;
}

std::string base64_encode(der::View data) {
  return base64::encode(std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
}

namespace {
constexpr std::size_t kLineInput = 57;  // input bytes of one 76-character line
}  // namespace

std::size_t base64_lines_size(std::size_t data_size) {
  const std::size_t lines = (data_size + kLineInput - 1) / kLineInput;
  return 4 * ((data_size + 2) / 3) + 2 * lines;
}

std::string base64_encode_lines(der::View data) {
  std::string out;
  base64_append_lines(data, out);
  return out;
}

void base64_append_lines(der::View data, std::string& out) {
  // Each line is encoded straight into its place (no whole unbroken copy first).
  // EVP_EncodeBlock's NUL lands where the CRLF goes.
  std::size_t at = out.size();
  out.resize(at + base64_lines_size(data.size()) + 1);
  for (std::size_t i = 0; i < data.size(); i += kLineInput) {
    const std::size_t n = std::min(kLineInput, data.size() - i);
    const int written =
        EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data() + at), data.data() + i, static_cast<int>(n));
    at += static_cast<std::size_t>(written);
    out[at++] = '\r';
    out[at++] = '\n';
  }
  out.resize(at);
}

Result<Bytes> base64_decode(std::string_view text) {
  std::string error;
  std::optional<std::string> decoded = base64::decode(text, base64::Whitespace::skip, &error);
  if (!decoded) {
    return Result<Bytes>::failure(error);
  }
  Bytes out(decoded->begin(), decoded->end());
  OPENSSL_cleanse(decoded->data(), decoded->size());
  return Result<Bytes>::success(std::move(out));
}

}  // namespace kimgate::crypto
