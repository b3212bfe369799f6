#pragma once
// DoctorService: the ONE implementation of `kimctl doctor` and the web page's "Diagnose" view
// (issue 17). The control op {"op":"doctor"[,"passwords":{"<address>":"<password>",...}]}
// checks every hop a practice depends on and answers
//   {"ok":true,"worst":"ok|warn|fail","lines":[{"hop","subject","verdict","sentence",
//    "sentence_de","advice","advice_de"},...]}
// one line per hop and subject, in a fixed order: each Konnektor (connector.sds, product, ECC),
// each account's card and PIN status, the VZD entry of each account, each account's SMTP and
// POP3 login (only for the accounts whose password the request carries: passwords are used for
// this one login, never stored, logged or echoed), the KAS and the Account Manager of each
// provider, each account's client certificate, and the clock offset to each Konnektor
// (sync_Time). The words and verdicts come from one table (doctor_verdicts.h).
//
// The checks run concurrently, each within its own deadline: a hop that hangs becomes one
// "no answer within ..." line and does not hold up the others. Used from the io_context's thread.
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "conf/config.h"
#include "daemon/account_store.h"
#include "daemon/doctor_verdicts.h"
#include "konnektor/konnektor.h"
#include "net/asio.h"
#include "net/connection.h"

namespace kimgate::ldap {
class Directory;
}
namespace kimgate::rest {
class ServiceLocator;
}

namespace kimgate::daemon {

struct DoctorDeps {
  const conf::Config* config = nullptr;
  const std::map<std::string, std::unique_ptr<konnektor::Konnektor>>* konnektors = nullptr;
  AccountStore* accounts = nullptr;
  rest::ServiceLocator* locator = nullptr;
  ldap::Directory* directory = nullptr;  // null: no [directory] configured
  // The TLS context towards a provider for `address` (its own C.CM.TLS-CS, else the configured
  // one; "" for the configured one); null when there is none.
  std::function<std::shared_ptr<net::asio::ssl::context>(const std::string& address)> tls_for;
  // The VerifyCertificate check of the provider's certificate before a password goes to it
  // (KOM-LE-A_2075-01), for the account's Konnektor and context; may return an empty function.
  std::function<net::PeerCheck(const AccountRecord&)> provider_check;
  std::string helo = "localhost";  // our name in EHLO
};

class DoctorService {
 public:
  DoctorService(net::asio::any_io_executor ex, DoctorDeps deps);
  ~DoctorService();

  net::awaitable<nlohmann::json> handle(const nlohmann::json& request);

 private:
  struct Checks;  // the hops (doctor_checks.cpp)
  net::asio::any_io_executor ex_;
  DoctorDeps deps_;
  std::unique_ptr<Checks> checks_;
};

// The worst verdict of `lines` (skip counts as ok).
Verdict worst_verdict(const std::vector<DoctorLine>& lines);

}  // namespace kimgate::daemon
