#pragma once
// Value types of the Konnektor seam (spec digest konnektor.md §3, §4, §6): call
// context, cards, PIN states, certificate references, errors with the gematik code.
// Shared by every Konnektor implementation and by everything above the seam.
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace kimgate::konnektor {

using Bytes = std::vector<std::uint8_t>;
// A document handed to the Konnektor: the caller keeps the bytes alive until the call returns.
using ByteView = std::span<const std::uint8_t>;

// CCTX:Context. user_id is needed for HBA card sessions (error 4003 without it).
struct CallContext {
  std::string mandant_id;
  std::string client_system_id;
  std::string workplace_id;
  std::string user_id;
};

enum class CardType { smc_b, hba, other };
std::string_view card_type_name(CardType t);  // "SMC-B", "HBA", "UNKNOWN"

struct Card {
  std::string handle;  // valid for one insertion only
  CardType type = CardType::other;
  std::string iccsn;   // stable across insertions
  std::string holder;  // CardHolderName
  std::chrono::system_clock::time_point inserted;
};

// One card as the administrator sees it (kimctl card list through the control socket): every
// card a Konnektor manages itself, regardless of call contexts.
struct CardStatus {
  std::string name;
  CardType type = CardType::other;
  std::string iccsn;
  bool inserted = false;
  std::string handle;
  std::string holder;
  bool unlocked = false;
  std::size_t certificates = 0;
  std::vector<std::string> contexts;
  std::string problem;
};

enum class PinType { smc, ch };  // PIN.SMC (SMC-B), PIN.CH (HBA)
enum class PinStatus { verified, transport_pin, empty_pin, blocked, verifiable };
enum class PinResult { ok, rejected, was_blocked, now_blocked, error };

struct PinState {
  PinStatus status = PinStatus::verifiable;
  std::optional<int> left_tries;
};
struct PinOutcome {
  PinResult result = PinResult::error;
  std::optional<int> left_tries;
};

enum class CertRef { aut, enc, sig, qes };  // C.AUT, C.ENC, C.SIG (OSIG on an SMC-B), C.QES
enum class Crypt { rsa, ecc };              // the Konnektor's Crypt / KeyReference C.ENC_RSA / C.ENC_ECC

struct CardCertificate {
  CertRef ref = CertRef::enc;
  Crypt crypt = Crypt::rsa;
  Bytes der;
};

// A Konnektor error: the numeric gematik code (4000–4999 Konnektor, 1–109 generic, vendor 10000+)
// and its text, as the PVS must be shown them; kind groups codes for the callers' reply tables.
struct Error {
  enum class Kind {
    context,      // 4003–4006, 4010–4012, 4021: the call context is wrong (SMTP 501, POP3 -ERR)
    card,         // 4008, 4047, 4051, 4209, ...: no such card, wrong card
    pin,          // 4085, 4063, 4065, ...: card not unlocked / PIN problem
    busy,         // 4060, 4093: resource busy
    document,     // 4000-style parameter problems, document too large
    unavailable,  // 1, 2, 4002, 4032, 4040: the Konnektor or card cannot be reached
    timeout,      // KONNEKTOR_TIMEOUT passed
    other,
  };
  Kind kind = Kind::other;
  int code = 0;
  std::string text;
};

// A value or an Error; every Konnektor operation returns one.
template <class T>
struct Outcome {
  std::optional<T> value;
  Error error;
  bool ok() const { return value.has_value(); }
  static Outcome success(T v) { return Outcome{std::move(v), {}}; }
  static Outcome failure(Error e) { return Outcome{std::nullopt, std::move(e)}; }
};
using Done = std::monostate;

// Signature algorithms a card key offers for ExternalAuthenticate / signing.
enum class SignatureScheme { rsassa_pss_sha256, ecdsa_sha256 };

// VerifyDocument: the Konnektor code of the overall result (TAB_KON_754), 0 when the signature
// and the signer certificate's status were both checked fine.
struct VerifyResult {
  int code = 0;  // 0, 4264 (status not checkable), 4115, 4253, 4112, 4206, or another code
  std::string detail;
  Bytes content;      // the signed content as received
  Bytes signer_cert;  // DER
};
// The IntegrityCheckResult a code stands for is kim::signature_verdict_of (kim/receive_decision.h).

enum class CertificateVerification { valid, invalid, inconclusive };

// connector.sds ProductInformation, for X-KIM-KONVersion and the ECC rule.
struct ProductInformation {
  std::string vendor_id;
  std::string product_name;
  std::string product_type;
  std::string product_type_version;
  std::string hw_version;
  std::string fw_version;
  std::string signature_service_version;
  std::string encryption_service_version;
};

// "<ProductName><ProductType><ProductTypeVersion><HWVersion><FWVersion>" (A_21388-01).
std::string kon_version_header(const ProductInformation& p);

// A_17464: ECC-capable when SignatureService >= min_sig and EncryptionService >= min_enc
// (dotted versions compared numerically; missing parts count as 0).
bool ecc_capable(const ProductInformation& p, std::string_view min_sig, std::string_view min_enc);
int compare_versions(std::string_view a, std::string_view b);

}  // namespace kimgate::konnektor
