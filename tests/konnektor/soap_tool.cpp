// konnektor_soap_tool — drives a Konnektor of a kimgate configuration through the seam
// (make_konnektor, so a kind = "soap" section goes through the SOAP client) for the
// integration test tests/integration/konnektor_soap_test.py. One JSON object per line.
//
//   konnektor_soap_tool CONFIG KONNEKTOR_ID all [M/C/W]      every operation with practice A's
//       SMC-B (RSA and ECC) against the test world; exit 0 when every check held
//   konnektor_soap_tool CONFIG KONNEKTOR_ID get_cards M/C/W  one GetCards; prints code, kind, text
//   konnektor_soap_tool CONFIG KONNEKTOR_ID sign M/C/W       GetCards + SignDocument without VerifyPin
//   konnektor_soap_tool CONFIG KONNEKTOR_ID seal OUT.eml RSA|ECC   a KIM message for the interop test
//   konnektor_soap_tool CONFIG KONNEKTOR_ID steps M/C/W      one GetCards per line read from stdin, in one
//       process (the test changes the Konnektor between the lines)
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "conf/load.h"
#include "crypto/ossl.h"
#include "crypto/recipient_emails.h"
#include "kim/kom_le.h"
#include "konnektor/make_konnektor.h"

using namespace kimgate;
using konnektor::Bytes;
using nlohmann::json;
namespace asio = net::asio;

namespace {

std::string_view kind_name(konnektor::Error::Kind k) {
  static constexpr std::string_view kNames[] = {"context",  "card",        "pin",     "busy",
                                                "document", "unavailable", "timeout", "other"};
  return kNames[static_cast<int>(k)];
}

template <class T>
json report(std::string_view op, const konnektor::Outcome<T>& o) {
  json j{{"op", op}, {"ok", o.ok()}};
  if (!o.ok()) {
    j["code"] = o.error.code;
    j["kind"] = kind_name(o.error.kind);
    j["text"] = o.error.text;
  }
  std::cout << j.dump() << std::endl;
  return j;
}

konnektor::CallContext context_of(const std::string& mcw) {
  const std::size_t a = mcw.find('/');
  const std::size_t b = mcw.find('/', a + 1);
  return konnektor::CallContext{mcw.substr(0, a), mcw.substr(a + 1, b - a - 1), mcw.substr(b + 1), ""};
}

Bytes file_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

// RSASSA-PSS (salt 32) or ECDSA over a SHA-256 digest with the certificate's public key.
bool signature_ok(const Bytes& cert_der, const Bytes& digest, const Bytes& sig) {
  auto cert = crypto::certificate_from_der(cert_der);
  if (!cert.ok()) {
    return false;
  }
  EVP_PKEY* key = X509_get0_pubkey(cert.value->x509.get());
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(key, nullptr);
  bool ok = ctx != nullptr && EVP_PKEY_verify_init(ctx) == 1;
  if (ok && EVP_PKEY_base_id(key) == EVP_PKEY_RSA) {
    ok = EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) == 1 && EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, 32) == 1;
  }
  ok = ok && EVP_PKEY_verify(ctx, sig.data(), sig.size(), digest.data(), digest.size()) == 1;
  EVP_PKEY_CTX_free(ctx);
  return ok;
}

struct World {
  json w;
  std::string iccsn_a;
  std::string from;
  std::string to;
  std::vector<std::pair<std::string, Bytes>> pairs;  // recipient-emails entries (B and A, RSA and ECC)
};

