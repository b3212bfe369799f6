#pragma once
// What went wrong in a call to a provider's Account Manager, as the administrator reads it: ONE
// table from (operation, HTTP status) to an English and a German sentence that names the cause
// and the next step (A_19462, A_21396). Every status the yaml (AccountManager.yaml 2.4.0,
// AccountLimit.yaml 1.1.4, ServiceInformation.yaml 1.0.3) documents for an operation has a row;
// any other status, a transport failure, an unreadable answer or a request we refused to send gets
// a sentence too. The provider's Error.message and traceId are appended to the sentences and kept
// apart. Pure: no I/O, never throws; no credential ever enters a sentence.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

namespace kimgate::rest {

// The yaml operations (operationId), plus AccountLimit's getLimits and getServiceInformation.
enum class AmOperation : std::uint8_t {
  register_account,
  get_account,
  set_account,
  deregister_account,
  revoke_deregistration,
  create_cert,
  get_otp,
  set_tid,
  get_out_of_office,
  update_out_of_office,
  get_limits,
  get_service_information,
};
inline constexpr std::size_t kAmOperationCount = 12;
std::string_view to_string(AmOperation op);  // the yaml's operationId, e.g. "registerAccount"

struct AmError {
  enum class Kind {
    provider,        // the Account Manager answered with an error status (http_status)
    transport,       // no HTTP answer: DNS-SD, connect, TLS, timeout (http_status 0)
    invalid_answer,  // a success status whose body does not match the yaml (http_status set)
    invalid_request  // refused before sending: a value the yaml does not allow (http_status 0)
  };
  Kind kind = Kind::provider;
  int http_status = 0;
  AmOperation op = AmOperation::get_account;
  std::string provider_message;  // Error.message, control characters replaced, at most 300 bytes
  std::string trace_id;          // Error.traceId, at most 255 bytes
  std::string sentence_en;       // cause, with "Provider: <message> (traceId <id>)" appended
  std::string sentence_de;
  std::string advice_en;  // what the administrator can do next
  std::string advice_de;
};

// The result of one call: a value or an AmError (never both).
template <typename T>
struct AmResult {
  std::optional<T> value;
  AmError error;
  bool ok() const { return value.has_value(); }
  static AmResult success(T v) { return AmResult{std::move(v), {}}; }
  static AmResult failure(AmError e) { return AmResult{std::nullopt, std::move(e)}; }
};
using AmDone = std::monostate;

// One row of the table: the cause and the next step in both languages. `{policy}` in a 420 row is
// replaced by the provider's password policy text (ServiceInformation.passwordPolicyDisplay).
struct AmErrorRow {
  int status = 0;
  std::string_view cause_en;
  std::string_view cause_de;
  std::string_view advice_en;
  std::string_view advice_de;
};
// The row the yaml documents for this operation and status; nullptr for an undocumented status.
const AmErrorRow* am_error_row(AmOperation op, int status);
// The statuses the table documents for `op` (ascending), for tests and the documentation.
std::span<const int> am_documented_statuses(AmOperation op);

// "Registering the KIM address" / "Die Registrierung der KIM-Adresse": the operation as a phrase.
std::string_view am_action_en(AmOperation op);
std::string_view am_action_de(AmOperation op);

// The AmError for an error answer (status, Error body). `password_policy` is the provider's
// display text for 420 (may be empty). An undocumented status gets a generic sentence.
AmError am_provider_error(AmOperation op, int status, std::string_view body, std::string_view password_policy = {});
// No answer: `detail` is the transport's sentence (host:port and cause, no credentials).
AmError am_transport_error(AmOperation op, std::string_view detail);
// A success status with a body that is not what the yaml says.
AmError am_invalid_answer(AmOperation op, int status, std::string_view detail);
// A request we refuse to send; `what_en`/`what_de` name the offending value.
AmError am_invalid_request(AmOperation op, std::string_view what_en, std::string_view what_de);

}  // namespace kimgate::rest
