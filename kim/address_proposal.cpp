#include "kim/address_proposal.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>

#include "kim/identifiers.h"

namespace kimgate::kim {

namespace {

constexpr std::size_t kMaxLocal = 64;
constexpr std::size_t kMaxDomain = 189;

bool ascii_alnum(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

std::string lowered(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
  return out;
}

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

// The address as a sentence may quote it: printable ASCII, at most 100 bytes.
std::string quoted(std::string_view address) {
  std::string out = "\"";
  for (const char c : address.substr(0, 100)) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u >= 0x7f ? '?' : c);
  }
  return out + (address.size() > 100 ? "...\"" : "\"");
}

AddressCheck fail(AddressProblem problem, std::string_view address, std::string_view en, std::string_view de) {
  AddressCheck out;
  out.problem = problem;
  out.sentence_en = "The address " + quoted(address) + " " + std::string(en) + ".";
  out.sentence_de = "Die Adresse " + quoted(address) + " " + std::string(de) + ".";
  return out;
}

// Base letters of U+0100..U+017F (Latin Extended-A); '?' marks the two-letter ones (IJ, OE).
constexpr std::string_view kLatinExtendedA =
    "AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIi??JjKkkLlLlLlLlLlNnNnNnnNnOoOoOo??RrRrRrSsSsSsSsTtTtTtUuUuUuUuUu"
    "UuWwYyYZzZzZzs";
static_assert(kLatinExtendedA.size() == 0x80);
// Base letters of U+00C0..U+00FF; '?' marks the two-letter ones and those dropped (× ÷).
constexpr std::string_view kLatin1 = "AAAA?A?CEEEEIIIIDNOOOO??OUUU?Y??aaaa?a?ceeeeiiiidnoooo??ouuu?y?y";
static_assert(kLatin1.size() == 0x40);

std::string_view spelled_out(std::uint32_t cp) {
  switch (cp) {
    case 0xC4:
      return "Ae";
    case 0xD6:
      return "Oe";
    case 0xDC:
      return "Ue";
    case 0xE4:
      return "ae";
    case 0xF6:
      return "oe";
    case 0xFC:
      return "ue";
    case 0xDF:
      return "ss";
    case 0x1E9E:
      return "SS";
    case 0xC6:
      return "Ae";
    case 0xE6:
      return "ae";
    case 0xDE:
      return "Th";
    case 0xFE:
      return "th";
    case 0x132:
      return "IJ";
    case 0x133:
      return "ij";
    case 0x152:
      return "Oe";
    case 0x153:
      return "oe";
    default:
      return {};
  }
}

// The next code point of UTF-8 text (U+FFFD for a malformed sequence, which is then dropped).
std::uint32_t next_code_point(std::string_view s, std::size_t& at) {
  const auto b = static_cast<unsigned char>(s[at++]);
  if (b < 0x80) {
    return b;
  }
  const int extra = (b & 0xE0) == 0xC0 ? 1 : (b & 0xF0) == 0xE0 ? 2 : (b & 0xF8) == 0xF0 ? 3 : -1;
  if (extra < 0) {
    return 0xFFFD;
  }
  std::uint32_t cp = b & (0x3F >> extra);
  for (int i = 0; i < extra; ++i) {
    if (at >= s.size() || (static_cast<unsigned char>(s[at]) & 0xC0) != 0x80) {
      return 0xFFFD;
    }
    cp = (cp << 6) | (static_cast<unsigned char>(s[at++]) & 0x3F);
  }
  return cp;
}

// Cuts `part` to `max` bytes without leaving a '.' or '-' at its end.
std::string cut(std::string part, std::size_t max) {
  if (part.size() > max) {
    part.resize(max);
  }
  while (!part.empty() && (part.back() == '.' || part.back() == '-')) {
    part.pop_back();
  }
  return part;
}

ProposalError proposal_error(ProposalError::Kind kind, std::string en, std::string de) {
  return ProposalError{kind, std::move(en), std::move(de)};
}

}  // namespace

