#pragma once
// AdminCards: the administration module's way to a practice's card (SMC-B or eHBA) by ICCSN —
// which Konnektor has it, with which call context (the card's first allowed context on a local
// Konnektor, or the one the request names; an eHBA with its UserId), its handle, the PIN
// verified through the daemon's CardFinder, and its AUT certificate (C.HCI.AUT / C.HP.AUT; RSA
// first, brainpoolP256r1 when the Konnektor is ECC-capable and the card has no RSA one).
// sign_digest() is ExternalAuthenticate with that key through the Konnektor — on a local
// Konnektor through the card's fair queue like every signature (konnektor/card_queue.h).
// Never a local key. Used from the io_context's thread only.
#include <optional>
#include <string>
#include <vector>

#include "crypto/ossl.h"
#include "daemon/konnektor_routes.h"
#include "konnektor/konnektor.h"

namespace kimgate::daemon {

struct AdminCard {
  std::string konnektor_id;
  konnektor::Konnektor* konnektor = nullptr;
  CardFinder* finder = nullptr;
  konnektor::CallContext context;
  konnektor::Card card;
  crypto::Certificate aut;  // the AUT certificate (DER kept)
  konnektor::Crypt crypt = konnektor::Crypt::rsa;
  std::string telematik_id;  // from the AUT certificate's admission extension
  std::string holder;        // CardHolderName
};

struct AdminCardResult {
  std::optional<AdminCard> card;
  std::string error;  // a sentence naming the card and the cause
};

// A card as the setup assistant offers it (account.context).
struct CardOffer {
  std::string iccsn;
  std::string type;  // "SMC-B" or "HBA"
  std::string holder;
  std::string konnektor;
  std::string context;  // "Mandant/ClientSystem/Workplace" the daemon would use
};

class AdminCards {
 public:
  AdminCards(const KonnektorMap& konnektors, KonnektorRoutes& routes, const conf::Config& config)
      : konnektors_(konnektors), routes_(routes), config_(config) {}

  // Every card of the local Konnektors (a SOAP Konnektor's cards need a call context: name it).
  std::vector<CardOffer> offers() const;
  // The card `iccsn`, unlocked, with its AUT certificate. `context` (optional) is the call
  // context to use ("" parts: derived from the card's configuration).
  net::awaitable<AdminCardResult> open(const std::string& iccsn, const konnektor::CallContext& context);
  // ExternalAuthenticate of a SHA-256 digest with the card's AUT key: RSASSA-PSS for RSA, the
  // DER ECDSA signature for ECC (the JWT code converts it to r||s).
  net::awaitable<konnektor::Outcome<konnektor::Bytes>> sign_digest(const AdminCard& card,
                                                                   const konnektor::Bytes& digest);

 private:
  std::optional<konnektor::CallContext> context_of(const std::string& konnektor_id, const std::string& iccsn,
                                                   const konnektor::CallContext& asked) const;

  const KonnektorMap& konnektors_;
  KonnektorRoutes& routes_;
  const conf::Config& config_;
};

// "Mandant1/CS1/*" -> the call context the administration module uses ("*" becomes "kimgate-admin").
konnektor::CallContext context_from_pattern(const std::string& pattern);

}  // namespace kimgate::daemon
