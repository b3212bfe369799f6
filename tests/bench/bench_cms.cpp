// bench_cms --world WORLD_JSON [--seconds N] [--size BYTES]: the in-process anchors of tests/bench,
// on the world's keys. Prints "name value" lines, per second:
//   cms_send_10k      SignedData (RSASSA-PSS, software key) + AuthEnvelopedData for the recipient's and
//                     the sender's ENC certificates (RSA and brainpool each), one core
//   cms_receive_10k   open that AuthEnvelopedData with the recipient's software RSA key + verify, one core
//   stream_seal_mb_s  KasSealer (AES-256-GCM + SHA-256) and base64 lines over 1 MiB chunks, one core
//   softhsm_sign_1t   RSASSA-PSS signatures of a digest on the SoftHSM token, one thread
//   softhsm_sign_2t   the same with two threads, each with its own session
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "crypto/auth_enveloped.h"
#include "crypto/kas_stream.h"
#include "crypto/ossl.h"
#include "crypto/recipient_emails.h"
#include "crypto/signed_data.h"
#include "konnektor/pkcs11.h"

using namespace kimgate;
using Clock = std::chrono::steady_clock;

namespace {

crypto::Bytes file_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return crypto::Bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

// Runs `op` for `seconds` and returns operations per second; -1 when an operation fails.
template <class F>
double rate(double seconds, F&& op) {
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  const auto start = Clock::now();
  long n = 0;
  while (Clock::now() < end) {
    if (!op()) {
      return -1;
    }
    ++n;
  }
  return n / std::chrono::duration<double>(Clock::now() - start).count();
}

struct Participant {
  std::string address;
  std::string p12_password;
  nlohmann::json keys;
  crypto::Bytes cert(const std::string& name) const { return file_bytes(keys[name]["cert_der"]); }
  crypto::PkeyPtr key(const std::string& name) const {
    auto k = crypto::private_key_from_pem(file_bytes(keys[name]["key_pem"]));
    return k.ok() ? std::move(*k.value) : crypto::PkeyPtr{};
  }
};

Participant participant(const nlohmann::json& w, const std::string& id) {
  const auto& p = w["participants"][id];
  return Participant{p["kim_address"], p["card"]["p12_password"], p["keys"]};
}

}  // namespace

