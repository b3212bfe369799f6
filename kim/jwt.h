#pragma once
// The JWT that authorises every I_AccountManager_Service call (gemSpec_CM_KOMLE A_19457-02,
// spec digest kim-admin-and-kas.md §2.1), assembled in three pure steps:
//   1. signing_input(): base64url(header) "." base64url(body) with
//        header {"alg":"PS256"|"BP256R1","typ":"JWT","x5c":["<base64 DER of the card's AUT certificate>"]}
//        body   {"nbf":now-30,"iat":now,"exp":now+min(jwtExpiration,300)}
//   2. digest(): SHA-256 of the signing input — what Konnektor::external_authenticate signs with the
//      card's AUT key (RSASSA-PSS, salt 32, for RSA; ECDSA for brainpoolP256r1), through the card queue.
//   3. finish(): appends "." base64url(signature). RSA signatures are used as they are; an ECDSA
//      signature in DER (ECDSA-Sig-Value) becomes the raw r||s of 64 bytes that JWS wants.
// No I/O, no keys: the private-key operation happens behind the Konnektor interface.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kimgate::kim::jwt {

enum class Algorithm {
  ps256,   // RSA AUT key: RSASSA-PSS with SHA-256, MGF1-SHA-256, salt 32
  bp256r1  // brainpoolP256r1 AUT key: ECDSA with SHA-256, signature r||s (gematik IDP's "BP256R1")
};
std::string_view to_string(Algorithm a);  // "PS256" / "BP256R1"

inline constexpr std::uint64_t kMaxLifetime = 300;  // seconds, whatever jwtExpiration allows
inline constexpr std::int64_t kNotBeforeSkew = 30;  // nbf = now - 30: a provider clock slightly behind

// RFC 7515 base64url without padding, and its strict inverse (nullopt on '=', '+', '/', bad length).
std::string base64url(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);

std::string header_json(Algorithm alg, std::span<const std::uint8_t> aut_certificate_der);
// `jwt_expiration`: ServiceInformation.jwtExpiration (seconds); nullopt or anything above 300 -> 300.
std::string body_json(std::int64_t now, std::optional<std::uint64_t> jwt_expiration);

// base64url(header) "." base64url(body).
std::string signing_input(Algorithm alg, std::span<const std::uint8_t> aut_certificate_der, std::int64_t now,
                          std::optional<std::uint64_t> jwt_expiration);
// SHA-256 of the signing input (32 bytes).
std::vector<std::uint8_t> digest(std::string_view signing_input);

// DER ECDSA-Sig-Value (SEQUENCE { INTEGER r, INTEGER s }) -> r||s, each left-padded to 32 bytes.
// Strict DER: minimal lengths and integers, positive values below 2^256, nothing after the
// SEQUENCE. nullopt with a sentence in `error` otherwise.
std::optional<std::vector<std::uint8_t>> ecdsa_der_to_raw(std::span<const std::uint8_t> der, std::string& error);

// The compact JWT: signing input "." base64url(signature). For bp256r1 the signature is converted
// from DER; a signature of exactly 64 bytes that is not DER is taken as r||s already. An RSA
// signature must have 128..1024 bytes. nullopt with a sentence in `error` otherwise.
std::optional<std::string> finish(std::string_view signing_input, Algorithm alg,
                                  std::span<const std::uint8_t> signature, std::string& error);

}  // namespace kimgate::kim::jwt
