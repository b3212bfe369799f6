#include "konnektor/soap/sds.h"

#include <algorithm>

#include "konnektor/soap/xml.h"

namespace kimgate::konnektor::soap {

namespace {

SdsResult fail(std::string e) {
  return SdsResult{std::nullopt, "connector.sds: " + std::move(e)};
}

std::string path_text(pugi::xml_node n, std::initializer_list<std::string_view> path) {
  for (const std::string_view local : path) {
    n = child(n, ns::pi, local);
  }
  return text_of(n);
}

// The version attribute's major.minor is one we implement.
bool implemented(Service s, std::string_view version) {
  const auto ours = implemented_versions(s);
  return std::find(ours.begin(), ours.end(), major_minor(version)) != ours.end();
}

}  // namespace

Versions ServiceDirectory::versions() const {
  Versions v;
  for (const auto& [service, endpoint] : endpoints) {
    v.of(service) = major_minor(endpoint.version);
  }
  return v;
}

const Endpoint* ServiceDirectory::endpoint(Service s) const {
  const auto it = endpoints.find(s);
  return it == endpoints.end() ? nullptr : &it->second;
}

SdsResult parse_sds(std::string_view xml, bool tls) {
  pugi::xml_document doc;
  const pugi::xml_parse_result parsed = doc.load_buffer(xml.data(), xml.size());
  if (!parsed) {
    return fail(std::string("not well-formed XML (") + parsed.description() + ")");
  }
  const pugi::xml_node root = doc.document_element();
  if (!is(root, ns::sds, "ConnectorServices")) {
    return fail("the root element is not ConnectorServices of " + std::string(ns::sds));
  }
  const pugi::xml_node pi = child(root, ns::pi, "ProductInformation");
  if (!pi) {
    return fail("ProductInformation is missing");
  }
  ServiceDirectory d;
  d.product.product_type = path_text(pi, {"ProductTypeInformation", "ProductType"});
  d.product.product_type_version = path_text(pi, {"ProductTypeInformation", "ProductTypeVersion"});
  d.product.vendor_id = path_text(pi, {"ProductIdentification", "ProductVendorID"});
  d.product.hw_version = path_text(pi, {"ProductIdentification", "ProductVersion", "Local", "HWVersion"});
  d.product.fw_version = path_text(pi, {"ProductIdentification", "ProductVersion", "Local", "FWVersion"});
  d.product.product_name = path_text(pi, {"ProductMiscellaneous", "ProductName"});
  d.vendor_name = path_text(pi, {"ProductMiscellaneous", "ProductVendorName"});
  d.tls_mandatory = text_of(child(root, ns::sds, "TLSMandatory")) == "true";
  d.client_aut_mandatory = text_of(child(root, ns::sds, "ClientAutMandatory")) == "true";

  const pugi::xml_node info = child(root, ns::si, "ServiceInformation");
  if (!info) {
    return fail("ServiceInformation is missing");
  }
  for (const pugi::xml_node& service : children(info, ns::si, "Service")) {
    const std::string_view name = service.attribute("Name").value();
    for (const Service s : kServices) {
      if (service_name(s) != name) {
        continue;
      }
      for (const pugi::xml_node& version : children(child(service, ns::si, "Versions"), ns::si, "Version")) {
        const std::string v = version.attribute("Version").value();
        if (!implemented(s, v)) {
          continue;
        }
        const pugi::xml_node tls_ep = child(version, ns::si, "EndpointTLS");
        const pugi::xml_node plain_ep = child(version, ns::si, "Endpoint");
        const std::string url =
            tls || !plain_ep ? tls_ep.attribute("Location").value() : plain_ep.attribute("Location").value();
        if (url.empty()) {
          continue;
        }
        const Endpoint* have = d.endpoint(s);
        if (have == nullptr || compare_versions(v, have->version) > 0) {
          d.endpoints[s] = Endpoint{v, url};
        }
      }
    }
  }
  if (const Endpoint* sig = d.endpoint(Service::signature)) {
    d.product.signature_service_version = sig->version;
  }
  if (const Endpoint* enc = d.endpoint(Service::encryption)) {
    d.product.encryption_service_version = enc->version;
  }
  return SdsResult{std::move(d), {}};
}

}  // namespace kimgate::konnektor::soap