World load_world() {
  const char* dir = std::getenv("KIMGATE_WORLD_DIR");
  std::ifstream in(std::string(dir != nullptr ? dir : "build/world") + "/world.json");
  World world{json::parse(in), "", "", "", {}};
  const auto& a = world.w["participants"]["praxis_a"];
  const auto& b = world.w["participants"]["praxis_b"];
  const auto der = [](const json& p, const char* label) {
    return file_bytes(p["keys"][label]["cert_der"].get<std::string>());
  };
  world.iccsn_a = a["card"]["iccsn"];
  world.from = a["kim_address"];
  world.to = b["kim_address"];
  world.pairs = {{world.to, der(b, "C.HCI.ENC.RSA")},
                 {world.to, der(b, "C.HCI.ENC.ECC")},
                 {world.from, der(a, "C.HCI.ENC.RSA")},
                 {world.from, der(a, "C.HCI.ENC.ECC")}};
  return world;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: konnektor_soap_tool CONFIG KONNEKTOR_ID all|get_cards|sign|seal ...\n";
    return 2;
  }
  const std::string mode = argv[3];
  const std::string arg4 = argc > 4 ? argv[4] : "Mandant1/CS1/WP1";
  const conf::LoadResult loaded = conf::load_file(argv[1]);
  if (!loaded.config) {
    for (const auto& e : loaded.errors) {
      std::cerr << e.str() << "\n";
    }
    return 2;
  }
  const conf::Konnektor* k = loaded.config->find_konnektor(argv[2]);
  if (k == nullptr) {
    std::cerr << "no [[konnektor]] " << argv[2] << "\n";
    return 2;
  }
  asio::io_context io;
  asio::thread_pool pool(2);
  auto made = konnektor::make_konnektor(io.get_executor(), pool, *k, loaded.config->timeouts, loaded.config->limits);
  if (!made.konnektor) {
    std::cout << json{{"op", "open"}, {"ok", false}, {"text", made.error}}.dump() << std::endl;
    return 1;
  }
  konnektor::Konnektor& kon = *made.konnektor;
  const World world = load_world();
  int failures = 0;
  const auto check = [&](bool condition, std::string_view what) {
    std::cout << json{{"check", what}, {"ok", condition}}.dump() << std::endl;
    failures += condition ? 0 : 1;
  };
  const auto run = [&]() -> net::awaitable<void> {
    const konnektor::CallContext ctx = context_of(mode == "seal" ? "Mandant1/CS1/WP1" : arg4);
    if (mode == "steps") {
      for (std::string line; std::getline(std::cin, line);) {
        const auto step = co_await kon.get_cards(ctx);
        report("GetCards", step);
      }
      co_return;
    }
    const auto cards = co_await kon.get_cards(ctx);
    report("GetCards", cards);
    if (mode == "get_cards" || !cards.ok()) {
      failures += cards.ok() ? 0 : 1;
      co_return;
    }
    std::string handle;
    for (const auto& c : *cards.value) {
      handle = c.iccsn == world.iccsn_a ? c.handle : handle;
    }
    check(!handle.empty(), "GetCards lists practice A's SMC-B");
    std::vector<crypto::RecipientEmail> entries;
    std::vector<Bytes> certs;
    for (const auto& [address, cert] : world.pairs) {
      entries.push_back({address, *crypto::issuer_and_serial(cert).value});
      certs.push_back(cert);
    }
    const Bytes emails = crypto::encode_recipient_emails(entries);
    const std::string client = "From: " + world.from + "\r\nTo: " + world.to +
                               "\r\nSubject: Arztbrief via SOAP\r\nMessage-ID: <soap-konnektor@kim.local>\r\n"
                               "Date: Mon, 23 Nov 2026 10:00:00 +0100\r\nX-KIM-Dienstkennung: Arztbrief;VHitG-"
                               "Versand;V1.2\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSigned via SOAP.\r\n";
    const Bytes content = crypto::to_bytes(kim::signed_content(client));
    if (mode == "sign") {
      const auto sd = co_await kon.sign_document(ctx, handle, content, emails, konnektor::Crypt::rsa);
      report("SignDocument", sd);
      co_return;
    }
    const auto before = co_await kon.get_pin_status(ctx, handle, konnektor::PinType::smc);
    report("GetPinStatus", before);
    const auto pin = co_await kon.verify_pin(ctx, handle, konnektor::PinType::smc);
    report("VerifyPin", pin);
    check(pin.ok() && pin.value->result == konnektor::PinResult::ok, "VerifyPin OK");
    const auto after = co_await kon.get_pin_status(ctx, handle, konnektor::PinType::smc);
    report("GetPinStatus", after);
    check(after.ok() && after.value->status == konnektor::PinStatus::verified, "PIN status VERIFIED after VerifyPin");
    if (mode == "seal") {
      const konnektor::Crypt crypt =
          argc > 5 && std::string(argv[5]) == "ECC" ? konnektor::Crypt::ecc : konnektor::Crypt::rsa;
      const auto sd = co_await kon.sign_document(ctx, handle, content, emails, crypt);
      report("SignDocument", sd);
      const Bytes sd_bytes = sd.ok() ? *sd.value : Bytes{};
      const std::string signed_data(sd_bytes.begin(), sd_bytes.end());
      const Bytes entity = crypto::to_bytes(kim::signed_data_entity(signed_data));
      const auto cms = co_await kon.encrypt_document(ctx, entity, certs, emails);
      report("EncryptDocument", cms);
      if (sd.ok() && cms.ok()) {
        const auto outer = kim::build_outer_message(client, crypto::base64_encode_lines(crypto::der::view(*cms.value)),
                                                    kim::OuterOptions{});
        std::ofstream(arg4, std::ios::binary) << *outer;
      }
      failures += sd.ok() && cms.ok() ? 0 : 1;
      co_return;
    }
    const Bytes digest = crypto::sha256(crypto::der::view(content));
    for (const konnektor::Crypt crypt : {konnektor::Crypt::rsa, konnektor::Crypt::ecc}) {
      const std::string alg = crypt == konnektor::Crypt::rsa ? "RSA" : "ECC";
      for (const konnektor::CertRef ref : {konnektor::CertRef::enc, konnektor::CertRef::aut, konnektor::CertRef::sig}) {
        const auto c = co_await kon.read_card_certificate(ctx, handle, ref, crypt);
        report("ReadCardCertificate", c);
        check(c.ok() && !c.value->empty() && crypto::certificate_from_der(c.value->front().der).ok(),
              "ReadCardCertificate " + alg + " returns a certificate");
      }
      const auto aut = co_await kon.read_card_certificate(ctx, handle, konnektor::CertRef::aut, crypt);
      const auto scheme = crypt == konnektor::Crypt::rsa ? konnektor::SignatureScheme::rsassa_pss_sha256
                                                         : konnektor::SignatureScheme::ecdsa_sha256;
      const auto sig = co_await kon.external_authenticate(ctx, handle, digest, scheme);
      report("ExternalAuthenticate", sig);
      check(sig.ok() && aut.ok() && signature_ok(aut.value->front().der, digest, *sig.value),
            "ExternalAuthenticate " + alg + " signature verifies with C.AUT");
      const auto sd = co_await kon.sign_document(ctx, handle, content, emails, crypt);
      report("SignDocument", sd);
      check(sd.ok(), "SignDocument " + alg);
      if (!sd.ok()) {
        continue;
      }
      const auto verified = co_await kon.verify_document(ctx, *sd.value);
      report("VerifyDocument", verified);
      check(verified.ok() && (verified.value->code == 0 || verified.value->code == 4264) &&
                verified.value->content == content,
            "VerifyDocument " + alg + " valid, content intact");
      const auto cms = co_await kon.encrypt_document(ctx, *sd.value, certs, emails);
      report("EncryptDocument", cms);
      check(cms.ok(), "EncryptDocument for " + alg + " signature");
      if (!cms.ok()) {
        continue;
      }
      const auto opened = co_await kon.decrypt_document(ctx, handle, *cms.value, crypt);
      report("DecryptDocument", opened);
      check(opened.ok() && *opened.value == *sd.value, "DecryptDocument with the " + alg + " key gives the signature");
    }
    const auto own = co_await kon.read_card_certificate(ctx, handle, konnektor::CertRef::enc, konnektor::Crypt::rsa);
    if (own.ok() && !own.value->empty()) {
      const auto vc = co_await kon.verify_certificate(ctx, own.value->front().der);
      report("VerifyCertificate", vc);
      check(vc.ok() && *vc.value == konnektor::CertificateVerification::valid, "VerifyCertificate C.ENC valid");
    }
  };
  asio::co_spawn(io, run, asio::detached);
  io.run();
  pool.join();
  std::cout << json{{"failures", failures}}.dump() << std::endl;
  return failures == 0 ? 0 : 1;
}
