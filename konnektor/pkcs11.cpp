#include "konnektor/pkcs11.h"

#include <dlfcn.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <p11-kit/pkcs11.h>

#include <map>
#include <mutex>

namespace kimgate::konnektor {

namespace {

std::string rv_text(CK_RV rv) {
  switch (rv) {
    case CKR_PIN_INCORRECT:
      return "PIN incorrect";
    case CKR_PIN_LOCKED:
      return "PIN locked";
    case CKR_USER_NOT_LOGGED_IN:
      return "not logged in";
    case CKR_MECHANISM_INVALID:
      return "mechanism not supported by the token";
    case CKR_ARGUMENTS_BAD:
    case CKR_MECHANISM_PARAM_INVALID:
      return "mechanism parameters rejected by the token";
    case CKR_KEY_HANDLE_INVALID:
      return "key not found";
    case CKR_DEVICE_REMOVED:
    case CKR_TOKEN_NOT_PRESENT:
      return "token removed";
    default:
      return "PKCS#11 error 0x" + [](unsigned long v) {
        static constexpr char kHex[] = "0123456789abcdef";
        std::string s;
        do {
          s.insert(s.begin(), kHex[v & 0xF]);
          v >>= 4;
        } while (v != 0);
        return s;
      }(rv);
  }
}

// One loaded module per path, initialised once for the process (C_Initialize must not run twice).
struct Module {
  void* handle = nullptr;
  CK_FUNCTION_LIST_PTR fl = nullptr;
};

P11Result<Module> load_module(const std::string& path) {
  static std::mutex m;
  static std::map<std::string, Module> modules;
  std::lock_guard<std::mutex> lock(m);
  if (auto it = modules.find(path); it != modules.end()) {
    return {it->second, {}};
  }
  Module mod;
  mod.handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (mod.handle == nullptr) {
    return {std::nullopt, "cannot load PKCS#11 module \"" + path + "\": " + ::dlerror()};
  }
  auto get = reinterpret_cast<CK_C_GetFunctionList>(::dlsym(mod.handle, "C_GetFunctionList"));
  if (get == nullptr || get(&mod.fl) != CKR_OK || mod.fl == nullptr) {
    return {std::nullopt, "\"" + path + "\" is not a PKCS#11 module"};
  }
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  const CK_RV rv = mod.fl->C_Initialize(&args);
  if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
    return {std::nullopt, "cannot initialise PKCS#11 module \"" + path + "\": " + rv_text(rv)};
  }
  modules[path] = mod;
  return {mod, {}};
}

std::string trimmed_label(const unsigned char* label, std::size_t n) {
  std::string s(reinterpret_cast<const char*>(label), n);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) {
    s.pop_back();
  }
  return s;
}

}  // namespace

struct Pkcs11Token::Impl {
  CK_FUNCTION_LIST_PTR fl = nullptr;
  CK_SESSION_HANDLE session = 0;
  std::string label;

  // Private-key handles by CKA_ID, found once per login of this session: a search costs more than
  // a signature on SoftHSM (it re-reads the token). Emptied on login and logout.
  std::map<Bytes, CK_OBJECT_HANDLE> keys;

  P11Result<CK_OBJECT_HANDLE> find_key(const Bytes& id) {
    if (const auto hit = keys.find(id); hit != keys.end()) {
      return {hit->second, {}};
    }
    auto found = search_key(id);
    if (found.ok()) {
      keys.emplace(id, *found.value);
    }
    return found;
  }

  // Runs `init` (C_SignInit, C_DecryptInit, C_DeriveKey) with the key's handle. A handle the token
  // no longer knows (the token was replaced behind the session) is searched for once more.
  template <class Init>
  P11Result<CK_RV> with_key(const Bytes& id, Init&& init) {
    for (int attempt = 0;; ++attempt) {
      auto key = find_key(id);
      if (!key.ok()) {
        return {std::nullopt, key.error};
      }
      const CK_RV rv = init(*key.value);
      if (attempt == 0 && (rv == CKR_KEY_HANDLE_INVALID || rv == CKR_OBJECT_HANDLE_INVALID)) {
        keys.erase(id);
        continue;
      }
      return {rv, {}};
    }
  }

  P11Result<CK_OBJECT_HANDLE> search_key(const Bytes& id) {
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof cls},
                           {CKA_ID, const_cast<std::uint8_t*>(id.data()), static_cast<CK_ULONG>(id.size())}};
    CK_OBJECT_HANDLE obj = 0;
    CK_ULONG count = 0;
    if (fl->C_FindObjectsInit(session, tmpl, 2) != CKR_OK) {
      return {std::nullopt, "cannot search the token \"" + label + "\""};
    }
    fl->C_FindObjects(session, &obj, 1, &count);
    fl->C_FindObjectsFinal(session);
    if (count == 0) {
      return {std::nullopt, "no private key with this CKA_ID on token \"" + label + "\""};
    }
    return {obj, {}};
  }

  Bytes attribute(CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_TYPE type) {
    CK_ATTRIBUTE a{type, nullptr, 0};
    if (fl->C_GetAttributeValue(session, obj, &a, 1) != CKR_OK || a.ulValueLen == CK_UNAVAILABLE_INFORMATION) {
      return {};
    }
    Bytes v(a.ulValueLen);
    a.pValue = v.data();
    if (fl->C_GetAttributeValue(session, obj, &a, 1) != CKR_OK) {
      return {};
    }
    v.resize(a.ulValueLen);
    return v;
  }
};

