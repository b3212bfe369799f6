#pragma once
// §5.7 for the daemon: a decrypted, verified client mail that is an x-kas reference becomes the
// original client mail again. The data comes from the sender's KAS (HEAD, then GET with the
// `recipient` header, mutual TLS, the server certificate checked like the provider's), is
// decrypted and hash-checked chunk by chunk on the worker pool into a sealed spool, and reaches
// the PVS as a stream (pop3::MessageStream) — never whole in memory. Every failure is the mail
// kim/kas_receive.h builds for it.
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "net/asio.h"
#include "net/connection.h"

namespace kimgate::rest {
class ServiceLocator;
}
namespace kimgate::ldap {
class Directory;
}

namespace kimgate::daemon {

struct ReceiveOutcome;
struct Recipient;

// What the receive path needs for large mails; a null locator: KAS mails get the 4006 mail.
struct KasAccess {
  rest::ServiceLocator* locator = nullptr;
  // C.CM.TLS-CS towards the KAS: the account's own (AccountStore) or the configured one.
  std::function<std::shared_ptr<net::asio::ssl::context>(const std::string& address)> tls;
  net::Duration timeout = std::chrono::seconds(30);  // CM_KAS_TIMEOUT
  std::filesystem::path spool_dir;
  std::size_t spool_memory = 1 << 20;
  std::uint64_t large_threshold = 15728640;  // X-KIM-KAS-Size above this needs the 1.5+ opt-in (A_23512)
  ldap::Directory* directory = nullptr;      // the fetching account's own KIM version
};

// The fetching user's account may receive KAS content: its own VZD entry shows 1.5+. Unknown
// (no directory, VZD unreachable): allowed — the check protects the account's setting, and a
// VZD outage must not turn every large mail into an error mail.
net::awaitable<bool> large_mail_enabled(const KasAccess& kas, const std::string& address);

// `outer`: the KIM message as retrieved; `inner`: the decrypted client mail (x-kas); the
// integrity result ("01"/"07") of the KIM message.
net::awaitable<ReceiveOutcome> receive_kas(const KasAccess& kas, net::asio::thread_pool& pool,
                                           const net::PeerCheck& check, const Recipient& who, const std::string& outer,
                                           const std::string& inner, const std::string& integrity_id);

}  // namespace kimgate::daemon
