#include "admin/message_command.h"

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>

#include "crypto/ossl.h"
#include "crypto/recipient_emails.h"
#include "kim/decrypted_entity.h"
#include "kim/kom_le.h"
#include "kim/raw_message.h"
#include "kim/receive_decision.h"
#include "kim/send_mail.h"

namespace kimgate::admin {
namespace {

using crypto::Bytes;

std::string_view as_text(const Bytes& b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// The CMS DER of the input and the outer mail when there is one.
struct Located {
  std::string outer;  // empty for bare CMS
  std::string version;
  Bytes der;
  std::string error;  // non-empty: not profile-conformant (DecryptionResult 02)
  bool not_kim = false;
};

Located locate(const std::string& input) {
  Located l;
  if (!input.empty() && static_cast<unsigned char>(input[0]) == 0x30) {
    l.der.assign(input.begin(), input.end());
    l.version = "1.0";
    return l;
  }
  auto raw = kim::parse_raw_message(input);
  if (raw && !raw->fields.empty()) {
    if (!kim::header_value(*raw, "X-KOM-LE-Version")) {
      l.not_kim = true;
      return l;
    }
    l.outer = input;
    auto outer = kim::parse_outer_message(input);
    if (!outer) {
      l.version = kim::header_value(*raw, "X-KOM-LE-Version").value_or("");
      l.error = "outer message is not application/pkcs7-mime";
      return l;
    }
    l.version = outer->version;
    auto der = crypto::base64_decode(outer->smime_body);
    if (!der.ok()) {
      l.error = "smime.p7m body: " + der.error;
      return l;
    }
    l.der = std::move(*der.value);
    return l;
  }
  auto der = crypto::base64_decode(input);
  if (!der.ok()) {
    l.error = "input is neither a KIM mail nor CMS in DER or base64";
    return l;
  }
  l.der = std::move(*der.value);
  l.version = "1.0";
  return l;
}

kim::DecryptionFailure decryption_failure_of(crypto::OpenError e) {
  switch (e) {
    case crypto::OpenError::not_addressed:
      return kim::DecryptionFailure::not_addressed;
    case crypto::OpenError::no_key:
    case crypto::OpenError::key_operation:
      return kim::DecryptionFailure::key_unavailable;
    default:
      return kim::DecryptionFailure::format;
  }
}

std::string signer_summary(const Bytes& cert_der) {
  auto cert = crypto::certificate_from_der(cert_der);
  if (!cert.ok()) {
    return "signer=?";
  }
  std::string out = std::string("signer-type=") + crypto::cert_type_name(crypto::cert_type_of(*cert.value));
  if (auto adm = crypto::admission_of(*cert.value); adm.ok()) {
    out += " telematik-id=" + adm.value->telematik_id;
    if (!adm.value->profession_oids.empty()) {
      out += " profession-oid=" + adm.value->profession_oids.front();
    }
  }
  return out;
}

// The signature verdict checked here, as a Konnektor's VerifyDocument would give it: with
// --trust the signer certificate (C.HCI.OSIG type, key usage, validity, chain, CRLs) is checked,
// without trust anchors its status is not checkable (07, never a silent 01).
kim::SignatureVerdict local_verdict(const OpenRequest& req, const kim::DecryptedEntity& e, std::string& detail) {
  if (e.local_status == crypto::SignatureStatus::invalid) {
    return kim::SignatureVerdict::integrity_violated;
  }
  detail = signer_summary(e.signer_cert_der);
  if (req.trust_roots.empty()) {
    return kim::SignatureVerdict::valid_status_unchecked;
  }
  auto cert = crypto::certificate_from_der(e.signer_cert_der);
  if (!cert.ok()) {
    detail += " certificate=" + cert.error;
    return kim::SignatureVerdict::certificate_invalid;
  }
  crypto::CertCheckOptions o;
  o.allowed_types = {crypto::CertType::hci_osig};
  o.at_time = req.at_time;
  o.roots = req.trust_roots;
  o.intermediates = req.intermediates;
  o.crls_pem = req.crls;
  const auto check = crypto::check_certificate(*cert.value, o);
  if (check.status != crypto::CertStatus::ok) {
    detail += std::string(" certificate=") + crypto::cert_status_name(check.status);
    return kim::SignatureVerdict::certificate_invalid;
  }
  return kim::SignatureVerdict::valid;
}

}  // namespace

crypto::Result<std::string> seal_message(const SealRequest& req) {
  using R = crypto::Result<std::string>;
  if (!kim::parse_raw_message(req.client_mail)) {
    return R::failure("the client mail has no header section");
  }
  std::vector<crypto::RecipientEmail> entries;
  std::vector<Bytes> certs;
  for (const auto& [address, cert] : req.recipients) {
    auto ias = crypto::issuer_and_serial(cert);
    if (!ias.ok()) {
      return R::failure(address + ": " + ias.error);
    }
    entries.push_back({address, *ias.value});
    certs.push_back(cert);
  }
  const Bytes attr = crypto::encode_recipient_emails(entries);
  crypto::SignInput sin;
  sin.content = crypto::to_bytes(kim::signed_content(req.client_mail));
  sin.signer_cert_der = req.signer_cert;
  sin.recipient_emails = attr;
  sin.signing_time = req.signing_time != 0 ? req.signing_time : static_cast<std::int64_t>(std::time(nullptr));
  auto signed_der = crypto::sign_signed_data(sin, req.sign);
  if (!signed_der.ok()) {
    return R::failure(signed_der.error);
  }
  crypto::EnvelopeInput ein;
  ein.content = crypto::to_bytes(kim::signed_data_entity(as_text(*signed_der.value)));
  ein.recipient_certs = certs;
  ein.recipient_emails = attr;
  auto cms = crypto::seal_auth_enveloped(ein);
  if (!cms.ok()) {
    return R::failure(cms.error);
  }
  auto outer = kim::build_outer_message(req.client_mail, crypto::base64_encode_lines(crypto::der::view(*cms.value)),
                                        kim::OuterOptions{});
  if (!outer) {
    return R::failure("cannot build the outer message");
  }
  return R::success(std::move(*outer));
}

OpenOutcome open_message(const OpenRequest& req) {
  OpenOutcome out;
  const Located loc = locate(req.input);
  kim::ReceiveFacts facts;
  facts.kim = !loc.not_kim;
  facts.version = loc.version;
  const std::string& outer = loc.outer.empty() ? req.input : loc.outer;
  std::string inner;
  std::string detail;
  if (facts.kim && kim::supported_kom_le_version(loc.version)) {
    if (!loc.error.empty()) {
      facts.decryption_failure = kim::DecryptionFailure::format;
      detail = loc.error;
    } else {
      auto opened = crypto::open_auth_enveloped(crypto::der::view(loc.der), req.address, req.keys);
      if (!opened.opened) {
        facts.decryption_failure = decryption_failure_of(opened.error);
        detail = opened.detail;
      } else {
        kim::DecryptedEntity e =
            kim::read_decrypted_entity(loc.outer, as_text(opened.opened->content), opened.opened->recipient_emails);
        detail = e.detail;
        if (e.facts.signed_entity && e.facts.signed_data_readable) {
          e.facts.verdict = local_verdict(req, e, detail);
          if (!e.facts.inner_is_mail) {
            detail = e.detail;
          } else if (!e.facts.headers_match) {
            detail += " outer and inner From/Sender/Reply-To/To/Cc differ";
          } else if (!e.facts.recipient_emails_match) {
            detail += " signed and unsigned recipient-emails differ";
          }
        }
        facts.integrity = e.facts;
        inner = std::move(e.inner);
      }
    }
  }
  const kim::ReceiveDecision d = kim::decide_receive(facts);
  out.decrypted = d.decryption_result == "00";
  out.decryption_result = d.decryption_result;
  out.integrity_result = d.integrity_result;
  out.mail = kim::received_mail(d, outer, inner, req.address, loc.version, req.generated);
  switch (d.mail) {
    case kim::ReceivedMail::unchanged:
      out.verdict = "not a KIM message (no X-KOM-LE-Version): passed through unchanged";
      break;
    case kim::ReceivedMail::version_error:
      out.verdict = "unsupported X-KOM-LE-Version " + loc.version + " (4008)";
      break;
    case kim::ReceivedMail::decryption_error:
      out.verdict = "decryption=" + d.decryption_result + " " + detail;
      break;
    case kim::ReceivedMail::delivered:
    case kim::ReceivedMail::integrity_error:
      out.verdict = "decryption=00 integrity=" + d.integrity_result + " " + detail;
      break;
  }
  return out;
}

namespace {

crypto::Result<Bytes> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    return crypto::Result<Bytes>::failure("cannot read " + path);
  }
  return crypto::Result<Bytes>::success(Bytes(std::istreambuf_iterator<char>(f), {}));
}

bool write_file(const std::string& path, std::string_view data) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(data.data(), static_cast<std::streamsize>(data.size()));
  return static_cast<bool>(f);
}