Pkcs11Token::Pkcs11Token(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Pkcs11Token::~Pkcs11Token() {
  if (impl_ && impl_->fl != nullptr) {
    if (logged_in_) {
      impl_->fl->C_Logout(impl_->session);
    }
    impl_->fl->C_CloseSession(impl_->session);
  }
}

P11Result<std::unique_ptr<Pkcs11Token>> Pkcs11Token::open(const std::string& module, const std::string& label) {
  auto mod = load_module(module);
  if (!mod.ok()) {
    return {std::nullopt, mod.error};
  }
  CK_FUNCTION_LIST_PTR fl = mod.value->fl;
  CK_ULONG n = 0;
  if (fl->C_GetSlotList(CK_TRUE, nullptr, &n) != CKR_OK) {
    return {std::nullopt, "cannot list the slots of \"" + module + "\""};
  }
  std::vector<CK_SLOT_ID> slots(n);
  fl->C_GetSlotList(CK_TRUE, slots.data(), &n);
  slots.resize(n);
  for (CK_SLOT_ID slot : slots) {
    CK_TOKEN_INFO info{};
    if (fl->C_GetTokenInfo(slot, &info) != CKR_OK || trimmed_label(info.label, sizeof info.label) != label) {
      continue;
    }
    auto impl = std::make_unique<Impl>();
    impl->fl = fl;
    impl->label = label;
    const CK_RV rv = fl->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &impl->session);
    if (rv != CKR_OK) {
      return {std::nullopt, "cannot open a session on token \"" + label + "\": " + rv_text(rv)};
    }
    return {std::unique_ptr<Pkcs11Token>(new Pkcs11Token(std::move(impl))), {}};
  }
  return {std::nullopt, "no token labelled \"" + label + "\" in \"" + module + "\" (card not inserted?)"};
}

P11Result<Done> Pkcs11Token::login(const std::string& pin) {
  if (logged_in_) {
    return {Done{}, {}};
  }
  std::string copy = pin;
  const CK_RV rv = impl_->fl->C_Login(impl_->session, CKU_USER, reinterpret_cast<CK_UTF8CHAR_PTR>(copy.data()),
                                      static_cast<CK_ULONG>(copy.size()));
  OPENSSL_cleanse(copy.data(), copy.size());
  if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
    return {std::nullopt, rv_text(rv)};
  }
  impl_->keys.clear();  // private objects become visible with the login
  logged_in_ = true;
  return {Done{}, {}};
}

void Pkcs11Token::logout() {
  if (logged_in_) {
    impl_->fl->C_Logout(impl_->session);
    impl_->keys.clear();
    logged_in_ = false;
  }
}

P11Result<std::vector<TokenObject>> Pkcs11Token::certificates() {
  CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
  CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof cls}};
  if (impl_->fl->C_FindObjectsInit(impl_->session, tmpl, 1) != CKR_OK) {
    return {std::nullopt, "cannot search token \"" + impl_->label + "\""};
  }
  std::vector<CK_OBJECT_HANDLE> handles(64);
  CK_ULONG count = 0;
  impl_->fl->C_FindObjects(impl_->session, handles.data(), static_cast<CK_ULONG>(handles.size()), &count);
  impl_->fl->C_FindObjectsFinal(impl_->session);
  std::vector<TokenObject> out;
  for (CK_ULONG i = 0; i < count; ++i) {
    const Bytes label = impl_->attribute(handles[i], CKA_LABEL);
    out.push_back(TokenObject{std::string(label.begin(), label.end()), impl_->attribute(handles[i], CKA_ID),
                              impl_->attribute(handles[i], CKA_VALUE)});
  }
  return {std::move(out), {}};
}

