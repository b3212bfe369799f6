#pragma once
// I_AccountLimit_Service 1.1 (AccountLimit.yaml): GET <base>/limit with HTTP Basic (the mailbox's
// credentials), base from the Account Manager's TXT key "accountlimit" (default
// "/AccountLimit/v1.1"). A 200 answer is cached per account for cache_ttl (24 h, A_22416).
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "rest/dnssd.h"
#include "rest/http_client.h"
#include "rest/kas_client.h"

namespace kimgate::rest {

struct AccountLimits {
  std::uint64_t data_time_to_live_days = 90;
  std::uint64_t max_mail_size = 734003200;
  std::int64_t quota = -1;         // -1: unlimited
  std::int64_t remain_quota = -1;  // -1: unlimited
};
// Tolerant: unknown fields ignored, missing fields keep their defaults; a present field with the
// wrong type or out of range (negative sizes, quota below -1) is an error. Never throws.
std::optional<AccountLimits> parse_account_limits(std::string_view json, std::string& error);

struct LimitsResult {
  std::optional<AccountLimits> limits;
  int status = 0;
  std::string detail;
  std::string error_body;  // an error answer's body (the provider's Error JSON), for am_error_of()
};

inline constexpr std::string_view kDefaultAccountLimitPath = "/AccountLimit/v1.1";

class AccountLimitClient {
 public:
  AccountLimitClient(asio::any_io_executor ex, ClientSettings settings,
                     net::Duration cache_ttl = std::chrono::hours(24));
  // GET <base>/limit with Basic auth; a 200 result is cached per account (user) for cache_ttl.
  // `check` beats settings.check; `tls` (the account's own C.CM.TLS-CS) beats settings.tls.
  net::awaitable<LimitsResult> get_limits(const ServiceEndpoint& accmgr, const Credentials& who,
                                          net::PeerCheck check = {}, std::shared_ptr<asio::ssl::context> tls = nullptr);
  void forget(const std::string& user);

 private:
  using Clock = std::chrono::steady_clock;
  asio::any_io_executor ex_;
  ClientSettings settings_;
  net::Duration cache_ttl_;
  std::mutex mutex_;
  std::map<std::string, std::pair<AccountLimits, Clock::time_point>> cache_;
};

}  // namespace kimgate::rest
