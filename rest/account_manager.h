#pragma once
// I_AccountManager_Service 2.4 (AccountManager.yaml 2.4.0): one typed call per operation over
// exchange() (one connection per request), base path from the Account Manager's TXT key
// "accountmanager" (default "/AccountMgmt/v2.4"); the endpoint comes from
// ServiceLocator::locate(Service::account_manager, domain), which also applies the configured
// `account_manager_url`.
//
// Authentication: every call takes the finished JWT (compact serialisation, kim/jwt.h) as a
// string and sends it as `Authorization: Bearer <jwt>`. The caller signs it through the card queue
// right before the call (exp <= 300 s), with the card the operation needs: setTID the NEW card's,
// getOTP the OLD card's, all others the card the account belongs to.
// Passwords, the initial password, the OTP and certPassword are passed in plain and sent base64
// (`format: byte`) as the yaml says; the OTP and the PKCS#12 come back decoded. Nothing here logs.
//
// Results are values: AmResult<T> holds T or an AmError whose sentences come from the one table in
// rest/account_manager_errors.h. Never throws on peer behaviour.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rest/account_manager_errors.h"
#include "rest/dnssd.h"
#include "rest/http_client.h"
#include "rest/kas_client.h"

namespace kimgate::rest {

enum class RegStat { registered, deregistered };
std::string_view to_string(RegStat s);

// The yaml's Account. In a request only the writable members that are set are sent (referenceID,
// username, password, kimVersion, dataTimeToLive, noVzdMailEntry); regStat, deregDate and
// maxMailSize are only read. `password` is never read from an answer (writeOnly).
struct Account {
  std::optional<std::string> reference_id;  // <= 256 characters
  std::optional<std::string> username;      // the KIM address
  std::optional<std::string> password;      // plain; sent base64 (<= 256 characters after encoding)
  std::optional<std::string> kim_version;   // "1.0", "1.5", "1.5+": <= 4 characters
  std::optional<RegStat> reg_stat;
  std::optional<std::int64_t> dereg_date;          // Unix time
  std::optional<std::uint32_t> data_time_to_live;  // days, 10..365 when sent
  std::optional<std::uint64_t> max_mail_size;
  std::optional<bool> no_vzd_mail_entry;
};

struct CertificateParameters {
  std::string common_name;                   // the certificate's CN becomes "<common_name>#CM"
  std::optional<std::string> cert_password;  // plain; sent base64; absent: an unencrypted PKCS#12
};

struct CertificateFile {
  std::string pkcs12;  // the decoded PKCS#12 (DER)
};

struct Otp {
  std::string otp;  // the decoded one-time password, valid one week (FAQ)
};

// The yaml's OutOfOfficeNotification. Dates are RFC 3339 date-time strings. In a request
// `active` is always sent (the FAQ: a missing `active` means false); active = true needs all
// three other members and a start not after the end.
struct OutOfOffice {
  std::optional<std::string> start_date;
  std::optional<std::string> end_date;
  std::optional<std::string> message;  // <= 2048 characters
  bool active = false;
};

// ---- the JSON mapping (pure; account_manager_json.cpp; fuzzed) ----
// Parsers: unknown members ignored, missing members stay unset, a present member of the wrong
// type (or regStat outside its enum, bad base64 where the yaml says base64) is an error.
std::optional<Account> parse_account(std::string_view json, std::string& error);
std::optional<Otp> parse_otp(std::string_view json, std::string& error);
std::optional<CertificateFile> parse_certificate_file(std::string_view json, std::string& error);
std::optional<OutOfOffice> parse_out_of_office(std::string_view json, std::string& error);
// Request bodies; nullopt with an AmError::Kind::invalid_request when a value breaks the yaml.
struct AmBody {
  std::optional<std::string> json;
  std::optional<AmError> error;
};
AmBody account_body(AmOperation op, const Account& account);
AmBody certificate_parameters_body(const CertificateParameters& parameters);
AmBody out_of_office_body(const OutOfOffice& notification);
// A `Password` value (CommonSchemas: base64, maxLength 256): nullopt when empty or too long.
std::optional<std::string> encode_password(std::string_view plain);
// RFC 3339 §5.6 date-time ("2021-07-20T17:32:28Z", fractions and offsets allowed) as Unix time.
std::optional<std::int64_t> parse_rfc3339(std::string_view text);

// "/AccountMgmt/v2.4/account/<username, percent-encoded>/<tail>" (tail may be empty).
std::string account_target(const ServiceEndpoint& accmgr, std::string_view username, std::string_view tail);

class AccountManagerClient {
 public:
  AccountManagerClient(asio::any_io_executor ex, ClientSettings settings);

