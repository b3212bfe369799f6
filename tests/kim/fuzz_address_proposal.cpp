// libFuzzer: address proposals and the address check. The input is split at NUL bytes into card
// kind, given name, surname, BSNR, domain and used addresses. Every proposal is a valid address
// that is not in `used`; a proposal set is either an error or non-empty; transliteration gives
// [A-Za-z0-9-] without leading, trailing or doubled '-'; an address the check accepts has the
// FAQ's form.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kim/address_proposal.h"

namespace {

using namespace kimgate::kim;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
  return s;
}

void check_transliteration(const std::string& t) {
  for (const char c : t) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
      __builtin_trap();
    }
  }
  if (!t.empty() && (t.front() == '-' || t.back() == '-' || t.find("--") != std::string::npos)) {
    __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> parts;
  std::size_t at = 0;
  while (at <= input.size() && parts.size() < 20) {
    const std::size_t nul = input.find('\0', at);
    parts.emplace_back(input.substr(at, nul == std::string_view::npos ? std::string_view::npos : nul - at));
    if (nul == std::string_view::npos) {
      break;
    }
    at = nul + 1;
  }
  parts.resize(std::max<std::size_t>(parts.size(), 5));

  const AddressCheck check = validate_kim_address(input);
  if (check.ok()) {
    const std::size_t sign = input.find('@');
    if (sign == std::string_view::npos || sign == 0 || sign > 64 || input.size() - sign - 1 > 189 ||
        input.find("..") != std::string_view::npos) {
      __builtin_trap();
    }
  } else if (check.sentence_en.empty() || check.sentence_de.empty()) {
    __builtin_trap();
  }

  ProposalInput in;
  in.card = !parts[0].empty() && (parts[0][0] & 1) != 0 ? ProposalInput::Card::hba : ProposalInput::Card::smcb;
  in.addresses_on_card = parts[0].size() > 1 ? static_cast<unsigned char>(parts[0][1]) : 0;
  in.given_name = parts[1];
  in.surname = parts[2];
  if (!parts[3].empty()) {
    in.bsnr = parts[3];
  }
  in.domain = parts[4].empty() ? "kv.dox.kim.telematik" : parts[4];
  for (std::size_t i = 5; i < parts.size(); ++i) {
    in.used.insert(parts[i]);
  }
  check_transliteration(transliterate_name(in.given_name));
  check_transliteration(transliterate_name(in.surname));

  const Proposals p = propose_addresses(in);
  if (p.error.has_value() == !p.proposals.empty()) {
    __builtin_trap();
  }
  for (const Proposal& proposal : p.proposals) {
    if (proposal.address != proposal.editable_part + proposal.fixed_suffix ||
        !validate_kim_address(proposal.address).ok()) {
      __builtin_trap();
    }
    for (const std::string& u : in.used) {
      if (lower(u) == lower(proposal.address)) {
        __builtin_trap();
      }
    }
    if (!check_edited_address(proposal.editable_part, proposal.fixed_suffix, in.used).ok()) {
      __builtin_trap();
    }
  }
  return 0;
}
