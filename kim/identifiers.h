#pragma once
// German health-care identifiers used in KIM routing (routing-and-identifiers.md §7):
// IK (Institutionskennzeichen), BSNR (Betriebsstättennummer), LANR (lebenslange
// Arztnummer) and the KV region codes. Pure functions over strings, no I/O.
//
// Each check returns a value that says whether the number is usable and, if not, why.
// The IK check digit is a hard check for numbers we send to; the LANR check digit is
// only a warning (many real LANRs fail it); a BSNR has no check digit, only a KV
// region prefix that must be one of KVDT rule 162's codes.
#include <optional>
#include <string>
#include <string_view>

namespace kimgate::kim {

enum class IdentifierProblem {
  none,
  wrong_length,     // not exactly 9 characters
  not_digits,       // a character other than 0-9
  bad_check_digit,  // IK: hard error; LANR: reported as a warning
  unknown_region,   // BSNR: prefix not in KVDT rule 162
};

std::string_view to_string(IdentifierProblem p);

struct IkCheck {
  IdentifierProblem problem = IdentifierProblem::none;
  int expected_check_digit = -1;  // set when the shape was right
  bool ok() const { return problem == IdentifierProblem::none; }
};

// IK: 9 digits; check digit = sum of digit sums of digits 3..8 weighted 2,1,2,1,2,1, mod 10.
IkCheck check_ik(std::string_view ik);

struct BsnrCheck {
  IdentifierProblem problem = IdentifierProblem::none;
  std::string region;     // the KV code of digits 1-2 (or 3-4 for the 35kk.. form), e.g. "46"
  std::string landes_kv;  // the Landes-KV the region belongs to, e.g. "46" for "41" (Gießen)
  bool ok() const { return problem == IdentifierProblem::none; }
};

// BSNR: 9 digits, region prefix per KVDT rule 162; `35kk...` hospitals and `74kk...` SAPV
// carry the KV in digits 3-4.
BsnrCheck check_bsnr(std::string_view bsnr);

struct LanrCheck {
  IdentifierProblem problem = IdentifierProblem::none;  // bad_check_digit is a warning only
  bool pseudo = false;                                  // 999999900, 555555nff, ... (not checked)
  bool usable() const { return problem == IdentifierProblem::none || problem == IdentifierProblem::bad_check_digit; }
  bool warning() const { return problem == IdentifierProblem::bad_check_digit; }
};

// LANR: 9 digits nnnnnnPff, P = check digit over digits 1-6 weighted 4,9,4,9,4,9.
LanrCheck check_lanr(std::string_view lanr);

struct KvRegion {
  std::string code;        // two digits, e.g. "46"
  std::string name;        // "Hessen"
  std::string state_name;  // the VZD `st` value of its entries, e.g. "Hessen", "Nordrhein"
};

// A Landes-KV by its two-digit number (01, 02, 03, 17, 20, 38, 46, 51, 52, 71, 72, 73, 78, 83,
// 88, 93, 98). Bezirksstellen codes map to their Landes-KV (e.g. "41" -> Hessen).
std::optional<KvRegion> kv_region(std::string_view code);

}  // namespace kimgate::kim
