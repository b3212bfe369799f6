#include "crypto/ocsp.h"

#include <openssl/ocsp.h>

#include <memory>

namespace kimgate::crypto {
namespace {

struct OcspFree {
  void operator()(OCSP_REQUEST* p) const { OCSP_REQUEST_free(p); }
  void operator()(OCSP_RESPONSE* p) const { OCSP_RESPONSE_free(p); }
  void operator()(OCSP_BASICRESP* p) const { OCSP_BASICRESP_free(p); }
  void operator()(OCSP_CERTID* p) const { OCSP_CERTID_free(p); }
  void operator()(X509_STORE* p) const { X509_STORE_free(p); }
};
template <class T>
using Owned = std::unique_ptr<T, OcspFree>;

}  // namespace

Result<Bytes> ocsp_request(const Certificate& cert, const Certificate& issuer) {
  Owned<OCSP_REQUEST> req(OCSP_REQUEST_new());
  OCSP_CERTID* id = OCSP_cert_to_id(EVP_sha1(), cert.x509.get(), issuer.x509.get());
  if (!req || id == nullptr || OCSP_request_add0_id(req.get(), id) == nullptr) {
    OCSP_CERTID_free(id);
    return Result<Bytes>::failure("OCSP request: " + openssl_error());
  }
  unsigned char* buf = nullptr;
  const int n = i2d_OCSP_REQUEST(req.get(), &buf);
  if (n <= 0) {
    return Result<Bytes>::failure("OCSP request: " + openssl_error());
  }
  Bytes out(buf, buf + n);
  OPENSSL_free(buf);
  return Result<Bytes>::success(std::move(out));
}

CertCheck ocsp_status(const Bytes& response_der, const Certificate& cert, const Certificate& issuer,
                      const std::vector<Certificate>& trusted) {
  const unsigned char* p = response_der.data();
  Owned<OCSP_RESPONSE> resp(d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(response_der.size())));
  if (!resp) {
    openssl_error();
    return {CertStatus::malformed, "not an OCSP response"};
  }
  if (OCSP_response_status(resp.get()) != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
    return {CertStatus::untrusted, "OCSP responder did not answer successfully"};
  }
  Owned<OCSP_BASICRESP> basic(OCSP_response_get1_basic(resp.get()));
  if (!basic) {
    openssl_error();
    return {CertStatus::malformed, "OCSP response without BasicOCSPResponse"};
  }
  Owned<X509_STORE> store(X509_STORE_new());
  for (const auto& c : trusted) {
    X509_STORE_add_cert(store.get(), c.x509.get());
  }
  STACK_OF(X509)* extra = sk_X509_new_null();
  sk_X509_push(extra, issuer.x509.get());
  const int verified = OCSP_basic_verify(basic.get(), extra, store.get(), 0);
  sk_X509_free(extra);
  if (verified != 1) {
    openssl_error();
    return {CertStatus::untrusted, "OCSP response signature or responder not trusted"};
  }
  Owned<OCSP_CERTID> id(OCSP_cert_to_id(EVP_sha1(), cert.x509.get(), issuer.x509.get()));
  int status = 0;
  int reason = 0;
  ASN1_GENERALIZEDTIME* revoked_at = nullptr;
  ASN1_GENERALIZEDTIME* this_update = nullptr;
  ASN1_GENERALIZEDTIME* next_update = nullptr;
  if (!id ||
      OCSP_resp_find_status(basic.get(), id.get(), &status, &reason, &revoked_at, &this_update, &next_update) != 1) {
    openssl_error();
    return {CertStatus::malformed, "OCSP response does not cover this certificate"};
  }
  if (OCSP_check_validity(this_update, next_update, 300, -1) != 1) {
    openssl_error();
    return {CertStatus::untrusted, "OCSP response is stale or not yet valid"};
  }
  if (status == V_OCSP_CERTSTATUS_REVOKED) {
    return {CertStatus::revoked, "certificate revoked (OCSP)"};
  }
  if (status != V_OCSP_CERTSTATUS_GOOD) {
    return {CertStatus::untrusted, "OCSP status unknown"};
  }
  return {CertStatus::ok, ""};
}

}  // namespace kimgate::crypto