  // The provider's password policy text (ServiceInformation.passwordPolicyDisplay) that a 420
  // sentence quotes; empty: the sentence refers to the provider's rules in general.
  void set_password_policy(std::string display) { password_policy_ = std::move(display); }

  // POST /account, header iniPassword (base64). 204 -> done.
  net::awaitable<AmResult<AmDone>> register_account(const ServiceEndpoint& accmgr, std::string jwt,
                                                    std::string ini_password, Account account);
  // GET /account/{username}. 200 + Account.
  net::awaitable<AmResult<Account>> get_account(const ServiceEndpoint& accmgr, std::string jwt, const Credentials& who);
  // PUT /account/{username} with the writable members that are set. 204.
  net::awaitable<AmResult<AmDone>> set_account(const ServiceEndpoint& accmgr, std::string jwt, const Credentials& who,
                                               Account changes);
  // DELETE /account/{username}. 204.
  net::awaitable<AmResult<AmDone>> deregister_account(const ServiceEndpoint& accmgr, std::string jwt,
                                                      const Credentials& who);
  // PUT /account/{username}/revokeDeregistration. 204.
  net::awaitable<AmResult<AmDone>> revoke_deregistration(const ServiceEndpoint& accmgr, std::string jwt,
                                                         const Credentials& who);
  // POST /account/{username}/cert with CertificateParameters. 200 (or 201, KIM_API.adoc) + file.
  net::awaitable<AmResult<CertificateFile>> create_cert(const ServiceEndpoint& accmgr, std::string jwt,
                                                        const Credentials& who, CertificateParameters parameters);
  // GET /account/{username}/OTP with the OLD card's JWT. 200 + otp.
  net::awaitable<AmResult<Otp>> get_otp(const ServiceEndpoint& accmgr, std::string jwt, const Credentials& who);
  // PUT /account/{username}/telematikID with the NEW card's JWT and header otp (base64). 204.
  net::awaitable<AmResult<AmDone>> set_tid(const ServiceEndpoint& accmgr, std::string jwt, const Credentials& who,
                                           std::string otp);
  // GET /account/{username}/outofoffice. 200 + OutOfOffice (a missing `active` reads as false).
  net::awaitable<AmResult<OutOfOffice>> get_out_of_office(const ServiceEndpoint& accmgr, std::string jwt,
                                                          const Credentials& who);
  // PUT /account/{username}/outofoffice. 204.
  net::awaitable<AmResult<AmDone>> update_out_of_office(const ServiceEndpoint& accmgr, std::string jwt,
                                                        const Credentials& who, OutOfOffice notification);

 private:
  struct Call {
    AmOperation op;
    std::string method;
    std::string target;
    std::string jwt;
    std::vector<Header> headers;
    std::optional<std::string> body;
  };
  // A call on /account/{username}[/tail] with the `password` header; an AmError when the address
  // or password cannot be sent.
  static AmResult<Call> prepare(AmOperation op, std::string method, const ServiceEndpoint& accmgr,
                                const Credentials& who, std::string_view tail, std::string jwt);
  // The call with its JSON body, or the body's AmError.
  static AmResult<Call> with_body(AmResult<Call> call, AmBody body);
  // Sends the call; the answer when its status is `success` or `also` (0: none), else the AmError.
  net::awaitable<AmResult<Response>> send(const ServiceEndpoint& accmgr, AmResult<Call> call, int success,
                                          int also = 0);
  // A call whose success is 204 without a body.
  net::awaitable<AmResult<AmDone>> send_done(const ServiceEndpoint& accmgr, AmResult<Call> call);
  // A call whose success (200, or `also`) carries a body that `parse` reads.
  template <typename T>
  net::awaitable<AmResult<T>> fetch(const ServiceEndpoint& accmgr, AmResult<Call> call,
                                    std::optional<T> (*parse)(std::string_view, std::string&), int also = 0);

  asio::any_io_executor ex_;
  ClientSettings settings_;
  std::string password_policy_;
};

}  // namespace kimgate::rest
