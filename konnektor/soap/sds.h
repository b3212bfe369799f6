#pragma once
// connector.sds (ServiceDirectory v3.1, spec digest konnektor.md §1): the Konnektor's
// product information, whether TLS and client authentication are mandatory, and per
// service the highest advertised version whose major.minor we implement, with its
// endpoint. Pure: bytes in, a ServiceDirectory or a sentence out.
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "konnektor/soap/names.h"
#include "konnektor/types.h"

namespace kimgate::konnektor::soap {

struct Endpoint {
  std::string version;  // as advertised, e.g. "7.5.5"
  std::string url;      // EndpointTLS (or Endpoint when TLS is not wanted and no EndpointTLS exists)
};

struct ServiceDirectory {
  ProductInformation product;  // signature/encryption_service_version: the chosen versions
  std::string vendor_name;     // ProductVendorName
  bool tls_mandatory = false;
  bool client_aut_mandatory = false;
  std::map<Service, Endpoint> endpoints;

  Versions versions() const;  // major.minor of each chosen endpoint (defaults where absent)
  const Endpoint* endpoint(Service s) const;
};

struct SdsResult {
  std::optional<ServiceDirectory> value;
  std::string error;
  bool ok() const { return value.has_value(); }
};

// Parses connector.sds. Services we do not implement are ignored; a missing
// ProductInformation or a root in another namespace is an error.
SdsResult parse_sds(std::string_view xml, bool tls = true);

}  // namespace kimgate::konnektor::soap
