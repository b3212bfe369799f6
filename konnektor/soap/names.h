#pragma once
// The Konnektor services this client speaks, the major.minor versions it implements, and
// how their element namespaces and soapActions are spelled (spec digest konnektor.md §5).
// Pure; the versions in use come from connector.sds (sds.h).
#include <string>
#include <string_view>
#include <vector>

namespace kimgate::konnektor::soap {

enum class Service { event, card, certificate, encryption, signature, auth_signature };
inline constexpr Service kServices[] = {Service::event,      Service::card,      Service::certificate,
                                        Service::encryption, Service::signature, Service::auth_signature};

// The Name attribute of the service in connector.sds: "EventService", "AuthSignatureService", ...
std::string_view service_name(Service s);
// major.minor versions we implement, highest first (7.5 and 7.4 for the SignatureService).
std::vector<std::string_view> implemented_versions(Service s);

// The major.minor version in use per service (defaults: what every OPB5 Konnektor offers).
struct Versions {
  std::string event = "7.2";
  std::string card = "8.1";
  std::string certificate = "6.0";
  std::string encryption = "6.1";
  std::string signature = "7.5";
  std::string auth_signature = "7.4";
  const std::string& of(Service s) const;
  std::string& of(Service s);
};

// Element namespace, e.g. http://ws.gematik.de/conn/SignatureService/v7.5. The
// AuthSignatureService's elements live in the SignatureService namespace of its version.
std::string service_ns(Service s, std::string_view major_minor);
// The soapAction header value; DecryptDocument carries the extra "/crypt/" (digest §5 trap).
std::string soap_action(Service s, std::string_view major_minor, std::string_view operation);

// "7.5.5" -> "7.5"
std::string major_minor(std::string_view version);

}  // namespace kimgate::konnektor::soap
