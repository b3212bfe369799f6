#pragma once
// AlgorithmIdentifiers of the KIM profile and signature verification by
// AlgorithmIdentifier. Internal to crypto/.
#include <openssl/evp.h>

#include <string>

#include "crypto/der.h"
#include "crypto/types.h"

namespace kimgate::crypto::alg {

Bytes sha256();             // { id-sha256 } (parameters absent, RFC 5754)
Bytes sha256_null();        // { id-sha256, NULL } (RFC 4055 style, inside PSS/OAEP parameters)
Bytes rsassa_pss_sha256();  // RSASSA-PSS, SHA-256, MGF1-SHA-256, salt 32
Bytes ecdsa_sha256();       // ecdsa-with-SHA256
Bytes rsaes_oaep_sha256();  // RSAES-OAEP, SHA-256, MGF1-SHA-256, empty label
Bytes aes256_wrap();        // id-aes256-wrap (parameters absent)
Bytes ecdh_sha256kdf_aes256_wrap();

// OID text of an AlgorithmIdentifier's contents' first element.
std::string digest_oid(der::View alg_contents);

enum class VerifyStatus { valid, invalid, unsupported };
struct VerifyOutcome {
  VerifyStatus status;
  std::string detail;
};
// Verifies `signature` over `data` with the algorithm given by the AlgorithmIdentifier contents.
// Accepts RSASSA-PSS with SHA-256 (salt as stated) and ecdsa-with-SHA256.
VerifyOutcome verify_signature(EVP_PKEY* key, der::View sig_alg_contents, const Bytes& data, const Bytes& signature);

// RSAES-OAEP parameters check: SHA-256 hash and MGF1-SHA-256, default (empty) label.
bool is_oaep_sha256(der::View alg_contents);

}  // namespace kimgate::crypto::alg
