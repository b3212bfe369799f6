// Opening AuthEnvelopedData: parse by OID and structure, pick the RecipientInfo for a key
// that recipient-emails gives to the fetching address, unwrap the CEK through the key
// callback, decrypt AES-GCM.
// OAEP decoding after a raw RSA operation uses RSA_padding_check_PKCS1_OAEP_mgf1, which
// OpenSSL 3.0 marks deprecated but still ships; it is the constant-time decoder we want.
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/rsa.h>

#include <algorithm>

#include "crypto/algorithms.h"
#include "crypto/auth_enveloped.h"
#include "crypto/cms_kdf.h"
#include "crypto/oids.h"
#include "crypto/ossl.h"

namespace kimgate::crypto {

using namespace detail;  // NOLINT(google-build-using-namespace): internal helpers of crypto/

namespace {

bool same(der::View a, const Bytes& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

struct Ktri {
  der::View rid;
  der::View alg;  // AlgorithmIdentifier contents
  Bytes encrypted_key;
};
struct Kari {
  Bytes originator_point;
  Bytes wrap_alg;  // the AlgorithmIdentifier DER from keyEncryptionAlgorithm's parameters
  std::vector<std::pair<der::View, Bytes>> keys;  // rid, encrypted key
};
struct Parsed {
  std::vector<Ktri> ktris;
  std::vector<Kari> karis;
  Bytes nonce;
  std::size_t tag_len = 12;
  Bytes ciphertext;
  Bytes mac;
  Bytes aad;
  std::optional<std::vector<RecipientEmail>> emails;
};

std::optional<Kari> parse_kari(const der::Tlv& t) {
  der::Reader r(t.contents);
  auto version = r.next_if(der::kInteger);
  auto originator = r.next_if(der::context(0, true));
  r.next_if(der::context(1, true));  // ukm
  auto kea = r.next_if(der::kSequence);
  auto reks = r.next_if(der::kSequence);
  if (!version || !originator || !kea || !reks || !r.done()) {
    return std::nullopt;
  }
  Kari k;
  auto okey = der::read(originator->contents);
  if (!okey || okey->tag != der::context(1, true)) {
    return std::nullopt;  // only originatorKey is in the profile
  }
  der::Reader orr(okey->contents);
  auto oalg = orr.next_if(der::kSequence);
  auto bits = orr.next_if(der::kBitString);
  if (!oalg || !bits || bits->contents.size() < 2 || bits->contents[0] != 0) {
    return std::nullopt;
  }
  k.originator_point = der::copy(bits->contents.subspan(1));
  der::Reader kr(kea->contents);
  auto koid = kr.next_if(der::kOid);
  auto wrap = kr.next_if(der::kSequence);
  if (!koid || !wrap || der::oid_text(koid->contents) != oids::ecdh_sha256kdf ||
      alg::digest_oid(wrap->contents) != oids::aes256_wrap) {
    return std::nullopt;
  }
  k.wrap_alg = der::copy(wrap->raw);
  auto list = der::children(*reks);
  if (!list) {
    return std::nullopt;
  }
  for (const auto& rek : *list) {
    der::Reader rr(rek.contents);
    auto rid = rr.next_if(der::kSequence);
    auto ek = rr.next_if(der::kOctetString);
    if (!rid || !ek) {
      continue;  // rKeyId recipients are outside the profile
    }
    k.keys.emplace_back(rid->raw, der::copy(ek->contents));
  }
  return k;
}

Result<Parsed> parse(der::View input) {
  using R = Result<Parsed>;
  auto ci = der::read(input);
  if (!ci || ci->tag != der::kSequence) {
    return R::failure("not a DER ContentInfo");
  }
  der::Reader cr(ci->contents);
  auto ct = cr.next_if(der::kOid);
  auto wrap = cr.next_if(der::context(0, true));
  if (!ct || !wrap || der::oid_text(ct->contents) != oids::auth_enveloped_data) {
    return R::failure("content is not AuthEnvelopedData");
  }
  auto aed = der::read(wrap->contents);
  if (!aed || aed->tag != der::kSequence) {
    return R::failure("AuthEnvelopedData is not a SEQUENCE");
  }
  der::Reader r(aed->contents);
  auto version = r.next_if(der::kInteger);
  if (r.next_if(der::context(0, true))) {
    return R::failure("originatorInfo present (KOM-LE-A_2106)");
  }
  auto ris = r.next_if(der::kSet);
  auto aeci = r.next_if(der::kSequence);
  auto auth_attrs = r.next_if(der::context(1, true));
  auto mac = r.next_if(der::kOctetString);
  auto unauth = r.next_if(der::context(2, true));
  if (!version || !ris || !aeci || !mac || !r.done()) {
    return R::failure("AuthEnvelopedData fields missing or malformed");
  }
  Parsed p;
  p.mac = der::copy(mac->contents);
  if (auth_attrs) {
    if (auth_attrs->indefinite) {
      return R::failure("authAttrs not DER");
    }
    p.aad = der::copy(auth_attrs->raw);
    p.aad[0] = der::kSet;
  }
  auto infos = der::children(*ris);
  if (!infos) {
    return R::failure("recipientInfos malformed");
  }
  for (const auto& ri : *infos) {
    if (ri.tag == der::kSequence) {
      der::Reader kr(ri.contents);
      auto v = kr.next_if(der::kInteger);
      auto rid = kr.next_if(der::kSequence);
      auto alg_id = kr.next_if(der::kSequence);
      auto ek = kr.next_if(der::kOctetString);
      if (!v || !rid || !alg_id || !ek) {
        continue;  // subjectKeyIdentifier rids are outside the profile
      }
      p.ktris.push_back(Ktri{rid->raw, alg_id->contents, der::copy(ek->contents)});
    } else if (ri.tag == der::context(1, true)) {
      auto k = parse_kari(ri);
      if (!k) {
        return R::failure("KeyAgreeRecipientInfo malformed or outside the profile");
      }
      p.karis.push_back(std::move(*k));
    }
  }
  der::Reader ar(aeci->contents);
  auto ctype = ar.next_if(der::kOid);
  auto calg = ar.next_if(der::kSequence);
  auto ec = ar.next();
  if (!ctype || !calg || !ec || (ec->tag & 0x1f) != 0 || (ec->tag & 0xc0) != 0x80) {
    return R::failure("authEncryptedContentInfo malformed or without encryptedContent (KOM-LE-A_2112)");
  }
  auto ciphertext = der::octets(*ec);
  if (!ciphertext) {
    return R::failure("encryptedContent malformed");
  }
  p.ciphertext = std::move(*ciphertext);
  der::Reader gr(calg->contents);
  auto goid = gr.next_if(der::kOid);
  auto gparams = gr.next_if(der::kSequence);
  if (!goid || !gparams || der::oid_text(goid->contents) != oids::aes256_gcm) {
    return R::failure("content encryption is not AES-256-GCM");
  }
  der::Reader pr(gparams->contents);
  auto nonce = pr.next_if(der::kOctetString);
  auto icv = pr.next_if(der::kInteger);
  if (!nonce || nonce->contents.empty() || nonce->contents.size() > 64) {
    return R::failure("GCM nonce malformed");
  }
  p.nonce = der::copy(nonce->contents);
  if (icv) {
    if (icv->contents.size() != 1 || icv->contents[0] < 12 || icv->contents[0] > 16) {
      return R::failure("GCM ICV length malformed");
    }
    p.tag_len = icv->contents[0];
  }
  if (p.mac.size() != p.tag_len) {
    return R::failure("mac length differs from the GCM ICV length");
  }
  if (unauth) {
    auto attrs = der::children(*unauth);
    if (!attrs) {
      return R::failure("unauthAttrs malformed");
    }
    for (const auto& a : *attrs) {
      der::Reader ur(a.contents);
      auto type = ur.next_if(der::kOid);
      auto values = ur.next_if(der::kSet);
      if (type && values && der::oid_text(type->contents) == oids::recipient_emails) {
        auto emails = parse_recipient_emails_values(*values);
        if (!emails.ok()) {
          return R::failure(emails.error);
        }
        p.emails = std::move(*emails.value);
      }
    }
  }
  return R::success(std::move(p));
}

OpenResult failure(OpenError e, std::string detail) {
  OpenResult r;
  r.error = e;
  r.detail = std::move(detail);
  return r;
}

// The CEK for one key, or a failure explaining why not.
std::optional<Result<Bytes>> unwrap_with(const Parsed& p, const KeyAccess& key, const Bytes& ias) {
  for (const auto& k : p.ktris) {
    if (!same(k.rid, ias) || !key.rsa_raw) {
      continue;
    }
    if (!alg::is_oaep_sha256(k.alg)) {
      return Result<Bytes>::failure("key transport is not RSAES-OAEP with SHA-256");
    }
    auto block = key.rsa_raw(k.encrypted_key);
    if (!block.ok()) {
      return Result<Bytes>::failure("key operation: " + block.error);
    }
    Bytes cek(block.value->size());
    const int n = RSA_padding_check_PKCS1_OAEP_mgf1(
        cek.data(), static_cast<int>(cek.size()), block.value->data(), static_cast<int>(block.value->size()),
        static_cast<int>(block.value->size()), nullptr, 0, EVP_sha256(), EVP_sha256());
    if (n < 0) {
      openssl_error();
      return Result<Bytes>::failure("OAEP decoding failed");
    }
    cek.resize(static_cast<std::size_t>(n));
    return Result<Bytes>::success(std::move(cek));
  }
  for (const auto& k : p.karis) {
    for (const auto& [rid, ek] : k.keys) {
      if (!same(rid, ias) || !key.ecdh) {
        continue;
      }
      auto z = key.ecdh(k.originator_point);
      if (!z.ok()) {
        return Result<Bytes>::failure("key operation: " + z.error);
      }
      auto kek = x963_kdf(*z.value, shared_info(k.wrap_alg), 32);
      if (!kek.ok()) {
        return Result<Bytes>::failure(kek.error);
      }
      return aes_wrap(*kek.value, ek, false);
    }
  }
  return std::nullopt;
}

}  // namespace

Result<std::vector<RecipientEmail>> envelope_recipient_emails(der::View input) {
  auto p = parse(input);
  if (!p.ok()) {
    return Result<std::vector<RecipientEmail>>::failure(p.error);
  }
  if (!p.value->emails) {
    return Result<std::vector<RecipientEmail>>::failure("no recipient-emails attribute");
  }
  return Result<std::vector<RecipientEmail>>::success(std::move(*p.value->emails));
}

OpenResult open_auth_enveloped(der::View input, const std::string& address, const std::vector<KeyAccess>& keys) {
  auto parsed = parse(input);
  if (!parsed.ok()) {
    return failure(OpenError::format, parsed.error);
  }
  const Parsed& p = *parsed.value;
  if (!p.emails) {
    return failure(OpenError::format, "recipient-emails missing from unauthAttrs (KOM-LE-A_2107)");
  }
  // An empty address is the Konnektor's DecryptDocument: the client module has already chosen the
  // card by recipient-emails, and any of the given keys that matches a RecipientInfo may be used.
  const auto rids = address.empty() ? std::vector<Bytes>{} : rids_for_address(*p.emails, address);
  if (!address.empty() && rids.empty()) {
    return failure(OpenError::not_addressed, "the message is not addressed to " + address);
  }
  std::optional<Bytes> cek;
  std::string last_error;
  bool key_failed = false;
  for (const auto& key : keys) {
    auto ias = issuer_and_serial(key.cert_der);
    if (!ias.ok() || (!address.empty() && std::find(rids.begin(), rids.end(), *ias.value) == rids.end())) {
      continue;  // never use a key that recipient-emails does not give to this address
    }
    auto r = unwrap_with(p, key, *ias.value);
    if (!r) {
      continue;
    }
    if (r->ok() && r->value->size() == kCekLen) {
      cek = std::move(*r->value);
      break;
    }
    key_failed = key_failed || (!r->ok() && r->error.rfind("key operation", 0) == 0);
    last_error = r->ok() ? "content-encryption key has the wrong length" : r->error;
  }
  if (!cek) {
    if (last_error.empty()) {
      return failure(OpenError::no_key, (address.empty() ? std::string("no given key") : "no key for " + address) +
                                            " matches a RecipientInfo");
    }
    return failure(key_failed ? OpenError::key_operation : OpenError::authentication, last_error);
  }
  Owned<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  Bytes plain(p.ciphertext.size() + 16);
  int n = 0;
  int m = 0;
  int aad_len = 0;
  const bool ok =
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(p.nonce.size()), nullptr) == 1 &&
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, cek->data(), p.nonce.data()) == 1 &&
      (p.aad.empty() ||
       EVP_DecryptUpdate(ctx.get(), nullptr, &aad_len, p.aad.data(), static_cast<int>(p.aad.size())) == 1) &&
      EVP_DecryptUpdate(ctx.get(), plain.data(), &n, p.ciphertext.data(), static_cast<int>(p.ciphertext.size())) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(p.mac.size()),
                          const_cast<std::uint8_t*>(p.mac.data())) == 1 &&
      EVP_DecryptFinal_ex(ctx.get(), plain.data() + n, &m) == 1;
  OPENSSL_cleanse(cek->data(), cek->size());
  if (!ok) {
    openssl_error();
    OPENSSL_cleanse(plain.data(), plain.size());
    return failure(OpenError::authentication, "AES-GCM authentication failed");
  }
  plain.resize(static_cast<std::size_t>(n + m));
  OpenResult out;
  out.opened = OpenedEnvelope{std::move(plain), *p.emails};
  return out;
}

}  // namespace kimgate::crypto