AddressCheck validate_kim_address(std::string_view address) {
  const std::size_t at = address.find('@');
  if (at == std::string_view::npos || address.find('@', at + 1) != std::string_view::npos) {
    return fail(AddressProblem::no_at, address, "must contain exactly one '@'", "muss genau ein '@' enthalten");
  }
  const std::string_view local = address.substr(0, at);
  const std::string_view domain = address.substr(at + 1);
  if (local.empty()) {
    return fail(AddressProblem::local_empty, address, "has nothing before the '@'", "hat nichts vor dem '@'");
  }
  if (local.size() > kMaxLocal) {
    return fail(AddressProblem::local_too_long, address, "has more than 64 characters before the '@'",
                "hat mehr als 64 Zeichen vor dem '@'");
  }
  if (!std::all_of(local.begin(), local.end(),
                   [](char c) { return ascii_alnum(c) || c == '.' || c == '_' || c == '-'; })) {
    return fail(AddressProblem::local_bad_character, address,
                "may only have letters A-Z and a-z, digits, '.', '_' and '-' before the '@' (no umlauts)",
                "darf vor dem '@' nur Buchstaben A-Z und a-z, Ziffern, '.', '_' und '-' enthalten (keine Umlaute)");
  }
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) {
    return fail(AddressProblem::local_dots, address, "must not begin or end with a dot or have two dots in a row",
                "darf nicht mit einem Punkt beginnen oder enden und keine zwei Punkte hintereinander haben");
  }
  if (domain.size() > kMaxDomain) {
    return fail(AddressProblem::domain_too_long, address, "has more than 189 characters after the '@'",
                "hat mehr als 189 Zeichen nach dem '@'");
  }
  if (!std::all_of(domain.begin(), domain.end(),
                   [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-'; })) {
    return fail(AddressProblem::domain_bad_character, address,
                "may only have lower-case letters a-z, digits, '.' and '-' after the '@'",
                "darf nach dem '@' nur Kleinbuchstaben a-z, Ziffern, '.' und '-' enthalten");
  }
  std::size_t begin = 0;
  while (true) {
    const std::size_t dot = domain.find('.', begin);
    const std::string_view label = domain.substr(begin, dot == std::string_view::npos ? dot : dot - begin);
    if (label.empty() || label.front() == '-' || label.back() == '-') {
      return fail(AddressProblem::domain_labels, address,
                  "has an empty part or a part beginning or ending with '-' after the '@'",
                  "hat nach dem '@' einen leeren Teil oder einen Teil, der mit '-' beginnt oder endet");
    }
    if (dot == std::string_view::npos) {
      break;
    }
    begin = dot + 1;
  }
  if (!ends_with(domain, ".kim.telematik") && !ends_with(domain, ".kim.telematik-test")) {
    return fail(AddressProblem::domain_not_kim, address, "is not a KIM address: its domain must end in .kim.telematik",
                "ist keine KIM-Adresse: ihre Domäne muss auf .kim.telematik enden");
  }
  return AddressCheck{};
}

std::optional<std::string_view> kv_short_name(std::string_view region_code) {
  const std::optional<KvRegion> region = kv_region(region_code);
  if (!region) {
    return std::nullopt;
  }
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 17> kNames{{
      {"01", "KVSH"},
      {"02", "KVHH"},
      {"03", "KVHB"},
      {"17", "KVN"},
      {"20", "KVWL"},
      {"38", "KVNO"},
      {"46", "KVH"},
      {"51", "KVRLP"},
      {"52", "KVBW"},
      {"71", "KVB"},
      {"72", "KVBE"},
      {"73", "KVSAAR"},
      {"78", "KVMV"},
      {"83", "KVBB"},
      {"88", "KVSA"},
      {"93", "KVT"},
      {"98", "KVS"},
  }};
  for (const auto& [code, name] : kNames) {
    if (code == region->code) {
      return name;
    }
  }
  return std::nullopt;
}

std::string transliterate_name(std::string_view utf8) {
  std::string out;
  std::size_t at = 0;
  while (at < utf8.size()) {
    const std::uint32_t cp = next_code_point(utf8, at);
    const std::string_view spelled = spelled_out(cp);
    if (!spelled.empty()) {
      out.append(spelled);
    } else if (cp < 0x80 && ascii_alnum(static_cast<char>(cp))) {
      out.push_back(static_cast<char>(cp));
    } else if (cp == ' ' || cp == '-' || cp == '_' || cp == 0xA0 || (cp >= 0x2010 && cp <= 0x2015)) {
      out.push_back('-');
    } else if (cp == 0x308 && !out.empty() && std::string_view("AOUaou").find(out.back()) != std::string_view::npos) {
      out.push_back('e');  // a decomposed umlaut: "u" + COMBINING DIAERESIS
    } else if (cp >= 0xC0 && cp <= 0xFF && kLatin1[cp - 0xC0] != '?') {
      out.push_back(kLatin1[cp - 0xC0]);
    } else if (cp >= 0x100 && cp <= 0x17F && kLatinExtendedA[cp - 0x100] != '?') {
      out.push_back(kLatinExtendedA[cp - 0x100]);
    }
    // anything else (apostrophes, dots, other scripts, combining marks) is dropped
  }
  std::string collapsed;
  for (const char c : out) {
    if (c != '-' || (!collapsed.empty() && collapsed.back() != '-')) {
      collapsed.push_back(c);
    }
  }
  while (!collapsed.empty() && collapsed.back() == '-') {
    collapsed.pop_back();
  }
  return collapsed;
}

std::optional<std::string> bsnr_from_telematik_id(std::string_view telematik_id) {
  if (telematik_id.size() < 12 || telematik_id.substr(0, 3) != "1-2") {
    return std::nullopt;
  }
  const std::string bsnr(telematik_id.substr(3, 9));
  if (!check_bsnr(bsnr).ok()) {
    return std::nullopt;
  }
  return bsnr;
}

AddressCheck check_edited_address(std::string_view editable_part, std::string_view fixed_suffix,
                                  const std::set<std::string>& used) {
  const std::string address = std::string(editable_part) + std::string(fixed_suffix);
  AddressCheck check = validate_kim_address(address);
  if (!check.ok()) {
    return check;
  }
  const std::string key = lowered(address);
  for (const std::string& u : used) {
    if (lowered(u) == key) {
      return fail(AddressProblem::already_used, address,
                  "was issued before and is never issued again: choose another one",
                  "wurde schon einmal vergeben und wird nie wieder vergeben: wählen Sie eine andere");
    }
  }
  return check;
}

Proposals propose_addresses(const ProposalInput& in) {
  Proposals out;
  using Kind = ProposalError::Kind;
  if (in.addresses_on_card >= kMaxAddressesPerCard) {
    out.error = proposal_error(
        Kind::limit_reached,
        "The card already has " + std::to_string(in.addresses_on_card) +
            " KIM addresses, the most one card may have: deregister one, or register with another card.",
        "Die Karte hat bereits " + std::to_string(in.addresses_on_card) +
            " KIM-Adressen, mehr sind je Karte nicht möglich: melden Sie eine ab oder registrieren Sie mit einer "
            "anderen Karte.");
    return out;
  }
  if (!validate_kim_address("x@" + in.domain).ok()) {
    out.error = proposal_error(Kind::bad_domain,
                               "The provider domain \"" + in.domain + "\" is not a KIM domain (…kim.telematik).",
                               "Die Anbieterdomäne \"" + in.domain + "\" ist keine KIM-Domäne (…kim.telematik).");
    return out;
  }
  std::string kv;
  if (in.bsnr) {
    const BsnrCheck bsnr = check_bsnr(*in.bsnr);
    if (!bsnr.ok()) {
      out.error = proposal_error(
          Kind::bad_bsnr,
          "The BSNR \"" + *in.bsnr + "\" is not usable (" + std::string(to_string(bsnr.problem)) +
              "): enter the 9-digit BSNR of the practice.",
          "Die BSNR \"" + *in.bsnr + "\" ist nicht verwendbar: geben Sie die 9-stellige BSNR der Praxis ein.");
      return out;
    }
    if (const auto name = kv_short_name(bsnr.landes_kv.empty() ? bsnr.region : bsnr.landes_kv)) {
      kv = *name;
    }
  }
  std::vector<std::string> bases;
  if (in.card == ProposalInput::Card::smcb) {
    if (!in.bsnr) {
      out.error = proposal_error(Kind::no_bsnr,
                                 "The card carries no BSNR: enter the practice's BSNR or choose the address yourself.",
                                 "Die Karte trägt keine BSNR: geben Sie die BSNR der Praxis ein oder wählen Sie die "
                                 "Adresse selbst.");
      return out;
    }
    bases.push_back("B-" + *in.bsnr);
  } else {
    const std::string given = transliterate_name(in.given_name);
    const std::string surname = transliterate_name(in.surname);
    if (given.empty() || surname.empty()) {
      out.error = proposal_error(Kind::no_name,
                                 "The card's certificate has no usable given name and surname: choose the address "
                                 "yourself.",
                                 "Das Zertifikat der Karte hat keinen verwendbaren Vor- und Nachnamen: wählen Sie die "
                                 "Adresse selbst.");
      return out;
    }
    bases.push_back(given + "." + surname);
    const std::size_t space = in.given_name.find(' ');
    if (space != std::string::npos) {  // "Anna Maria": also the first given name alone
      const std::string first = transliterate_name(in.given_name.substr(0, space));
      if (!first.empty()) {
        bases.push_back(first + "." + surname);
      }
    }
  }
  const std::string suffix = (kv.empty() ? "" : "." + kv) + "@" + in.domain;
  const std::size_t room = kMaxLocal - (kv.empty() ? 0 : kv.size() + 1);
  std::set<std::string> used;
  for (const std::string& u : in.used) {
    used.insert(lowered(u));
  }
  for (const std::string& base : bases) {
    // The first free one of base, base-2, base-3, ...; a long base is cut to leave room for "-NNN".
    for (std::size_t n = 1; n <= in.used.size() + 2; ++n) {
      const std::string number = n == 1 ? "" : "-" + std::to_string(n);
      const std::string editable = cut(base, room - number.size()) + number;
      const std::string address = editable + suffix;
      const bool taken = used.count(lowered(address)) > 0 ||
                         std::any_of(out.proposals.begin(), out.proposals.end(),
                                     [&](const Proposal& p) { return lowered(p.address) == lowered(address); });
      if (!taken && validate_kim_address(address).ok()) {
        out.proposals.push_back(Proposal{address, editable, suffix});
        break;
      }
    }
  }
  return out;
}

}  // namespace kimgate::kim
