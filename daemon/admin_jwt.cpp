// The Account Manager's JWT (spec digest §2.1, A_19457-02) signed by the card: kim/jwt assembles
// header and body and finishes the token; the SHA-256 of the signing input is signed by the card's
// AUT key through the Konnektor's ExternalAuthenticate (RSASSA-PSS for RSA, ECDSA for
// brainpoolP256r1). Never a local key.
#include <chrono>

#include "daemon/admin_flows.h"
#include "kim/jwt.h"

namespace kimgate::daemon {

using net::awaitable;
using nlohmann::json;

awaitable<std::variant<std::string, json>> AdminService::Flows::jwt(const AdminCard& card, std::uint64_t lifetime,
                                                                    AdminProgress& progress) {
  const kim::jwt::Algorithm alg =
      card.crypt == konnektor::Crypt::ecc ? kim::jwt::Algorithm::bp256r1 : kim::jwt::Algorithm::ps256;
  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  const std::string input = kim::jwt::signing_input(alg, card.aut.der, now, lifetime);
  const std::string step1 =
      "Signing the Account Manager's token with card " + card.card.iccsn + " (ExternalAuthenticate)";
  co_await progress(step1);
  const konnektor::Bytes digest = kim::jwt::digest(input);
  const auto signature = co_await deps.cards->sign_digest(card, digest);
  if (!signature.ok()) {
    co_return admin_failure(
        "The card " + card.card.iccsn + " could not sign the Account Manager's token (ExternalAuthenticate): " +
            std::to_string(signature.error.code) + " " + signature.error.text + ".",
        "Die Karte " + card.card.iccsn +
            " konnte das Token für den Account Manager nicht signieren (ExternalAuthenticate): " +
            std::to_string(signature.error.code) + " " + signature.error.text + ".",
        "Check that the card is inserted and unlocked (kimctl card list), then try again.",
        "Prüfen Sie, ob die Karte steckt und freigeschaltet ist (kimctl card list), und versuchen Sie es erneut.");
  }
  std::string error;
  std::optional<std::string> token = kim::jwt::finish(input, alg, *signature.value, error);
  if (!token) {
    co_return admin_failure("The Konnektor's signature cannot be used for the token: " + error + ".",
                            "Die Signatur des Konnektors ist für das Token nicht verwendbar: " + error + ".",
                            "Try again; if it persists, check the Konnektor.",
                            "Versuchen Sie es erneut; bleibt der Fehler, prüfen Sie den Konnektor.");
  }
  co_return std::move(*token);
}

}  // namespace kimgate::daemon
