#include "rest/account_limit.h"

#include <nlohmann/json.hpp>

#include "rest/json_fields.h"
#include "rest/provider_error.h"
#include "rest/url.h"

namespace kimgate::rest {

namespace {

using json_fields::read_integer;
using nlohmann::json;

}  // namespace

std::optional<AccountLimits> parse_account_limits(std::string_view text, std::string& error) {
  const json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    error = "the AccountLimit answer is not a JSON object";
    return std::nullopt;
  }
  AccountLimits out;
  if (!read_integer<std::uint64_t>(j, "dataTimeToLive", 0, out.data_time_to_live_days, error) ||
      !read_integer<std::uint64_t>(j, "maxMailSize", 0, out.max_mail_size, error) ||
      !read_integer<std::int64_t>(j, "quota", -1, out.quota, error) ||
      !read_integer<std::int64_t>(j, "remainQuota", -1, out.remain_quota, error)) {
    error = "the AccountLimit answer is invalid: " + error;
    return std::nullopt;
  }
  return out;
}

AccountLimitClient::AccountLimitClient(asio::any_io_executor ex, ClientSettings settings, net::Duration cache_ttl)
    : ex_(std::move(ex)), settings_(std::move(settings)), cache_ttl_(cache_ttl) {}

void AccountLimitClient::forget(const std::string& user) {
  const std::lock_guard lock(mutex_);
  cache_.erase(user);
}

net::awaitable<LimitsResult> AccountLimitClient::get_limits(const ServiceEndpoint& accmgr, const Credentials& who,
                                                            net::PeerCheck check,
                                                            std::shared_ptr<asio::ssl::context> tls) {
  LimitsResult out;
  {
    const std::lock_guard lock(mutex_);
    const auto it = cache_.find(who.user);
    if (it != cache_.end() && it->second.second > Clock::now()) {
      out.limits = it->second.first;
      out.status = 200;
      out.detail = "cached";
      co_return out;
    }
  }
  Request request;
  request.method = "GET";
  request.target = join_path(base_path(accmgr, "accountlimit", kDefaultAccountLimitPath), "limit");
  request.headers.push_back({"Accept", "application/json"});
  request.headers.push_back({"Authorization", basic_authorization(who.user, who.password)});
  ClientSettings settings = settings_;
  if (check) {
    settings.check = std::move(check);
  }
  if (tls) {
    settings.tls = std::move(tls);
  }
  const Response response = co_await exchange(ex_, accmgr.endpoint, settings, std::move(request));
  if (!response.ok()) {
    out.detail = response.error;
    co_return out;
  }
  out.status = response.status;
  if (response.status != 200) {
    out.error_body = response.body.substr(0, 4096);
    out.detail = "AccountLimit at " + host_port(accmgr.endpoint.host, accmgr.endpoint.port) + " answered " +
                 describe_status(response.status, response.body);
    co_return out;
  }
  std::string error;
  out.limits = parse_account_limits(response.body, error);
  if (!out.limits) {
    out.detail = error + " (from " + host_port(accmgr.endpoint.host, accmgr.endpoint.port) + ")";
    co_return out;
  }
  const std::lock_guard lock(mutex_);
  cache_[who.user] = {*out.limits, Clock::now() + cache_ttl_};
  co_return out;
}

}  // namespace kimgate::rest