int main(int argc, char** argv) {
  std::string world_json;
  double seconds = 3;
  std::size_t size = 10240;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--world") {
      world_json = argv[i + 1];
    } else if (a == "--seconds") {
      seconds = std::stod(argv[i + 1]);
    } else if (a == "--size") {
      size = std::stoul(argv[i + 1]);
    }
  }
  if (world_json.empty()) {
    std::fprintf(stderr, "usage: bench_cms --world WORLD_JSON [--seconds N] [--size BYTES]\n");
    return 2;
  }
  std::ifstream wf(world_json);
  const nlohmann::json w = nlohmann::json::parse(wf);
  const Participant sender = participant(w, "praxis_a");
  const Participant recipient = participant(w, "praxis_b");

  std::vector<crypto::Bytes> enc_certs{recipient.cert("C.HCI.ENC.RSA"), recipient.cert("C.HCI.ENC.ECC"),
                                       sender.cert("C.HCI.ENC.RSA"), sender.cert("C.HCI.ENC.ECC")};
  std::vector<crypto::RecipientEmail> entries;
  for (std::size_t i = 0; i < enc_certs.size(); ++i) {
    auto rid = crypto::issuer_and_serial(enc_certs[i]);
    entries.push_back({i < 2 ? recipient.address : sender.address, *rid.value});
  }
  const crypto::Bytes emails = crypto::encode_recipient_emails(entries);
  crypto::PkeyPtr osig = sender.key("C.HCI.OSIG.RSA");
  const crypto::SignFn sign = crypto::sign_with_key(osig.get());
  crypto::SignInput in;
  in.content = crypto::to_bytes("Content-Type: message/rfc822\r\n\r\n" + std::string(size, 'x'));
  in.signer_cert_der = sender.cert("C.HCI.OSIG.RSA");
  in.recipient_emails = emails;
  in.signing_time = 1764849600;

  crypto::Bytes last;
  const double send = rate(seconds, [&] {
    auto signed_data = crypto::sign_signed_data(in, sign);
    if (!signed_data.ok()) {
      return false;
    }
    crypto::EnvelopeInput env{std::move(*signed_data.value), enc_certs, emails};
    auto sealed = crypto::seal_auth_enveloped(env);
    if (!sealed.ok()) {
      return false;
    }
    last = std::move(*sealed.value);
    return true;
  });
  std::printf("cms_send_10k %.1f\n", send);

  crypto::PkeyPtr enc = recipient.key("C.HCI.ENC.RSA");
  const std::vector<crypto::KeyAccess> access{crypto::key_access_from_pkey(enc.get(), recipient.cert("C.HCI.ENC.RSA"))};
  const double receive = rate(seconds, [&] {
    const crypto::OpenResult opened = crypto::open_auth_enveloped(crypto::der::view(last), recipient.address, access);
    if (!opened.opened) {
      return false;
    }
    const auto verified = crypto::verify_signed_data(crypto::der::view(opened.opened->content));
    return verified.status == crypto::SignatureStatus::valid;
  });
  std::printf("cms_receive_10k %.1f\n", receive);

  // The streamed primitives of a large mail on one core (S7's anchor, benchmarks.md: "streaming
  // SHA + GCM + base64"): KasSealer (AES-256-GCM and SHA-256 of the plaintext) over 1 MiB
  // chunks, then base64 lines of the sealed chunk, as kimgated's KAS path and its KIM message do.
  {
    const std::string chunk(1 << 20, 'k');
    std::string sealed;
    double megabytes = 0;
    const auto start = Clock::now();
    const auto end = start + std::chrono::duration<double>(seconds);
    crypto::KasSealer sealer;
    while (Clock::now() < end) {
      sealed.clear();
      if (!sealer.update(chunk, sealed)) {
        std::fprintf(stderr, "bench_cms: KasSealer: %s\n", sealer.error().c_str());
        return 1;
      }
      const std::string lines = crypto::base64_encode_lines(
          crypto::der::View(reinterpret_cast<const std::uint8_t*>(sealed.data()), sealed.size()));
      if (lines.size() < sealed.size()) {
        return 1;
      }
      megabytes += static_cast<double>(chunk.size()) / 1e6;
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("stream_seal_mb_s %.1f\n", megabytes / elapsed);
  }

  // SoftHSM: the sender's token, OSIG RSA key (CKA_ID of C.HCI.OSIG.RSA).
  const std::string module = w["softhsm"]["module"];
  const std::string label = w["participants"]["praxis_a"]["card"]["token_label"];
  const std::string pin = w["participants"]["praxis_a"]["card"]["user_pin"];
  const std::string id_hex = sender.keys["C.HCI.OSIG.RSA"]["cka_id"];
  const crypto::Bytes key_id{static_cast<std::uint8_t>(std::stoi(id_hex, nullptr, 16))};
  const crypto::Bytes digest = crypto::sha256(crypto::der::view(in.content));
  for (int threads : {1, 2}) {
    std::vector<std::unique_ptr<konnektor::Pkcs11Token>> tokens;
    for (int t = 0; t < threads; ++t) {
      auto token = konnektor::Pkcs11Token::open(module, label);
      if (!token.ok() || !(*token.value)->login(pin).ok()) {
        std::fprintf(stderr, "bench_cms: SoftHSM token %s: %s\n", label.c_str(), token.error.c_str());
        return 1;
      }
      tokens.push_back(std::move(*token.value));
    }
    std::atomic<long> total{0};
    const auto start = Clock::now();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        const auto end = start + std::chrono::duration<double>(seconds);
        long n = 0;
        while (Clock::now() < end) {
          if (tokens[t]->sign_digest(key_id, digest, konnektor::SignatureScheme::rsassa_pss_sha256).ok()) {
            ++n;
          }
        }
        total += n;
      });
    }
    for (auto& th : pool) {
      th.join();
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("softhsm_sign_%dt %.1f\n", threads, static_cast<double>(total) / elapsed);
  }
  return 0;
}