// "ADDR=CERT[,CERT2]" into (address, DER) pairs.
bool add_recipients(const std::string& spec, std::vector<std::pair<std::string, Bytes>>& out, std::string& error) {
  const auto eq = spec.find('=');
  if (eq == std::string::npos || eq == 0) {
    error = "expected ADDR=CERT.pem[,CERT2.pem]: " + spec;
    return false;
  }
  const std::string address = spec.substr(0, eq);
  std::stringstream files(spec.substr(eq + 1));
  std::string file;
  while (std::getline(files, file, ',')) {
    auto data = read_file(file);
    auto cert = data.ok() ? crypto::certificate_from_pem_or_der(*data.value)
                          : crypto::Result<crypto::Certificate>::failure(data.error);
    if (!cert.ok()) {
      error = file + ": " + cert.error;
      return false;
    }
    out.emplace_back(address, cert.value->der);
  }
  return true;
}

struct Options {
  std::string signer_p12, signer_pass, sender, in, out;
  std::vector<std::string> recipients;
  std::string p12, pass, key, cert, address;
  std::vector<std::string> trust, crls;
};

int run_seal(const Options& o) {
  auto p12 = read_file(o.signer_p12);
  auto contents = p12.ok() ? crypto::read_pkcs12(*p12.value, o.signer_pass)
                           : crypto::Result<crypto::Pkcs12Contents>::failure(p12.error);
  if (!contents.ok()) {
    std::cerr << "kimctl: signer: " << contents.error << "\n";
    return 1;
  }
  SealRequest req;
  std::string error;
  for (const auto& r : o.recipients) {
    if (!add_recipients(r, req.recipients, error)) {
      std::cerr << "kimctl: " << error << "\n";
      return 1;
    }
  }
  if (!add_recipients(o.sender, req.recipients, error)) {
    std::cerr << "kimctl: sender: " << error << "\n";
    return 1;
  }
  auto mail = read_file(o.in);
  if (!mail.ok()) {
    std::cerr << "kimctl: " << mail.error << "\n";
    return 1;
  }
  req.client_mail = crypto::to_string(*mail.value);
  // The sender's certificates must be those of the mail's sender (Sender, else From; §4.3 step 4).
  if (auto raw = kim::parse_raw_message(req.client_mail)) {
    auto who = kim::header_value(*raw, "Sender");
    if (!who) {
      who = kim::header_value(*raw, "From");
    }
    const auto addrs = who ? kim::addr_specs(*who) : std::vector<std::string>{};
    const std::string sender_addr = o.sender.substr(0, o.sender.find('='));
    if (addrs.size() != 1 || !kim::iequals(addrs.front(), sender_addr)) {
      std::cerr << "kimctl: --sender " << sender_addr << " is not the client mail's sender (Sender, else From)\n";
      return 1;
    }
  }
  req.signer_cert = contents.value->cert.der;
  req.sign = crypto::sign_with_key(contents.value->key.get());
  auto sealed = seal_message(req);
  if (!sealed.ok()) {
    std::cerr << "kimctl: seal: " << sealed.error << "\n";
    return 1;
  }
  if (!write_file(o.out, *sealed.value)) {
    std::cerr << "kimctl: cannot write " << o.out << "\n";
    return 1;
  }
  std::cout << "sealed for " << req.recipients.size() << " certificate(s): " << o.out << "\n";
  return 0;
}

