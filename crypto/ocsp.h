#pragma once
// OCSP (RFC 6960) for certificate status, without I/O: build the request bytes, the caller
// sends them (HTTP POST application/ocsp-request), and the response bytes are checked here:
// signature by the CA or a delegated responder (EKU OCSPSigning) chaining to the trusted
// certificates, the CertID of our certificate, and thisUpdate/nextUpdate against the clock.
#include <vector>

#include "crypto/certificate.h"
#include "crypto/ossl.h"
#include "crypto/types.h"

namespace kimgate::crypto {

// DER OCSPRequest with one SHA-1 CertID (RFC 5019 profile), no nonce.
Result<Bytes> ocsp_request(const Certificate& cert, const Certificate& issuer);

// ok (good), revoked, or untrusted/malformed with a sentence (unknown status, bad signature,
// stale response, wrong certificate).
CertCheck ocsp_status(const Bytes& response_der, const Certificate& cert, const Certificate& issuer,
                      const std::vector<Certificate>& trusted);

}  // namespace kimgate::crypto
