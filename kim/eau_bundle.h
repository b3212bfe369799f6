#pragma once
// The eAU bundle reader (issue 18): the insurer's IK of an eAU, read from the FHIR XML bundle
// the PVS attached — the Coverage's payor identifier of system
// `http://fhir.de/sid/arge-ik/iknr`. The bundle normally sits inside the PVS's signed container
// (CMS SignedData, QES of the eHBA); it is unwrapped with OpenSSL *without* verifying the
// signature (that is the insurer's job, not ours). Plain XML is read as well. Pure: bytes in,
// value or sentence out, bounded (kMaxBundle) before any parser sees the data.
#include <optional>
#include <string>
#include <string_view>

namespace kimgate::kim {

inline constexpr std::size_t kMaxBundle = 8 * 1024 * 1024;
inline constexpr std::string_view kIkSystem = "http://fhir.de/sid/arge-ik/iknr";

struct EauBundle {
  std::optional<std::string> ik;  // the payor IK as written (not validated here)
  bool was_signed = false;        // found inside CMS SignedData
  std::string error;              // no IK: why (a sentence)
};

// `bytes` is the attachment's content after its transfer encoding was undone.
EauBundle read_eau_bundle(std::string_view bytes);

// The content of a CMS SignedData (DER; the attachment's base64 is undone by the caller), unverified;
// nullopt when `bytes` is not one or it is detached.
std::optional<std::string> signed_data_content(std::string_view bytes);

}  // namespace kimgate::kim
