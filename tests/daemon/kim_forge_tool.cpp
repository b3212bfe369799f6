// kim_forge WORLD_JSON MODE TO_ID IN.eml OUT.eml — a KOM-LE message from practice A (SMC-B OSIG
// RSA, PKCS#12 of the test world) for participant TO_ID's ENC certificates and the sender's,
// built with crypto/ directly so that it can also be broken in ways a Konnektor never would:
//   good    the profile as it should be
//   tamper  one byte of the signed content changed after signing (VerifyDocument: 4115)
//   emails  the unprotected recipient-emails carry one entry more than the signed ones
#include <ctime>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "crypto/auth_enveloped.h"
#include "crypto/ossl.h"
#include "crypto/recipient_emails.h"
#include "crypto/signed_data.h"
#include "kim/kom_le.h"

using namespace kimgate;
using crypto::Bytes;

namespace {

Bytes slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

// The ENC certificates of a participant (RSA and ECC), with its address.
void add_enc(const nlohmann::json& p, std::vector<crypto::RecipientEmail>& entries, std::vector<Bytes>& certs) {
  for (const auto& [label, key] : p["keys"].items()) {
    if (label.find(".ENC.") == std::string::npos) {
      continue;
    }
    const Bytes der = slurp(key["cert_der"].get<std::string>());
    entries.push_back({p["kim_address"].get<std::string>(), *crypto::issuer_and_serial(der).value});
    certs.push_back(der);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::cerr << "usage: kim_forge WORLD_JSON good|tamper|emails TO_ID IN.eml OUT.eml\n";
    return 2;
  }
  const std::string mode = argv[2];
  std::ifstream wf(argv[1]);
  const nlohmann::json w = nlohmann::json::parse(wf);
  const auto& a = w["participants"]["praxis_a"];
  const auto& to = w["participants"][std::string(argv[3])];
  const Bytes client = slurp(argv[4]);
  const std::string client_text(client.begin(), client.end());

  const auto& osig = a["keys"]["C.HCI.OSIG.RSA"];
  auto p12 = crypto::read_pkcs12(slurp(osig["p12"].get<std::string>()), osig["p12_password"].get<std::string>());
  if (!p12.ok()) {
    std::cerr << "kim_forge: signer: " << p12.error << "\n";
    return 1;
  }
  std::vector<crypto::RecipientEmail> entries;
  std::vector<Bytes> certs;
  add_enc(to, entries, certs);
  add_enc(a, entries, certs);
  const Bytes attr = crypto::encode_recipient_emails(entries);

  crypto::SignInput sin;
  sin.content = crypto::to_bytes(kim::signed_content(client_text));
  sin.signer_cert_der = p12.value->cert.der;
  sin.recipient_emails = attr;
  sin.signing_time = static_cast<std::int64_t>(std::time(nullptr));
  auto signed_der = crypto::sign_signed_data(sin, crypto::sign_with_key(p12.value->key.get()));
  if (!signed_der.ok()) {
    std::cerr << "kim_forge: sign: " << signed_der.error << "\n";
    return 1;
  }
  Bytes sd = std::move(*signed_der.value);
  if (mode == "tamper") {
    // Change one letter of the client mail's body inside the eContent.
    const std::string marker = "\r\n\r\n";
    const std::string text(sd.begin(), sd.end());
    const std::size_t header_end = text.find(client_text.substr(0, client_text.find(marker)));
    const std::size_t body = header_end == std::string::npos ? header_end : text.find(marker, header_end);
    if (body == std::string::npos) {
      std::cerr << "kim_forge: cannot find the content to tamper with\n";
      return 1;
    }
    sd[body + marker.size()] ^= 0x01;
  }
  Bytes unsigned_attr = attr;
  if (mode == "emails") {
    auto more = entries;
    more.push_back({"mallory@fd-b.kim.telematik-test", entries.back().rid});
    unsigned_attr = crypto::encode_recipient_emails(more);
  } else if (mode != "good" && mode != "tamper") {
    std::cerr << "kim_forge: unknown mode " << mode << "\n";
    return 2;
  }
  crypto::EnvelopeInput ein;
  ein.content =
      crypto::to_bytes(kim::signed_data_entity(std::string_view(reinterpret_cast<const char*>(sd.data()), sd.size())));
  ein.recipient_certs = certs;
  ein.recipient_emails = unsigned_attr;
  auto cms = crypto::seal_auth_enveloped(ein);
  if (!cms.ok()) {
    std::cerr << "kim_forge: encrypt: " << cms.error << "\n";
    return 1;
  }
  const auto outer =
      kim::build_outer_message(client_text, crypto::base64_encode_lines(crypto::der::view(*cms.value)), {});
  if (!outer) {
    std::cerr << "kim_forge: the client mail has no usable header section\n";
    return 1;
  }
  std::ofstream(argv[5], std::ios::binary) << *outer;
  return 0;
}
