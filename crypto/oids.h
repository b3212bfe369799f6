#pragma once
// Object identifiers of the KIM CMS profile (gemSMIME_KOMLE, RFC 5652/5083/5084/4055/5753/6211/5035).
namespace kimgate::crypto::oids {

inline constexpr const char* data = "1.2.840.113549.1.7.1";
inline constexpr const char* signed_data = "1.2.840.113549.1.7.2";
inline constexpr const char* auth_enveloped_data = "1.2.840.113549.1.9.16.1.23";
inline constexpr const char* content_type = "1.2.840.113549.1.9.3";
inline constexpr const char* message_digest = "1.2.840.113549.1.9.4";
inline constexpr const char* signing_time = "1.2.840.113549.1.9.5";
inline constexpr const char* signing_certificate_v2 = "1.2.840.113549.1.9.16.2.47";
inline constexpr const char* cms_algorithm_protection = "1.2.840.113549.1.9.52";
inline constexpr const char* recipient_emails = "1.2.276.0.76.4.173";
inline constexpr const char* sha256 = "2.16.840.1.101.3.4.2.1";
inline constexpr const char* rsa_encryption = "1.2.840.113549.1.1.1";
inline constexpr const char* rsaes_oaep = "1.2.840.113549.1.1.7";
inline constexpr const char* mgf1 = "1.2.840.113549.1.1.8";
inline constexpr const char* rsassa_pss = "1.2.840.113549.1.1.10";
inline constexpr const char* ec_public_key = "1.2.840.10045.2.1";
inline constexpr const char* ecdsa_with_sha256 = "1.2.840.10045.4.3.2";
inline constexpr const char* ecdh_sha256kdf = "1.3.132.1.11.1";  // dhSinglePass-stdDH-sha256kdf-scheme
inline constexpr const char* aes256_wrap = "2.16.840.1.101.3.4.1.45";
inline constexpr const char* aes256_gcm = "2.16.840.1.101.3.4.1.46";
inline constexpr const char* brainpool_p256r1 = "1.3.36.3.3.2.8.1.1.7";
inline constexpr const char* admission = "1.3.36.8.3.3";

}  // namespace kimgate::crypto::oids
