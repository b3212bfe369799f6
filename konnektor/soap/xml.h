#pragma once
// Namespace-aware helpers over pugixml for the Konnektor's SOAP 1.1 messages (spec digest
// konnektor.md §5). pugixml does not resolve prefixes itself; these functions do, so that
// every reader matches elements by (namespace URI, local name) and never by prefix, and a
// message in the wrong namespace is rejected like a real Konnektor rejects it.
//
// Writers build an envelope whose operation element declares every prefix it uses.
#include <pugixml.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace kimgate::konnektor::soap {

// The fixed namespaces (digest §5). Service namespaces carry the version chosen from
// connector.sds and are built by service_ns() in names.h.
namespace ns {
inline constexpr const char* soap_env = "http://schemas.xmlsoap.org/soap/envelope/";
inline constexpr const char* cctx = "http://ws.gematik.de/conn/ConnectorContext/v2.0";
inline constexpr const char* conn = "http://ws.gematik.de/conn/ConnectorCommon/v5.0";
inline constexpr const char* cardcmn = "http://ws.gematik.de/conn/CardServiceCommon/v2.0";
inline constexpr const char* certcmn = "http://ws.gematik.de/conn/CertificateServiceCommon/v2.0";
inline constexpr const char* gerror = "http://ws.gematik.de/tel/error/v2.0";
inline constexpr const char* dss = "urn:oasis:names:tc:dss:1.0:core:schema";
inline constexpr const char* sds = "http://ws.gematik.de/conn/ServiceDirectory/v3.1";
inline constexpr const char* si = "http://ws.gematik.de/conn/ServiceInformation/v2.0";
inline constexpr const char* pi = "http://ws.gematik.de/int/version/ProductInformation/v1.1";
// EventService 7.2 imports the CardService 8.1 schema: GetCardsResponse's Cards/Card stay in v8.1
// whichever CardService version the Konnektor offers for GetPinStatus/VerifyPin.
inline constexpr const char* card_v81 = "http://ws.gematik.de/conn/CardService/v8.1";
}  // namespace ns

// The local part of an element's name ("CardHandle" for "CONN:CardHandle").
std::string_view local_name(const pugi::xml_node& node);
// The namespace URI of an element, resolved through the xmlns declarations of it and its
// ancestors; empty when the prefix (or the default namespace) is not declared.
std::string namespace_of(const pugi::xml_node& node);
bool is(const pugi::xml_node& node, std::string_view ns_uri, std::string_view local);
// The element children only (comments, text and processing instructions skipped).
std::vector<pugi::xml_node> elements(const pugi::xml_node& parent);
// The first element child with that namespace and local name; an empty node when absent.
pugi::xml_node child(const pugi::xml_node& parent, std::string_view ns_uri, std::string_view local);
std::vector<pugi::xml_node> children(const pugi::xml_node& parent, std::string_view ns_uri, std::string_view local);
// Trimmed text content of an element.
std::string text_of(const pugi::xml_node& node);

// Builds "<soap:Envelope><soap:Body>" and returns the Body to append the operation to.
struct Envelope {
  pugi::xml_document doc;
  pugi::xml_node body;
  Envelope();
  std::string str() const;  // serialised without indentation, with an XML declaration
};

// Appends <prefix:name>text</prefix:name>; an empty text leaves the element empty.
pugi::xml_node add(pugi::xml_node parent, std::string_view qname, std::string_view text = {});
// Declares xmlns:prefix="uri" on an element.
void declare(pugi::xml_node element, std::string_view prefix, std::string_view uri);

}  // namespace kimgate::konnektor::soap