int run_open(const Options& o) {
  OpenRequest req;
  crypto::PkeyPtr key;
  crypto::Bytes cert_der;
  if (!o.p12.empty()) {
    auto p12 = read_file(o.p12);
    auto contents =
        p12.ok() ? crypto::read_pkcs12(*p12.value, o.pass) : crypto::Result<crypto::Pkcs12Contents>::failure(p12.error);
    if (!contents.ok()) {
      std::cerr << "kimctl: " << contents.error << "\n";
      return 1;
    }
    key = std::move(contents.value->key);
    cert_der = contents.value->cert.der;
  } else {
    auto key_pem = read_file(o.key);
    auto cert_pem = read_file(o.cert);
    auto k = key_pem.ok() ? crypto::private_key_from_pem(*key_pem.value)
                          : crypto::Result<crypto::PkeyPtr>::failure(key_pem.error);
    auto c = cert_pem.ok() ? crypto::certificate_from_pem_or_der(*cert_pem.value)
                           : crypto::Result<crypto::Certificate>::failure(cert_pem.error);
    if (!k.ok() || !c.ok()) {
      std::cerr << "kimctl: " << (k.ok() ? c.error : k.error) << "\n";
      return 1;
    }
    key = std::move(*k.value);
    cert_der = c.value->der;
  }
  req.keys.push_back(crypto::key_access_from_pkey(key.get(), cert_der));
  for (const auto& t : o.trust) {
    auto data = read_file(t);
    if (!data.ok()) {
      std::cerr << "kimctl: " << data.error << "\n";
      return 1;
    }
    for (auto& c : crypto::certificates_from_pem(*data.value)) {
      // Self-signed certificates are anchors, the others intermediates.
      if (X509_check_issued(c.x509.get(), c.x509.get()) == X509_V_OK) {
        req.trust_roots.push_back(std::move(c));
      } else {
        req.intermediates.push_back(std::move(c));
      }
    }
  }
  for (const auto& c : o.crls) {
    auto data = read_file(c);
    if (!data.ok()) {
      std::cerr << "kimctl: " << data.error << "\n";
      return 1;
    }
    req.crls.push_back(std::move(*data.value));
  }
  auto input = read_file(o.in);
  if (!input.ok()) {
    std::cerr << "kimctl: " << input.error << "\n";
    return 1;
  }
  req.input = crypto::to_string(*input.value);
  req.address = o.address;
  req.generated = kim::generate_identity("kimgate.local");
  const OpenOutcome outcome = open_message(req);
  if (!write_file(o.out, outcome.mail)) {
    std::cerr << "kimctl: cannot write " << o.out << "\n";
    return 1;
  }
  std::cout << outcome.verdict << "\n";
  return outcome.decrypted ? 0 : 1;
}

}  // namespace

