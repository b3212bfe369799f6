#include "kim/identifiers.h"

#include <array>

namespace kimgate::kim {

namespace {

bool all_digits(std::string_view s) {
  for (const char c : s) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

int digit(char c) {
  return c - '0';
}

IdentifierProblem shape(std::string_view s) {
  if (s.size() != 9) {
    return IdentifierProblem::wrong_length;
  }
  if (!all_digits(s)) {
    return IdentifierProblem::not_digits;
  }
  return IdentifierProblem::none;
}

int two_digits(std::string_view s) {
  return digit(s[0]) * 10 + digit(s[1]);
}

// KVDT rule 162: allowed region prefixes of a BSNR, mapped to their Landes-KV (0 = none known).
int landes_kv_of(int code) {
  if (code >= 1 && code <= 3) {
    return code;
  }
  if (code >= 6 && code <= 17) {
    return 17;
  }
  if (code >= 18 && code <= 20) {
    return 20;
  }
  if (code == 21 || code == 24 || code == 25 || code == 27 || code == 28 || code == 31 || code == 37 || code == 38) {
    return 38;
  }
  if (code >= 39 && code <= 46) {
    return 46;
  }
  if (code >= 47 && code <= 51) {
    return 51;
  }
  if (code >= 52 && code <= 62) {
    return 52;
  }
  if (code >= 63 && code <= 71) {
    return 71;
  }
  if (code == 72 || code == 73 || code == 78) {
    return code;
  }
  if ((code >= 79 && code <= 81) || code == 83) {
    return 83;
  }
  if (code >= 85 && code <= 88) {
    return 88;
  }
  if (code == 93) {
    return 93;
  }
  if ((code >= 94 && code <= 96) || code == 98) {
    return 98;
  }
  if (code == 99) {
    return -1;  // listed in the KVDT table, Landes-KV not known to us
  }
  return 0;
}

std::string two_digit_text(int n) {
  std::string s(2, '0');
  s[0] = static_cast<char>('0' + n / 10);
  s[1] = static_cast<char>('0' + n % 10);
  return s;
}

struct Landes {
  int code;
  const char* name;
  const char* state;
};

constexpr std::array<Landes, 17> kLandesKv{{
    {1, "Schleswig-Holstein", "Schleswig-Holstein"},
    {2, "Hamburg", "Hamburg"},
    {3, "Bremen", "Bremen"},
    {17, "Niedersachsen", "Niedersachsen"},
    {20, "Westfalen-Lippe", "Westfalen-Lippe"},
    {38, "Nordrhein", "Nordrhein"},
    {46, "Hessen", "Hessen"},
    {51, "Rheinland-Pfalz", "Rheinland-Pfalz"},
    {52, "Baden-Württemberg", "Baden-Württemberg"},
    {71, "Bayern", "Bayern"},
    {72, "Berlin", "Berlin"},
    {73, "Saarland", "Saarland"},
    {78, "Mecklenburg-Vorpommern", "Mecklenburg-Vorpommern"},
    {83, "Brandenburg", "Brandenburg"},
    {88, "Sachsen-Anhalt", "Sachsen-Anhalt"},
    {93, "Thüringen", "Thüringen"},
    {98, "Sachsen", "Sachsen"},
}};

}  // namespace

std::string_view to_string(IdentifierProblem p) {
  switch (p) {
    case IdentifierProblem::none:
      return "ok";
    case IdentifierProblem::wrong_length:
      return "not 9 digits long";
    case IdentifierProblem::not_digits:
      return "contains a character that is not a digit";
    case IdentifierProblem::bad_check_digit:
      return "check digit does not match";
    case IdentifierProblem::unknown_region:
      return "unknown KV region prefix";
  }
  return "?";
}

IkCheck check_ik(std::string_view ik) {
  IkCheck r;
  r.problem = shape(ik);
  if (r.problem != IdentifierProblem::none) {
    return r;
  }
  int sum = 0;
  for (std::size_t i = 2; i < 8; ++i) {
    int p = digit(ik[i]) * ((i % 2 == 0) ? 2 : 1);
    sum += p / 10 + p % 10;
  }
  r.expected_check_digit = sum % 10;
  if (digit(ik[8]) != r.expected_check_digit) {
    r.problem = IdentifierProblem::bad_check_digit;
  }
  return r;
}

BsnrCheck check_bsnr(std::string_view bsnr) {
  BsnrCheck r;
  r.problem = shape(bsnr);
  if (r.problem != IdentifierProblem::none) {
    return r;
  }
  int code = two_digits(bsnr);
  if (code == 35 || code == 74) {  // hospitals/TSS (§75(1a) SGB V) and SAPV: KV in digits 3-4
    code = two_digits(bsnr.substr(2));
  }
  const int landes = landes_kv_of(code);
  if (landes == 0) {
    r.problem = IdentifierProblem::unknown_region;
    return r;
  }
  r.region = two_digit_text(code);
  if (landes > 0) {
    r.landes_kv = two_digit_text(landes);
  }
  return r;
}

LanrCheck check_lanr(std::string_view lanr) {
  LanrCheck r;
  r.problem = shape(lanr);
  if (r.problem != IdentifierProblem::none) {
    return r;
  }
  const std::string_view first7 = lanr.substr(0, 7);
  if (lanr == "999999900" || lanr == "888888800" || lanr.substr(0, 6) == "555555" || first7 == "3333333" ||
      first7 == "4444444") {
    r.pseudo = true;
    return r;
  }
  int sum = 0;
  for (std::size_t i = 0; i < 6; ++i) {
    sum += digit(lanr[i]) * ((i % 2 == 0) ? 4 : 9);
  }
  const int rest = sum % 10;
  const int check = rest == 0 ? 0 : 10 - rest;
  if (digit(lanr[6]) != check) {
    r.problem = IdentifierProblem::bad_check_digit;
  }
  return r;
}

std::optional<KvRegion> kv_region(std::string_view code) {
  if (code.size() != 2 || !all_digits(code)) {
    return std::nullopt;
  }
  const int landes = landes_kv_of(two_digits(code));
  for (const auto& l : kLandesKv) {
    if (l.code == landes) {
      return KvRegion{two_digit_text(l.code), l.name, l.state};
    }
  }
  return std::nullopt;
}

}  // namespace kimgate::kim