P11Result<Bytes> Pkcs11Token::sign_digest(const Bytes& key_id, const Bytes& digest, SignatureScheme scheme) {
  CK_RSA_PKCS_PSS_PARAMS pss{CKM_SHA256, CKG_MGF1_SHA256, 32};  // salt 32, not the maximum
  CK_MECHANISM mech{CKM_ECDSA, nullptr, 0};
  if (scheme == SignatureScheme::rsassa_pss_sha256) {
    mech = CK_MECHANISM{CKM_RSA_PKCS_PSS, &pss, sizeof pss};
  }
  const auto init =
      impl_->with_key(key_id, [&](CK_OBJECT_HANDLE key) { return impl_->fl->C_SignInit(impl_->session, &mech, key); });
  if (!init.ok()) {
    return {std::nullopt, init.error};
  }
  CK_RV rv = *init.value;
  if (rv != CKR_OK) {
    return {std::nullopt, "cannot start signing on token \"" + impl_->label + "\": " + rv_text(rv)};
  }
  Bytes sig(512);
  CK_ULONG len = static_cast<CK_ULONG>(sig.size());
  rv = impl_->fl->C_Sign(impl_->session, const_cast<std::uint8_t*>(digest.data()), static_cast<CK_ULONG>(digest.size()),
                         sig.data(), &len);
  if (rv != CKR_OK) {
    return {std::nullopt, "signing on token \"" + impl_->label + "\" failed: " + rv_text(rv)};
  }
  sig.resize(len);
  return {scheme == SignatureScheme::ecdsa_sha256 ? ecdsa_raw_to_der(sig) : sig, {}};
}

P11Result<Bytes> Pkcs11Token::rsa_raw(const Bytes& key_id, const Bytes& block) {
  CK_MECHANISM mech{CKM_RSA_X_509, nullptr, 0};
  const auto init = impl_->with_key(
      key_id, [&](CK_OBJECT_HANDLE key) { return impl_->fl->C_DecryptInit(impl_->session, &mech, key); });
  if (!init.ok()) {
    return {std::nullopt, init.error};
  }
  CK_RV rv = *init.value;
  if (rv != CKR_OK) {
    return {std::nullopt, "cannot start decryption on token \"" + impl_->label + "\": " + rv_text(rv)};
  }
  Bytes out(block.size());
  CK_ULONG len = static_cast<CK_ULONG>(out.size());
  rv = impl_->fl->C_Decrypt(impl_->session, const_cast<std::uint8_t*>(block.data()),
                            static_cast<CK_ULONG>(block.size()), out.data(), &len);
  if (rv != CKR_OK) {
    return {std::nullopt, "decryption on token \"" + impl_->label + "\" failed: " + rv_text(rv)};
  }
  // CKM_RSA_X_509 may strip leading zero bytes; the caller expects the modulus length.
  Bytes padded(block.size() - std::min<std::size_t>(len, block.size()), 0);
  padded.insert(padded.end(), out.begin(), out.begin() + static_cast<std::ptrdiff_t>(len));
  OPENSSL_cleanse(out.data(), out.size());
  return {std::move(padded), {}};
}

P11Result<Bytes> Pkcs11Token::ecdh(const Bytes& key_id, const Bytes& peer_point) {
  CK_ECDH1_DERIVE_PARAMS params{CKD_NULL, 0, nullptr, static_cast<CK_ULONG>(peer_point.size()),
                                const_cast<std::uint8_t*>(peer_point.data())};
  CK_MECHANISM mech{CKM_ECDH1_DERIVE, &params, sizeof params};
  CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
  CK_KEY_TYPE type = CKK_GENERIC_SECRET;
  CK_BBOOL yes = CK_TRUE;
  CK_BBOOL no = CK_FALSE;
  CK_ULONG value_len = 32;  // brainpoolP256r1: the x coordinate
  CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof cls},       {CKA_KEY_TYPE, &type, sizeof type},
                         {CKA_TOKEN, &no, sizeof no},         {CKA_SENSITIVE, &no, sizeof no},
                         {CKA_EXTRACTABLE, &yes, sizeof yes}, {CKA_VALUE_LEN, &value_len, sizeof value_len}};
  CK_OBJECT_HANDLE secret = 0;
  const auto derived = impl_->with_key(key_id, [&](CK_OBJECT_HANDLE key) {
    return impl_->fl->C_DeriveKey(impl_->session, &mech, key, tmpl, 6, &secret);
  });
  if (!derived.ok()) {
    return {std::nullopt, derived.error};
  }
  const CK_RV rv = *derived.value;
  if (rv != CKR_OK) {
    return {std::nullopt, "ECDH on token \"" + impl_->label + "\" failed: " + rv_text(rv)};
  }
  Bytes value = impl_->attribute(secret, CKA_VALUE);
  impl_->fl->C_DestroyObject(impl_->session, secret);
  if (value.empty()) {
    return {std::nullopt, "ECDH on token \"" + impl_->label + "\" gave no shared secret"};
  }
  return {std::move(value), {}};
}

Bytes ecdsa_raw_to_der(const Bytes& raw) {
  const std::size_t half = raw.size() / 2;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(raw.data(), static_cast<int>(half), nullptr);
  BIGNUM* s = BN_bin2bn(raw.data() + half, static_cast<int>(half), nullptr);
  ECDSA_SIG_set0(sig, r, s);
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig, &der);
  Bytes out(der, der + (len > 0 ? len : 0));
  OPENSSL_free(der);
  ECDSA_SIG_free(sig);
  return out;
}

}  // namespace kimgate::konnektor
