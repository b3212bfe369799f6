#include "crypto/ossl.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>

#include <stdexcept>

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

Result<Certificate> certificate_from_der(const Bytes& der) {
  const unsigned char* p = der.data();
  X509* x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (x == nullptr) {
    return Result<Certificate>::failure("not a DER certificate: " + openssl_error());
  }
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

Result<Pkcs12Contents> read_pkcs12(const Bytes& p12, const std::string& password) {
  const unsigned char* p = p12.data();
  PKCS12* pk = d2i_PKCS12(nullptr, &p, static_cast<long>(p12.size()));
  if (pk == nullptr) {
    return Result<Pkcs12Contents>::failure("not a PKCS#12 file: " + openssl_error());
  }
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  STACK_OF(X509)* ca = nullptr;
  const int ok = PKCS12_parse(pk, password.c_str(), &key, &cert, &ca);
  PKCS12_free(pk);
  if (ok != 1 || key == nullptr || cert == nullptr) {
    EVP_PKEY_free(key);
    X509_free(cert);
    sk_X509_pop_free(ca, X509_free);
    return Result<Pkcs12Contents>::failure("cannot open PKCS#12 (wrong password?): " + openssl_error());
  }
  Pkcs12Contents out;
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
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data.data(), static_cast<int>(data.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string base64_encode_lines(der::View data) {
  const std::string flat = base64_encode(data);
  std::string out;
  out.reserve(flat.size() + flat.size() / 38 + 2);
  for (std::size_t i = 0; i < flat.size(); i += 76) {
    out.append(flat, i, 76);
    out += "\r\n";
  }
  return out;
}

Result<Bytes> base64_decode(std::string_view text) {
  std::string clean;
  clean.reserve(text.size());
  for (char c : text) {
    if (c == '\r' || c == '\n' || c == ' ' || c == '\t') {
      continue;
    }
    const bool alpha =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
    if (!alpha) {
      return Result<Bytes>::failure("invalid base64 character");
    }
    clean.push_back(c);
  }
  if (clean.size() % 4 != 0) {
    return Result<Bytes>::failure("base64 length is not a multiple of 4");
  }
  const std::size_t eq = clean.find('=');
  if (eq != std::string::npos && (clean.size() - eq > 2 || clean.find_first_not_of('=', eq) != std::string::npos)) {
    return Result<Bytes>::failure("base64 padding in the middle");
  }
  Bytes out(clean.size() / 4 * 3 + 1);
  const int n =
      EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(clean.data()), static_cast<int>(clean.size()));
  if (n < 0) {
    return Result<Bytes>::failure("invalid base64");
  }
  std::size_t len = static_cast<std::size_t>(n);
  if (!clean.empty() && clean.back() == '=') {
    --len;
  }
  if (clean.size() >= 2 && clean[clean.size() - 2] == '=') {
    --len;
  }
  out.resize(len);
  return Result<Bytes>::success(std::move(out));
}

}  // namespace kimgate::crypto
