#pragma once
// The per-session state of KimSmtpHooks (smtp::HookSession), shared by daemon/smtp_hooks.cpp and
// daemon/send_large.cpp; and the spooled DATA body the hooks hand to the SMTP session.
#include <openssl/crypto.h>

#include <filesystem>
#include <string>

#include "crypto/sealed_spool.h"
#include "daemon/konnektor_routes.h"
#include "kim/user_name.h"
#include "konnektor/konnektor.h"
#include "smtp/send_hooks.h"

namespace kimgate::daemon {

struct SmtpSession final : smtp::HookSession {
  kim::UserName name;
  KonnektorRoutes::Route konnektor;
  konnektor::CallContext context;
  // The mailbox password the provider accepted: HTTP Basic towards the KAS and AccountLimit
  // (A_19362, A_22416). Memory only, wiped with the session.
  std::string password;
  ~SmtpSession() override { OPENSSL_cleanse(password.data(), password.size()); }
};

// DATA in a sealed spool: memory up to a limit, the rest in an unnamed encrypted file.
class SpooledBody final : public smtp::MessageBody {
 public:
  SpooledBody(std::filesystem::path dir, std::size_t memory_limit) : spool(std::move(dir), memory_limit) {}
  bool append(std::string_view data) override { return spool.append(data); }
  std::uint64_t size() const override { return spool.size(); }
  crypto::SealedSpool spool;
};

}  // namespace kimgate::daemon