CommandGroup register_message_commands(CLI::App& app) {
  auto o = std::make_shared<Options>();
  auto* message = app.add_subcommand("message", "seal or open KIM messages offline");
  message->require_subcommand(1);
  auto* seal = message->add_subcommand("seal", "sign and encrypt a client mail into a KOM-LE message");
  seal->add_option("--signer-p12", o->signer_p12, "PKCS#12 with the C.HCI.OSIG key")->required();
  seal->add_option("--signer-pass", o->signer_pass, "password of the PKCS#12")->required();
  seal->add_option("--sender", o->sender, "ADDR=CERT.pem[,CERT2.pem]: the sender's ENC certificates")->required();
  seal->add_option("--recipient", o->recipients, "ADDR=CERT.pem[,CERT2.pem], repeatable")->required();
  seal->add_option("--in", o->in, "client mail")->required();
  seal->add_option("--out", o->out, "KIM mail to write")->required();
  auto* open = message->add_subcommand("open", "decrypt and verify a KIM message; exit 0 only if decrypted");
  auto* p12 = open->add_option("--p12", o->p12, "PKCS#12 with the ENC key");
  open->add_option("--pass", o->pass, "password of the PKCS#12")->needs(p12);
  auto* key = open->add_option("--key", o->key, "PEM private key (with --cert)")->excludes(p12);
  open->add_option("--cert", o->cert, "PEM certificate of --key")->needs(key);
  open->add_option("--address", o->address, "the KIM address whose key this is")->required();
  open->add_option("--trust", o->trust, "PEM CA certificates (roots and intermediates), repeatable");
  open->add_option("--crl", o->crls, "PEM or DER CRL for revocation checks, repeatable");
  open->add_option("--in", o->in, "KIM mail, or CMS in DER or base64")->required();
  open->add_option("--out", o->out, "client mail (or error mail) to write")->required();
  CommandGroup group;
  group.chosen = [message] { return message->parsed(); };
  group.run = [o, seal, p12, key]() {
    if (seal->parsed()) {
      return run_seal(*o);
    }
    if (p12->count() == 0 && key->count() == 0) {
      std::cerr << "kimctl: message open needs --p12 FILE --pass PASS or --key KEY.pem --cert CERT.pem\n";
      return 2;
    }
    return run_open(*o);
  };
  return group;
}

}  // namespace kimgate::admin
