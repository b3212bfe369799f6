#pragma once
// Thin RAII and helpers over OpenSSL objects used across crypto/: certificates
// and keys from DER/PEM/PKCS#12, base64 (OpenSSL's decoder, never mimetic's),
// SHA-256, random bytes, the last OpenSSL error as a sentence, and the
// issuerAndSerialNumber of a certificate copied byte for byte from its DER.
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/der.h"
#include "crypto/types.h"

namespace kimgate::crypto {

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

// A certificate kept both as parsed object and as its exact DER. Copies share the X509.
struct Certificate {
  X509Ptr x509;
  Bytes der;

  Certificate() = default;
  Certificate(X509Ptr x, Bytes d) : x509(std::move(x)), der(std::move(d)) {}
  Certificate(const Certificate& o) : x509(o.x509 ? up_ref(o.x509.get()) : nullptr), der(o.der) {}
  Certificate(Certificate&&) noexcept = default;
  Certificate& operator=(const Certificate& o) {
    if (this != &o) {
      x509.reset(o.x509 ? up_ref(o.x509.get()) : nullptr);
      der = o.der;
    }
    return *this;
  }
  Certificate& operator=(Certificate&&) noexcept = default;
  ~Certificate() = default;

 private:
  static X509* up_ref(X509* x) {
    X509_up_ref(x);
    return x;
  }
};

Result<Certificate> certificate_from_der(const Bytes& der);
// First certificate of a PEM text, or DER if the bytes are not PEM.
Result<Certificate> certificate_from_pem_or_der(const Bytes& data);
std::vector<Certificate> certificates_from_pem(const Bytes& pem);
Result<PkeyPtr> private_key_from_pem(const Bytes& pem);

// Key, leaf certificate and CA certificates of a PKCS#12 file's bytes: the one PKCS#12 reader
// of kimgate (card keys of the local Konnektor, C.CM.TLS-CS for TLS and the VZD, kimctl).
struct Pkcs12Contents {
  PkeyPtr key;
  Certificate cert;
  std::vector<Certificate> chain;
  std::string friendly_name;  // of the leaf certificate; empty when it has none
};
Result<Pkcs12Contents> read_pkcs12(const Bytes& p12, const std::string& password);
// The same from a file; the error names the file.
Result<Pkcs12Contents> read_pkcs12_file(const std::filesystem::path& path, const std::string& password);
// Leaf and chain certificates, and the key, as PEM text (for libraries that read only PEM);
// the key text is wiped when the object goes.
struct Pkcs12Pem {
  std::string certificates;
  std::string key;
  Pkcs12Pem() = default;
  Pkcs12Pem(Pkcs12Pem&&) = default;
  Pkcs12Pem(const Pkcs12Pem&) = delete;
  Pkcs12Pem& operator=(const Pkcs12Pem&) = delete;
  ~Pkcs12Pem();
};
Pkcs12Pem pkcs12_pem(const Pkcs12Contents& p12);

// DER of IssuerAndSerialNumber ::= SEQUENCE { issuer Name, serialNumber INTEGER },
// both copied from the certificate's tbsCertificate.
Result<Bytes> issuer_and_serial(const Bytes& cert_der);

Bytes sha256(der::View data);
Bytes random_bytes(std::size_t n);
std::string openssl_error();

// Base64 without line breaks, and a decoder that skips whitespace (CR, LF, space, tab)
// and fails on any other non-alphabet character or bad padding.
std::string base64_encode(der::View data);
Result<Bytes> base64_decode(std::string_view text);
// The same, folded into CRLF-terminated lines of 76 characters (MIME).
std::string base64_encode_lines(der::View data);
// The size of those lines, and the lines appended to `out` in place (no copy of their own).
std::size_t base64_lines_size(std::size_t data_size);
void base64_append_lines(der::View data, std::string& out);

}  // namespace kimgate::crypto
