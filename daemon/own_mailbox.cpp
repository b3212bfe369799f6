#include "daemon/own_mailbox.h"

#include <openssl/crypto.h>

#include "smtp/transaction.h"

namespace kimgate::daemon {

using net::awaitable;

awaitable<std::string> send_to_own_mailbox(smtp::ClientSettings settings, std::shared_ptr<net::asio::ssl::context> tls,
                                           OwnMail mail) {
  const std::size_t colon = mail.smtp_server.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    OPENSSL_cleanse(mail.password.data(), mail.password.size());
    co_return "no SMTP server known for " + mail.address + " (\"" + mail.smtp_server + "\")";
  }
  const std::string host = mail.smtp_server.substr(0, colon);
  const int port = std::atoi(mail.smtp_server.c_str() + colon + 1);
  if (port <= 0 || port > 65535) {
    OPENSSL_cleanse(mail.password.data(), mail.password.size());
    co_return "bad SMTP server \"" + mail.smtp_server + "\" for " + mail.address;
  }
  if (!tls && !settings.tls) {
    OPENSSL_cleanse(mail.password.data(), mail.password.size());
    co_return "no client certificate for " + mail.address + " towards its provider";
  }
  smtp::Client client(settings);
  if (tls) {
    client.use_tls(std::move(tls));
  }
  std::string detail;
  const smtp::Client::LoginResult login = co_await client.login(
      host, static_cast<std::uint16_t>(port), "kimgate", mail.address, mail.password, detail, mail.check_provider);
  OPENSSL_cleanse(mail.password.data(), mail.password.size());
  if (login != smtp::Client::LoginResult::ok) {
    co_return "login at " + mail.smtp_server + " failed: " + detail;
  }
  smtp::Transaction t;
  t.envelope.mail_from = mail.address;
  t.envelope.recipients = {smtp::Recipient{mail.address, ""}};
  t.message = std::move(mail.mail);
  const smtp::TransactionOutcome outcome = co_await smtp::run_transaction(client, t);
  if (client.connected()) {
    co_await client.quit();
  }
  if (outcome.result != smtp::TransactionResult::delivered) {
    co_return "the provider did not take the notice: " + std::string(smtp::result_name(outcome.result)) + " " +
        smtp::describe(outcome.reply);
  }
  co_return std::string();
}

}  // namespace kimgate::daemon
