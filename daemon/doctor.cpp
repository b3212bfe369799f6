#include "daemon/doctor.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "daemon/doctor_checks.h"

namespace kimgate::daemon {

namespace asio = net::asio;
using net::awaitable;
using nlohmann::json;

namespace {

using Lines = std::vector<DoctorLine>;
using CheckFn = std::function<awaitable<DoctorLine>()>;

// One planned hop: what it checks, its deadline, and the line when the deadline passes first.
struct Planned {
  CheckFn run;
  std::chrono::seconds deadline;
  std::string hop;
  std::string label;  // "VZD entry of a@b" for the timeout sentence
};

// Shared by the running checks and the collector; whichever of a check and its deadline comes
// first fills the slot, the other finds it filled.
struct Race {
  explicit Race(const asio::any_io_executor& ex, std::size_t n) : results(n), all_done(ex) {}
  std::vector<std::optional<DoctorLine>> results;
  std::size_t left = 0;
  asio::steady_timer all_done;

  void fill(std::size_t i, DoctorLine line) {
    if (results[i]) {
      return;
    }
    results[i] = std::move(line);
    if (--left == 0) {
      all_done.cancel();
    }
  }
};

awaitable<void> run_check(CheckFn check, std::shared_ptr<Race> race, std::size_t i,
                          std::shared_ptr<asio::steady_timer> deadline) {
  DoctorLine line = co_await check();
  deadline->cancel();
  race->fill(i, std::move(line));
}

awaitable<void> watch_deadline(std::shared_ptr<Race> race, std::size_t i, std::shared_ptr<asio::steady_timer> deadline,
                               DoctorLine on_timeout) {
  boost::system::error_code ec;
  co_await deadline->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  if (!ec) {
    race->fill(i, std::move(on_timeout));
  }
}

awaitable<DoctorLine> ready(DoctorLine line) {
  co_return line;
}

awaitable<Lines> run_all(asio::any_io_executor ex, std::vector<Planned> plan) {
  auto race = std::make_shared<Race>(ex, plan.size());
  race->left = plan.size();
  std::chrono::seconds longest{1};
  for (std::size_t i = 0; i < plan.size(); ++i) {
    auto deadline = std::make_shared<asio::steady_timer>(ex, plan[i].deadline);
    longest = std::max(longest, plan[i].deadline);
    DoctorLine late =
        doctor_line(plan[i].hop, plan[i].label, Finding::hop_timeout,
                    describe_span(std::chrono::duration_cast<std::chrono::milliseconds>(plan[i].deadline)));
    auto watcher = watch_deadline(race, i, deadline, std::move(late));
    asio::co_spawn(ex, std::move(watcher), asio::detached);
    auto checker = run_check(plan[i].run, race, i, deadline);
    asio::co_spawn(ex, std::move(checker), asio::detached);
  }
  if (race->left > 0) {
    race->all_done.expires_after(longest + std::chrono::seconds(1));
    boost::system::error_code ec;
    co_await race->all_done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  Lines out;
  for (std::size_t i = 0; i < plan.size(); ++i) {
    out.push_back(race->results[i]
                      ? std::move(*race->results[i])
                      : doctor_line(plan[i].hop, plan[i].label, Finding::hop_timeout, "the doctor's time"));
  }
  co_return out;
}

}  // namespace

Verdict worst_verdict(const std::vector<DoctorLine>& lines) {
  Verdict worst = Verdict::ok;
  for (const DoctorLine& l : lines) {
    if (l.verdict == Verdict::fail) {
      return Verdict::fail;
    }
    if (l.verdict == Verdict::warn) {
      worst = Verdict::warn;
    }
  }
  return worst;
}

DoctorService::DoctorService(asio::any_io_executor ex, DoctorDeps deps)
    : ex_(std::move(ex)), deps_(std::move(deps)), checks_(std::make_unique<Checks>(ex_, deps_)) {}

DoctorService::~DoctorService() = default;

awaitable<json> DoctorService::handle(const json& request) {
  std::map<std::string, std::string> passwords;  // lower-cased address -> password, this request only
  const auto given = request.find("passwords");
  if (given != request.end() && given->is_object()) {
    for (const auto& [address, password] : given->items()) {
      if (password.is_string()) {
        std::string key = address;
        std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
        passwords[key] = password.get<std::string>();
      }
    }
  }
  Checks* c = checks_.get();
  std::vector<Planned> plan;
  using std::chrono::seconds;
  for (const auto& [id, k] : *deps_.konnektors) {
    const std::string kid = id;
    plan.push_back({[c, kid] { return c->konnektor(kid); }, seconds(15), "konnektor", "Konnektor " + kid});
  }
  const std::vector<AccountRecord> accounts = deps_.accounts->list();
  std::set<std::string> cards_seen;
  for (const AccountRecord& r : accounts) {
    if (!r.card.empty() && cards_seen.insert(r.konnektor + "/" + r.card).second) {
      plan.push_back({[c, r] { return c->card(r); }, seconds(20), "card", "Card " + r.card});
    }
  }
  for (const AccountRecord& r : accounts) {
    const std::string address = r.address;
    plan.push_back({[c, address] { return c->vzd(address); }, seconds(15), "vzd", "VZD entry of " + address});
  }
  for (const AccountRecord& r : accounts) {
    std::string key = r.address;
    std::transform(key.begin(), key.end(), key.begin(), [](unsigned char ch) { return std::tolower(ch); });
    const auto pw = passwords.find(key);
    const std::string password = pw == passwords.end() ? std::string() : pw->second;
    plan.push_back(
        {[c, r, password] { return c->smtp_login(r, password); }, seconds(30), "smtp", "SMTP login of " + r.address});
    plan.push_back(
        {[c, r, password] { return c->pop3_login(r, password); }, seconds(30), "pop3", "POP3 login of " + r.address});
  }
  std::map<std::string, std::string> providers;  // domain -> an address there (its TLS identity), or ""
  for (const auto& p : deps_.config->services.providers) {
    providers.emplace(p.domain, "");
  }
  for (const AccountRecord& r : accounts) {
    auto& who = providers[r.provider];
    who = who.empty() ? r.address : who;
  }
  for (const auto& [domain, address] : providers) {
    const std::string d = domain;
    const std::string a = address;
    plan.push_back({[c, d, a] { return c->kas(d, a); }, seconds(15), "kas", "KAS of " + d});
    plan.push_back(
        {[c, d, a] { return c->account_manager(d, a); }, seconds(15), "account_manager", "Account Manager of " + d});
  }
  for (const AccountRecord& r : accounts) {
    plan.push_back(
        {[c, r] { return ready(c->certificate(r)); }, seconds(2), "certificate", "Certificate of " + r.address});
  }
  for (const auto& [id, k] : *deps_.konnektors) {
    const std::string kid = id;
    plan.push_back({[c, kid] { return c->clock(kid); }, seconds(10), "clock", "Clock of Konnektor " + kid});
  }
  passwords.clear();

  Lines lines = co_await run_all(ex_, std::move(plan));
  if (accounts.empty()) {
    lines.push_back(doctor_line("accounts", "", Finding::no_accounts));
  }
  json out = json::array();
  std::size_t fails = 0;
  std::size_t warns = 0;
  for (const DoctorLine& l : lines) {
    fails += l.verdict == Verdict::fail ? 1 : 0;
    warns += l.verdict == Verdict::warn ? 1 : 0;
    out.push_back(to_json(l));
  }
  const Verdict worst = worst_verdict(lines);
  spdlog::info("event=doctor lines={} fail={} warn={} worst={}", lines.size(), fails, warns, verdict_name(worst));
  co_return json{{"ok", true}, {"worst", std::string(verdict_name(worst))}, {"lines", out}};
}

}  // namespace kimgate::daemon
