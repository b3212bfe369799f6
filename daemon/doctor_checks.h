#pragma once
// The doctor's hops, one coroutine each (doctor_checks.cpp); DoctorService (doctor.cpp) runs them
// concurrently under their deadlines. Each returns the line(s) of its hop; none throws on peer
// behaviour.
#include <optional>
#include <string>
#include <vector>

#include "daemon/doctor.h"

namespace kimgate::daemon {

struct DoctorService::Checks {
  Checks(net::asio::any_io_executor ex, const DoctorDeps& deps) : ex_(std::move(ex)), deps_(deps) {}

  net::awaitable<DoctorLine> konnektor(std::string id);
  net::awaitable<DoctorLine> clock(std::string id);
  net::awaitable<DoctorLine> card(AccountRecord record);
  net::awaitable<DoctorLine> vzd(std::string address);
  net::awaitable<DoctorLine> smtp_login(AccountRecord record, std::string password);
  net::awaitable<DoctorLine> pop3_login(AccountRecord record, std::string password);
  net::awaitable<DoctorLine> kas(std::string provider, std::string address);
  net::awaitable<DoctorLine> account_manager(std::string provider, std::string address);
  DoctorLine certificate(const AccountRecord& record) const;
  // The login lines that need no connection (no password, no client certificate); else sets `tls`.
  std::optional<DoctorLine> login_precheck(const char* hop, const AccountRecord& record, const std::string& password,
                                           std::shared_ptr<net::asio::ssl::context>& tls) const;

  // The Konnektor an account's card is in: its own id, else the default one; null when unknown.
  konnektor::Konnektor* konnektor_of(const AccountRecord& record, std::string& id) const;
  // "host:port" of the provider's SMTP or POP3 server for an address.
  std::pair<std::string, std::uint16_t> mail_server(const AccountRecord& record, bool smtp) const;

  net::asio::any_io_executor ex_;
  const DoctorDeps& deps_;
};

}  // namespace kimgate::daemon
