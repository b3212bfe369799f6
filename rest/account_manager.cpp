#include "rest/account_manager.h"

#include <openssl/crypto.h>

#include "rest/url.h"

namespace kimgate::rest {

namespace {

using Op = AmOperation;

void wipe(std::optional<std::string>& s) {
  if (s && !s->empty()) {
    OPENSSL_cleanse(s->data(), s->size());
  }
  s.reset();
}

}  // namespace

AccountManagerClient::AccountManagerClient(asio::any_io_executor ex, ClientSettings settings)
    : ex_(std::move(ex)), settings_(std::move(settings)) {}

AmResult<AccountManagerClient::Call> AccountManagerClient::prepare(AmOperation op, std::string method,
                                                                   const ServiceEndpoint& accmgr,
                                                                   const Credentials& who, std::string_view tail,
                                                                   std::string jwt) {
  if (who.user.empty() || who.user.size() > 256) {
    return AmResult<Call>::failure(am_invalid_request(op, "the KIM address is missing or longer than 256 characters",
                                                      "die KIM-Adresse fehlt oder ist länger als 256 Zeichen"));
  }
  std::optional<std::string> password = encode_password(who.password);
  if (!password) {
    return AmResult<Call>::failure(
        am_invalid_request(op, "the password of the address is empty or longer than 256 characters once base64-encoded",
                           "das Passwort der Adresse ist leer oder base64-kodiert länger als 256 Zeichen"));
  }
  return AmResult<Call>::success(Call{op,
                                      std::move(method),
                                      account_target(accmgr, who.user, tail),
                                      std::move(jwt),
                                      {{"password", std::move(*password)}},
                                      std::nullopt});
}

AmResult<AccountManagerClient::Call> AccountManagerClient::with_body(AmResult<Call> call, AmBody body) {
  if (body.error) {
    return AmResult<Call>::failure(std::move(*body.error));
  }
  if (call.ok()) {
    call.value->body = std::move(body.json);
  }
  return call;
}

net::awaitable<AmResult<Response>> AccountManagerClient::send(const ServiceEndpoint& accmgr, AmResult<Call> prepared,
                                                              int success, int also) {
  using Result = AmResult<Response>;
  if (!prepared.ok()) {
    co_return Result::failure(std::move(prepared.error));
  }
  Call& call = *prepared.value;
  if (call.jwt.empty()) {
    co_return Result::failure(am_invalid_request(call.op, "no signed JWT of the card was given",
                                                 "es wurde kein signiertes JWT der Karte übergeben"));
  }
  Request request;
  request.method = std::move(call.method);
  request.target = std::move(call.target);
  request.headers.push_back({"Accept", "application/json"});
  request.headers.push_back({"Authorization", "Bearer " + call.jwt});
  for (Header& h : call.headers) {
    request.headers.push_back(std::move(h));
  }
  if (call.body) {
    request.headers.push_back({"Content-Type", "application/json; charset=utf-8"});
    request.body = std::move(*call.body);
  }
  Response response = co_await exchange(ex_, accmgr.endpoint, settings_, std::move(request));
  if (!response.ok()) {
    co_return Result::failure(am_transport_error(call.op, response.error));
  }
  if (response.status != success && (also == 0 || response.status != also)) {
    co_return Result::failure(am_provider_error(call.op, response.status, response.body, password_policy_));
  }
  co_return Result::success(std::move(response));
}

net::awaitable<AmResult<AmDone>> AccountManagerClient::send_done(const ServiceEndpoint& accmgr, AmResult<Call> call) {
  const AmResult<Response> sent = co_await send(accmgr, std::move(call), 204);
  if (!sent.ok()) {
    co_return AmResult<AmDone>::failure(sent.error);
  }
  co_return AmResult<AmDone>::success(AmDone{});
}

template <typename T>
net::awaitable<AmResult<T>> AccountManagerClient::fetch(const ServiceEndpoint& accmgr, AmResult<Call> call,
                                                        std::optional<T> (*parse)(std::string_view, std::string&),
                                                        int also) {
  const AmOperation op = call.ok() ? call.value->op : call.error.op;
  const AmResult<Response> sent = co_await send(accmgr, std::move(call), 200, also);
  if (!sent.ok()) {
    co_return AmResult<T>::failure(sent.error);
  }
  std::string error;
  std::optional<T> value = parse(sent.value->body, error);
  if (!value) {
    co_return AmResult<T>::failure(am_invalid_answer(op, sent.value->status, error));
  }
  co_return AmResult<T>::success(std::move(*value));
}

net::awaitable<AmResult<AmDone>> AccountManagerClient::register_account(const ServiceEndpoint& accmgr, std::string jwt,
                                                                        std::string ini_password, Account account) {
  const Op op = Op::register_account;
  std::optional<std::string> ini = encode_password(ini_password);
  AmBody body = account_body(op, account);
  std::optional<std::string> plain = std::move(ini_password);
  wipe(plain);
  wipe(account.password);
  if (!ini) {
    co_return AmResult<AmDone>::failure(
        am_invalid_request(op, "the initial password is empty or longer than 256 characters once base64-encoded",
                           "das Initialpasswort ist leer oder base64-kodiert länger als 256 Zeichen"));
  }
  AmResult<Call> call =
      with_body(AmResult<Call>::success(
                    Call{op,
                         "POST",
                         join_path(base_path(accmgr, "accountmanager", kDefaultAccountManagerPath), "account"),
                         std::move(jwt),
                         {{"iniPassword", std::move(*ini)}},
                         std::nullopt}),
                std::move(body));
  co_return co_await send_done(accmgr, std::move(call));
}

net::awaitable<AmResult<Account>> AccountManagerClient::get_account(const ServiceEndpoint& accmgr, std::string jwt,
                                                                    const Credentials& who) {
  AmResult<Call> call = prepare(Op::get_account, "GET", accmgr, who, "", std::move(jwt));
  co_return co_await fetch<Account>(accmgr, std::move(call), parse_account);
}

net::awaitable<AmResult<AmDone>> AccountManagerClient::set_account(const ServiceEndpoint& accmgr, std::string jwt,
                                                                   const Credentials& who, Account changes) {
  const Op op = Op::set_account;
  AmBody body = account_body(op, changes);
  wipe(changes.password);
  AmResult<Call> call = with_body(prepare(op, "PUT", accmgr, who, "", std::move(jwt)), std::move(body));
  co_return co_await send_done(accmgr, std::move(call));
}

net::awaitable<AmResult<AmDone>> AccountManagerClient::deregister_account(const ServiceEndpoint& accmgr,
                                                                          std::string jwt, const Credentials& who) {
  AmResult<Call> call = prepare(Op::deregister_account, "DELETE", accmgr, who, "", std::move(jwt));
  co_return co_await send_done(accmgr, std::move(call));
}

net::awaitable<AmResult<AmDone>> AccountManagerClient::revoke_deregistration(const ServiceEndpoint& accmgr,
                                                                             std::string jwt, const Credentials& who) {
  AmResult<Call> call = prepare(Op::revoke_deregistration, "PUT", accmgr, who, "revokeDeregistration", std::move(jwt));
  co_return co_await send_done(accmgr, std::move(call));
}

net::awaitable<AmResult<CertificateFile>> AccountManagerClient::create_cert(const ServiceEndpoint& accmgr,
                                                                            std::string jwt, const Credentials& who,
                                                                            CertificateParameters parameters) {
  const Op op = Op::create_cert;
  AmBody body = certificate_parameters_body(parameters);
  wipe(parameters.cert_password);
  AmResult<Call> call = with_body(prepare(op, "POST", accmgr, who, "cert", std::move(jwt)), std::move(body));
  // 200 per the yaml; KIM_API.adoc says 201 (spec digest §10): both are success.
  co_return co_await fetch<CertificateFile>(accmgr, std::move(call), parse_certificate_file, 201);
}

net::awaitable<AmResult<Otp>> AccountManagerClient::get_otp(const ServiceEndpoint& accmgr, std::string jwt,
                                                            const Credentials& who) {
  AmResult<Call> call = prepare(Op::get_otp, "GET", accmgr, who, "OTP", std::move(jwt));
  co_return co_await fetch<Otp>(accmgr, std::move(call), parse_otp);
}

net::awaitable<AmResult<AmDone>> AccountManagerClient::set_tid(const ServiceEndpoint& accmgr, std::string jwt,
                                                               const Credentials& who, std::string otp) {
  const Op op = Op::set_tid;
  std::optional<std::string> encoded = encode_password(otp);
  std::optional<std::string> plain = std::move(otp);
  wipe(plain);
  if (!encoded) {
    co_return AmResult<AmDone>::failure(
        am_invalid_request(op, "the one-time password is empty or longer than 256 characters once base64-encoded",
                           "das Einmalpasswort ist leer oder base64-kodiert länger als 256 Zeichen"));
  }
  AmResult<Call> call = prepare(op, "PUT", accmgr, who, "telematikID", std::move(jwt));
  if (call.ok()) {
    call.value->headers.push_back({"otp", std::move(*encoded)});
  }
  co_return co_await send_done(accmgr, std::move(call));
}

net::awaitable<AmResult<OutOfOffice>> AccountManagerClient::get_out_of_office(const ServiceEndpoint& accmgr,
                                                                              std::string jwt, const Credentials& who) {
  AmResult<Call> call = prepare(Op::get_out_of_office, "GET", accmgr, who, "outofoffice", std::move(jwt));
  co_return co_await fetch<OutOfOffice>(accmgr, std::move(call), parse_out_of_office);
}

net::awaitable<AmResult<AmDone>> AccountManagerClient::update_out_of_office(const ServiceEndpoint& accmgr,
                                                                            std::string jwt, const Credentials& who,
                                                                            OutOfOffice notification) {
  AmResult<Call> call = with_body(prepare(Op::update_out_of_office, "PUT", accmgr, who, "outofoffice", std::move(jwt)),
                                  out_of_office_body(notification));
  co_return co_await send_done(accmgr, std::move(call));
}

}  // namespace kimgate::rest
