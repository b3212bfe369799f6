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
#include "net/asio.h"
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

// DATA in a sealed spool: memory up to a limit, the rest in an unnamed encrypted file. Once the
// mail no longer fits in memory, append() only collects; settle() encrypts and writes each batch
// of kBatch on the worker pool, where a write that the kernel throttles (dirty pages, a slow disk)
// waits without holding up the I/O thread and every other session (S7: a 700 MiB DATA had
// stalled a second session's NOOP for 2.9 s).
class SpooledBody final : public smtp::MessageBody {
 public:
  static constexpr std::size_t kBatch = 256 << 10;
  SpooledBody(std::filesystem::path dir, std::size_t memory_limit, net::asio::thread_pool* pool)
      : spool(std::move(dir), memory_limit), pool_(pool) {}
  ~SpooledBody() override { OPENSSL_cleanse(pending_.data(), pending_.size()); }
  bool append(std::string_view data) override;
  std::uint64_t size() const override { return spool.size() + pending_.size(); }
  net::awaitable<bool> settle(bool final) override;
  crypto::SealedSpool spool;

 private:
  std::string pending_;           // appended, not yet in the spool
  net::asio::thread_pool* pool_;  // null: the spool is written inline
};

}  // namespace kimgate::daemon
