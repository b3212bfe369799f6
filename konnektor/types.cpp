#include "konnektor/types.h"

#include <charconv>

namespace kimgate::konnektor {

std::string_view card_type_name(CardType t) {
  switch (t) {
    case CardType::smc_b:
      return "SMC-B";
    case CardType::hba:
      return "HBA";
    case CardType::other:
      break;
  }
  return "UNKNOWN";
}

std::string kon_version_header(const ProductInformation& p) {
  return "<" + p.product_name + "><" + p.product_type + "><" + p.product_type_version + "><" + p.hw_version + "><" +
         p.fw_version + ">";
}

int compare_versions(std::string_view a, std::string_view b) {
  const auto next = [](std::string_view& s) {
    const std::size_t dot = s.find('.');
    const std::string_view part = s.substr(0, dot);
    s = dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1);
    long value = 0;
    std::from_chars(part.data(), part.data() + part.size(), value);
    return value;
  };
  while (!a.empty() || !b.empty()) {
    const long x = next(a);
    const long y = next(b);
    if (x != y) {
      return x < y ? -1 : 1;
    }
  }
  return 0;
}

bool ecc_capable(const ProductInformation& p, std::string_view min_sig, std::string_view min_enc) {
  return !p.signature_service_version.empty() && !p.encryption_service_version.empty() &&
         compare_versions(p.signature_service_version, min_sig) >= 0 &&
         compare_versions(p.encryption_service_version, min_enc) >= 0;
}

}  // namespace kimgate::konnektor
