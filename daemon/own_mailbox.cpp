#include "daemon/own_mailbox.h"

#include <openssl/crypto.h>

#include "kim/user_name.h"
#include "smtp/transaction.h"

namespace kimgate::daemon {

using net::awaitable;

awaitable<std::string> send_to_own_mailbox(smtp::ClientSettings settings, std::shared_ptr<net::asio::ssl::context> tls,
                                           OwnMail mail) {
  const std::optional<kim::ServerAddress> at = kim::parse_server(mail.smtp_server);
  if (!at || at->port == 0) {
    OPENSSL_cleanse(mail.password.data(), mail.password.size());
    co_return "no usable SMTP server for " + mail.address + " (\"" + mail.smtp_server + "\")";
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
  const smtp::Client::LoginResult login =
      co_await client.login(at->host, at->port, "kimgate", mail.address, mail.password, detail, mail.check_provider);
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
