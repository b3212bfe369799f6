// account.proposals: the addresses the setup assistant offers for a card at a provider
// (kim/address_proposal.h, the kv.dox way): the BSNR from the request or the SMC-B's Telematik-ID,
// the eHBA holder's names from its AUT certificate, and the addresses this kimgated registered for
// the card's Telematik-ID as "used" (never proposed again; at most 100 per card).
#include <openssl/x509.h>

#include "daemon/admin_flows.h"
#include "kim/address_proposal.h"
#include "kim/identifiers.h"

namespace kimgate::daemon {

using net::awaitable;
using nlohmann::json;

namespace {

std::string subject_text(X509* cert, int nid) {
  X509_NAME* name = cert == nullptr ? nullptr : X509_get_subject_name(cert);
  const int at = name == nullptr ? -1 : X509_NAME_get_index_by_NID(name, nid, -1);
  if (at < 0) {
    return {};
  }
  unsigned char* utf8 = nullptr;
  const int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, at)));
  if (n < 0) {
    return {};
  }
  std::string out(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(n));
  OPENSSL_free(utf8);
  return out;
}

// The BSNR in a KV practice's Telematik-ID: kim's reading ("1-2" + nine digits), else "1-20" + nine
// digits (the test world's and vzd-ldap.md's "1-20... contains the BSNR"; docs/decisions.md).
std::optional<std::string> bsnr_of(const std::string& telematik_id) {
  std::optional<std::string> bsnr = kim::bsnr_from_telematik_id(telematik_id);
  if (!bsnr && telematik_id.rfind("1-20", 0) == 0 && telematik_id.size() >= 13) {
    const std::string digits = telematik_id.substr(4, 9);
    if (kim::check_bsnr(digits).ok()) {
      bsnr = digits;
    }
  }
  return bsnr;
}

}  // namespace

awaitable<json> AdminService::Flows::proposals(const json& request, AdminProgress progress) {
  const std::string iccsn = admin::text(request, "card");
  const std::string provider = admin::lower(admin::text(request, "provider"));
  if (iccsn.empty()) {
    co_return admin::missing("card", "the card's ICCSN", "die ICCSN der Karte");
  }
  if (provider.empty()) {
    co_return admin::missing("provider", "the provider's domain", "die Domain des Anbieters");
  }
  const konnektor::CallContext context = admin::requested_context(request);
  auto opened = co_await open_card(iccsn, context, progress);
  if (auto* failure = std::get_if<json>(&opened)) {
    co_return *failure;
  }
  const AdminCard card = std::get<AdminCard>(std::move(opened));
  kim::ProposalInput input;
  input.card =
      card.card.type == konnektor::CardType::hba ? kim::ProposalInput::Card::hba : kim::ProposalInput::Card::smcb;
  input.domain = provider;
  const std::string bsnr = admin::text(request, "bsnr");
  input.bsnr = bsnr.empty() ? bsnr_of(card.telematik_id) : std::optional<std::string>(bsnr);
  input.given_name = subject_text(card.aut.x509.get(), NID_givenName);
  input.surname = subject_text(card.aut.x509.get(), NID_surname);
  for (const AccountRecord& r : deps.accounts->list()) {
    if (r.telematik_id == card.telematik_id) {
      input.used.insert(r.address);
      ++input.addresses_on_card;
    }
  }
  const kim::Proposals made = kim::propose_addresses(input);
  if (made.error) {
    co_return admin_failure(made.error->sentence_en, made.error->sentence_de,
                            "Enter an address by hand (kimctl account register --address).",
                            "Geben Sie eine Adresse von Hand ein (kimctl account register --address).");
  }
  json list = json::array();
  for (const kim::Proposal& p : made.proposals) {
    list.push_back(json{{"address", p.address}, {"editable_part", p.editable_part}, {"fixed_suffix", p.fixed_suffix}});
  }
  co_return json{{"ok", true},
                 {"card", iccsn},
                 {"telematik_id", card.telematik_id},
                 {"proposals", list},
                 {"used", input.addresses_on_card},
                 {"limit", kim::kMaxAddressesPerCard}};
}

}  // namespace kimgate::daemon
