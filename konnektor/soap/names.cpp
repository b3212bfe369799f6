#include "konnektor/soap/names.h"

namespace kimgate::konnektor::soap {

std::string_view service_name(Service s) {
  switch (s) {
    case Service::event:
      return "EventService";
    case Service::card:
      return "CardService";
    case Service::certificate:
      return "CertificateService";
    case Service::encryption:
      return "EncryptionService";
    case Service::signature:
      return "SignatureService";
    case Service::auth_signature:
      return "AuthSignatureService";
  }
  return "";
}

std::vector<std::string_view> implemented_versions(Service s) {
  switch (s) {
    case Service::event:
      return {"7.2"};
    case Service::card:
      return {"8.2", "8.1"};
    case Service::certificate:
      return {"6.0"};
    case Service::encryption:
      return {"6.1"};
    case Service::signature:
      return {"7.5", "7.4"};
    case Service::auth_signature:
      return {"7.4"};
  }
  return {};
}

const std::string& Versions::of(Service s) const {
  switch (s) {
    case Service::event:
      return event;
    case Service::card:
      return card;
    case Service::certificate:
      return certificate;
    case Service::encryption:
      return encryption;
    case Service::signature:
      return signature;
    case Service::auth_signature:
      break;
  }
  return auth_signature;
}

std::string& Versions::of(Service s) {
  return const_cast<std::string&>(static_cast<const Versions&>(*this).of(s));
}

std::string service_ns(Service s, std::string_view mm) {
  const std::string_view name = s == Service::auth_signature ? service_name(Service::signature) : service_name(s);
  return "http://ws.gematik.de/conn/" + std::string(name) + "/v" + std::string(mm);
}

std::string soap_action(Service s, std::string_view mm, std::string_view operation) {
  if (s == Service::encryption && operation == "DecryptDocument") {
    return "http://ws.gematik.de/conn/crypt/EncryptionService/v" + std::string(mm) + "#DecryptDocument";
  }
  return service_ns(s, mm) + "#" + std::string(operation);
}

std::string major_minor(std::string_view version) {
  const std::size_t first = version.find('.');
  if (first == std::string_view::npos) {
    return std::string(version);
  }
  const std::size_t second = version.find('.', first + 1);
  return std::string(version.substr(0, second));
}

}  // namespace kimgate::konnektor::soap
