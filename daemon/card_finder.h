#pragma once
// CardFinder: which card behind one Konnektor to use, and making sure its PIN is verified.
//
// Receive side (§5.4, KOM-LE-A_2060/2061): the SMC-B or eHBA whose ENC certificate (RSA, and ECC
// when the Konnektor is ECC-capable, A_17464/A_17472) is named by one of the rids that
// recipient-emails lists for the POP3-authenticated address. The mapping address+rid -> ICCSN
// is remembered for TTL_EMAIL_ICCSN (cache.email_iccsn); a remembered ICCSN counts only while
// GetCards still shows that card. An eHBA is only visible with its UserId in the context
// (the Konnektor answers 4003 otherwise), so an HBA-bound account decrypts only with it.
// Send side (§4.7): the SM-B of the sender's institution (or the first one, for eHBA mailboxes).
//
// Both end with GetPinStatus (PIN.SMC / PIN.CH) and VerifyPin when the card is not yet
// unlocked. Results are values: the card, or a CardProblem with the Konnektor's code and a
// sentence for logs. One CardFinder per Konnektor; used from the io_context's thread only.
#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "konnektor/konnektor.h"

namespace kimgate::daemon {

enum class CardProblem {
  none,
  not_found,    // no visible card holds a matching key (DecryptionResult 01, SMTP 451)
  pin,          // PIN blocked, transport PIN, rejected or not entered (01)
  unavailable,  // the Konnektor or the card terminal does not answer (03)
  context,      // the call context is wrong (4003-4006, 4021)
};
std::string_view card_problem_name(CardProblem p);
// The problem class of a Konnektor error.
CardProblem problem_of(const konnektor::Error& e);

struct FoundCard {
  konnektor::Card card;
  konnektor::Crypt key = konnektor::Crypt::rsa;  // the ENC key that matched (DecryptDocument's KeyReference)
};

struct CardSearch {
  std::optional<FoundCard> found;
  CardProblem problem = CardProblem::none;
  int code = 0;        // the Konnektor's code when one caused the problem
  std::string detail;  // sentence for logs (no secrets)
};

// Index of the first certificate (DER) whose issuerAndSerialNumber is one of `rids`.
std::optional<std::size_t> matching_certificate(const std::vector<konnektor::Bytes>& certificates,
                                                const std::vector<konnektor::Bytes>& rids);

class CardFinder {
 public:
  CardFinder(konnektor::Konnektor& konnektor, bool ecc_capable, std::chrono::milliseconds ttl, std::size_t max_entries);

  // (a) The card holding the ENC key of one of `rids` (the rids recipient-emails gives for
  // `address`), PIN verified.
  net::awaitable<CardSearch> card_for_rids(const konnektor::CallContext& ctx, const std::string& address,
                                           const std::vector<konnektor::Bytes>& rids);
  // (b) The SM-B that signs (§4.7): the one whose C.HCI.ENC certificate carries `telematik_id`
  // (the sender's VZD entry), or the first SM-B the context sees when `telematik_id` is empty
  // (an eHBA-bound mailbox: HBAs never sign). PIN verified.
  net::awaitable<CardSearch> signing_smcb(const konnektor::CallContext& ctx, const std::string& telematik_id);
  // GetPinStatus, then VerifyPin unless already verified.
  net::awaitable<CardSearch> unlocked(const konnektor::CallContext& ctx, FoundCard card);

  bool ecc_capable() const { return ecc_; }
  // The Konnektor's ECC capability changed (a firmware update shows in its product information).
  void set_ecc_capable(bool ecc) { ecc_ = ecc; }

 private:
  struct Remembered {
    std::string iccsn;
    konnektor::Crypt key = konnektor::Crypt::rsa;
    std::chrono::steady_clock::time_point expires;
  };
  // The ENC key of `card` that one of `rids` names; nullopt when none (or the card is not ours to read).
  net::awaitable<std::optional<konnektor::Crypt>> matching_key(const konnektor::CallContext& ctx,
                                                               const konnektor::Card& card,
                                                               const std::vector<konnektor::Bytes>& rids,
                                                               std::optional<konnektor::Error>& failure);
  // TelematikID of an SM-B's C.HCI.ENC certificate, remembered by ICCSN ("" when unreadable).
  net::awaitable<std::string> telematik_id_of(const konnektor::CallContext& ctx, const konnektor::Card& card);
  static std::string cache_key(const std::string& address, const konnektor::Bytes& rid);
  void remember(const std::string& key, const Remembered& r);

  konnektor::Konnektor& konnektor_;
  bool ecc_;
  std::chrono::milliseconds ttl_;
  std::size_t max_entries_;
  std::map<std::string, Remembered> cache_;
  std::map<std::string, std::string>
      telematik_ids_;  // ICCSN -> TelematikID  // lower-cased address + rid -> ICCSN (TTL_EMAIL_ICCSN)
};

}  // namespace kimgate::daemon
