#pragma once
// send_to_own_mailbox(): one mail from an account to itself through its provider's SMTP server
// (implicit TLS with the account's C.CM.TLS-CS, the provider's certificate checked like a PVS
// login, AUTH with the account's password), for the plain notices of daemon/account_upkeep.h and
// tracking's sealed notice (daemon/track_hooks.h). Returns "" when the provider accepted the mail,
// else a sentence (no password in it).
#include <memory>
#include <string>

#include "daemon/login_observer.h"
#include "smtp/client.h"

namespace kimgate::daemon {

net::awaitable<std::string> send_to_own_mailbox(smtp::ClientSettings settings,
                                                std::shared_ptr<net::asio::ssl::context> tls, OwnMail mail);

}  // namespace kimgate::daemon
