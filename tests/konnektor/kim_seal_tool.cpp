// konnektor_kim_seal OUT.eml RSA|ECC — a KIM message made entirely through the Konnektor seam with
// the test world's SoftHSM token: SignDocument with practice A's SMC-B (OSIG RSA or ECC), then
// EncryptDocument for practice B and the sender. The interop test hands it to BouncyCastle.
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "crypto/ossl.h"
#include "crypto/recipient_emails.h"
#include "kim/kom_le.h"
#include "konnektor/local_konnektor.h"

using namespace kimgate;
namespace asio = net::asio;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: konnektor_kim_seal OUT.eml RSA|ECC\n";
    return 2;
  }
  const std::string out_path = argv[1];
  const konnektor::Crypt crypt = std::string(argv[2]) == "ECC" ? konnektor::Crypt::ecc : konnektor::Crypt::rsa;
  const char* dir = std::getenv("KIMGATE_WORLD_DIR");
  std::ifstream in(std::string(dir != nullptr ? dir : "build/world") + "/world.json");
  const nlohmann::json w = nlohmann::json::parse(in);
  const auto& a = w["participants"]["praxis_a"];
  const auto& b = w["participants"]["praxis_b"];
  const auto der = [](const nlohmann::json& p, const char* label) {
    std::ifstream f(p["keys"][label]["cert_der"].get<std::string>(), std::ios::binary);
    return konnektor::Bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  };
  conf::Konnektor config;
  config.id = "local";
  config.kind = conf::KonnektorKind::local;
  conf::LocalCard card;
  card.name = "praxis_a";
  card.iccsn = a["card"]["iccsn"];
  card.pkcs11_module = w["softhsm"]["module"].get<std::string>();
  card.token_label = a["card"]["token_label"];
  card.pin.inline_value = a["card"]["user_pin"];
  card.contexts = {"M1/CS1/WP1"};
  config.cards.push_back(card);

  const std::string from = a["kim_address"];
  const std::string to = b["kim_address"];
  const std::string client = "From: " + from + "\r\nTo: " + to +
                             "\r\nSubject: Arztbrief via SoftHSM\r\nMessage-ID: <interop-konnektor@kim.local>\r\n"
                             "Date: Mon, 23 Nov 2026 10:00:00 +0100\r\nX-KIM-Dienstkennung: Arztbrief;VHitG-Versand;"
                             "V1.2\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSigned on the token.\r\n";
  std::vector<std::pair<std::string, konnektor::Bytes>> pairs{{to, der(b, "C.HCI.ENC.RSA")},
                                                              {to, der(b, "C.HCI.ENC.ECC")},
                                                              {from, der(a, "C.HCI.ENC.RSA")},
                                                              {from, der(a, "C.HCI.ENC.ECC")}};
  std::vector<crypto::RecipientEmail> entries;
  std::vector<konnektor::Bytes> certs;
  for (const auto& [address, cert] : pairs) {
    entries.push_back({address, *crypto::issuer_and_serial(cert).value});
    certs.push_back(cert);
  }
  const konnektor::Bytes emails = crypto::encode_recipient_emails(entries);

  asio::io_context io;
  asio::thread_pool pool(2);
  konnektor::LocalKonnektor k(io.get_executor(), pool, config, std::chrono::seconds(60));
  int rc = 1;
  const auto run = [&]() -> net::awaitable<void> {
    const konnektor::CallContext ctx{"M1", "CS1", "WP1", ""};
    const auto cards = co_await k.get_cards(ctx);
    const std::string handle = cards.value->front().handle;
    co_await k.verify_pin(ctx, handle, konnektor::PinType::smc);
    const konnektor::Bytes content = crypto::to_bytes(kim::signed_content(client));
    const auto signed_data = co_await k.sign_document(ctx, handle, content, emails, crypt);
    if (!signed_data.ok()) {
      std::cerr << "SignDocument: " << signed_data.error.code << " " << signed_data.error.text << "\n";
      co_return;
    }
    const std::string sd(signed_data.value->begin(), signed_data.value->end());
    const konnektor::Bytes entity = crypto::to_bytes(kim::signed_data_entity(sd));
    const auto cms = co_await k.encrypt_document(ctx, entity, certs, emails);
    if (!cms.ok()) {
      std::cerr << "EncryptDocument: " << cms.error.text << "\n";
      co_return;
    }
    const auto outer = kim::build_outer_message(client, crypto::base64_encode_lines(crypto::der::view(*cms.value)),
                                                kim::OuterOptions{});
    std::ofstream(out_path, std::ios::binary) << *outer;
    std::cout << "sealed through the Konnektor seam: " << out_path << "\n";
    rc = 0;
  };
  asio::co_spawn(io, run(), asio::detached);
  io.run();
  pool.join();
  return rc;
}
