// libFuzzer: every JSON answer the administration module reads — the Account Manager's Account,
// getOTP, createCert, OutOfOfficeNotification and Error bodies, ServiceInformation and AccountLimit
// — plus the RFC 3339 parser. The first byte picks the parser, the rest is the body. Parsers
// never throw; what they accept is consistent; sentences carry no control characters.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "rest/account_limit.h"
#include "rest/account_manager.h"
#include "rest/provider_error.h"
#include "rest/service_information.h"

namespace {

using namespace kimgate::rest;

void check_sentence(const std::string& s) {
  if (s.empty()) {
    __builtin_trap();
  }
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      __builtin_trap();
    }
  }
}

void check_error(const AmError& e) {
  check_sentence(e.sentence_en);
  check_sentence(e.sentence_de);
  check_sentence(e.advice_en);
  check_sentence(e.advice_de);
  if (e.provider_message.size() > 300 || e.trace_id.size() > 255) {
    __builtin_trap();
  }
}

// A body built from parsed values is either JSON or a refusal, never both or neither.
void check_body(const AmBody& b) {
  if (b.json.has_value() == b.error.has_value()) {
    __builtin_trap();
  }
  if (b.error) {
    check_error(*b.error);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string error;
  switch (data[0] % 8) {
    case 0:
      if (auto a = parse_account(body, error)) {
        a->reference_id.reset();
        a->username.reset();
        check_body(account_body(AmOperation::set_account, *a));
      }
      break;
    case 1:
      if (const auto otp = parse_otp(body, error); otp && otp->otp.empty()) {
        __builtin_trap();
      }
      break;
    case 2:
      if (const auto file = parse_certificate_file(body, error); file && file->pkcs12.empty()) {
        __builtin_trap();
      }
      break;
    case 3:
      if (const auto n = parse_out_of_office(body, error)) {
        check_body(out_of_office_body(*n));
      }
      break;
    case 4:
      (void)parse_service_information(body, error);
      break;
    case 5:
      if (const auto limits = parse_account_limits(body, error);
          limits && (limits->quota < -1 || limits->remain_quota < -1)) {
        __builtin_trap();
      }
      break;
    case 6: {
      const int status = size > 2 ? 400 + data[1] % 200 : 500;
      for (std::size_t op = 0; op < kAmOperationCount; ++op) {
        check_error(am_provider_error(static_cast<AmOperation>(op), status, body, body.substr(0, 64)));
      }
      (void)describe_status(status, body);
      break;
    }
    case 7:
      if (const auto t = parse_rfc3339(body); t && body.size() < 20) {
        __builtin_trap();
      }
      break;
  }
  return 0;
}
