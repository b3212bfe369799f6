#pragma once
// KIM addresses the setup assistant proposes for a card, and the one check of an address's form.
// Pure: no I/O, never throws.
//
// Proposals follow kv.dox's registration page (seeds.md, routing-and-identifiers.md §1):
//   SMC-B  "B-<BSNR>" + ".<KV>@<provider domain>"
//   eHBA   "<Vorname>.<Nachname>" + ".<KV>@<provider domain>"  (names from the AUT certificate,
//          transliterated to ASCII: ä->ae, ö->oe, ü->ue, ß->ss, other accents dropped)
// The admin may edit `editable_part`; `fixed_suffix` (".<KV>", derived from the BSNR's region
// through kim/identifiers, and the domain) is fixed. An address in `used` (already
// issued once, compared case-insensitively) is never proposed again: the editable part gets "-2",
// "-3", ... instead. A card holds at most 100 addresses (seeds.md).
//
// validate_kim_address() checks the FAQ's form (spec kim-admin-and-kas.md §6.2, A_21455-01):
// local part [A-Za-z0-9._-], 1..64 characters, no leading, trailing or double dot; domain
// [a-z0-9.-], at most 189 characters, labels not empty and not starting or ending with '-', ending
// in ".kim.telematik" (or ".kim.telematik-test" in test environments).
#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace kimgate::kim {

enum class AddressProblem {
  none,
  no_at,                 // not exactly one '@'
  local_empty,           // nothing before the '@'
  local_too_long,        // more than 64 characters before the '@'
  local_bad_character,   // a character other than A-Z a-z 0-9 . _ -
  local_dots,            // a leading, trailing or double dot in the local part
  domain_too_long,       // more than 189 characters after the '@'
  domain_bad_character,  // a character other than a-z 0-9 . -
  domain_labels,         // an empty label (double dot), or a label starting or ending with '-'
  domain_not_kim,        // not ending in .kim.telematik / .kim.telematik-test
  already_used,          // check_edited_address: the address was issued before
};

struct AddressCheck {
  AddressProblem problem = AddressProblem::none;
  std::string sentence_en;  // empty when ok; names the address and what is wrong
  std::string sentence_de;
  bool ok() const { return problem == AddressProblem::none; }
};
AddressCheck validate_kim_address(std::string_view address);

// The KV short name of kv.dox's proposals for a Landes-KV or Bezirksstelle code ("46", "41" ->
// "KVH"); nullopt for a code that is no KV region (docs/decisions.md lists the names).
std::optional<std::string_view> kv_short_name(std::string_view region_code);

// German names in ASCII for a local part: umlauts and ß spelled out, other Latin letters without
// their accents, spaces and dashes -> '-', everything else dropped; runs of '-' collapsed.
std::string transliterate_name(std::string_view utf8);

// The BSNR in a KV-issued practice's Telematik-ID "1-2<BSNR>..." (vzd-ldap.md §4, inferred), when
// the nine digits after "1-2" are a BSNR with a known KV region.
std::optional<std::string> bsnr_from_telematik_id(std::string_view telematik_id);

inline constexpr std::size_t kMaxAddressesPerCard = 100;

struct ProposalInput {
  enum class Card { smcb, hba };
  Card card = Card::smcb;
  std::string domain;                 // the provider's domain, e.g. "kv.dox.kim.telematik"
  std::optional<std::string> bsnr;    // SMC-B: required; eHBA: the practice's, for the KV part (optional)
  std::string given_name;             // eHBA: the AUT certificate's GivenName (UTF-8)
  std::string surname;                // eHBA: the AUT certificate's Surname (UTF-8)
  std::set<std::string> used;         // addresses issued before (any case); never proposed again
  std::size_t addresses_on_card = 0;  // addresses the card has already
};

struct Proposal {
  std::string address;        // editable_part + fixed_suffix
  std::string editable_part;  // e.g. "B-461234500" or "Anna.Mueller"
  std::string fixed_suffix;   // e.g. ".KVH@kv.dox.kim.telematik"
};

struct ProposalError {
  enum class Kind { limit_reached, no_bsnr, bad_bsnr, no_name, bad_domain };
  Kind kind;
  std::string sentence_en;  // the cause and what the admin can do
  std::string sentence_de;
};

struct Proposals {
  std::vector<Proposal> proposals;  // best first, each valid and not in `used`; empty when error
  std::optional<ProposalError> error;
};
Proposals propose_addresses(const ProposalInput& input);

// The address from an edited part and the fixed suffix of a proposal, checked; `used` as above.
AddressCheck check_edited_address(std::string_view editable_part, std::string_view fixed_suffix,
                                  const std::set<std::string>& used);

}  // namespace kimgate::kim
