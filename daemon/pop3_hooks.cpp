#include "daemon/pop3_hooks.h"

#include <spdlog/spdlog.h>

#include "daemon/mail_metrics.h"
#include "daemon/receive_pipeline.h"
#include "kim/user_name.h"
#include "net/metrics.h"

namespace kimgate::daemon {

using net::awaitable;

namespace {

// The session's half: every RETR through the receive pipeline as this user.
class KimMailbox final : public pop3::MailboxHooks {
 public:
  KimMailbox(konnektor::Konnektor& k, CardFinder& cards, net::asio::thread_pool& pool, Recipient who,
             const KasAccess* kas, net::PeerCheck check, std::function<void(LoginSeen)> observer,
             const TrackRecorder* tracking, std::optional<LoginFilter> filter, std::string konnektor_id)
      : tracking_(tracking),
        deps_{k, cards, pool, kas, check},
        who_(std::move(who)),
        check_(std::move(check)),
        observer_(std::move(observer)),
        filter_(std::move(filter)),
        konnektor_id_(std::move(konnektor_id)) {}

  bool filtered() const override { return filter_.has_value(); }
  std::optional<bool> known_visibility(const std::string& uid) override { return filter_->known(uid); }
  bool visible(const std::string& uid, std::string_view headers) override { return filter_->judge(uid, headers); }

  void authenticated(const std::string& password) override {
    if (observer_) {
      observer_(LoginSeen{who_.address, password, "", check_, konnektor_id_, who_.context});
    }
  }

  awaitable<pop3::RetrDecision> on_retrieved(const std::string& message) override {
    net::metrics().histogram("kimgate_mail_size_bytes", {"receive"}).observe(static_cast<double>(message.size()));
    ReceiveOutcome outcome = co_await process_retrieved(deps_, who_, message);
    if (!outcome.decryption_result.empty()) {
      // Only what kimgate made of a KIM message: a mail passed through unchanged (a provider's
      // DSN, a sending client module's error mail) carries someone else's codes.
      count_error_codes("receive", outcome.mail);
      spdlog::info("event=kim_retr decryption={} integrity={} detail=\"{}\"", outcome.decryption_result,
                   outcome.integrity_result.empty() ? "-" : outcome.integrity_result, outcome.detail);
    }
    co_await track_answer(outcome);
    pop3::RetrDecision d;
    d.deliver = true;
    d.message = std::move(outcome.mail);
    d.stream = std::move(outcome.stream);
    co_return d;
  }

 private:
  // Tracking (issue 18): a decrypted answer updates its Vorgang.
  awaitable<void> track_answer(const ReceiveOutcome& outcome) {
    if (tracking_ != nullptr && tracking_->enabled()) {
      co_await tracking_->answer(who_.address, outcome);
    }
  }

  const TrackRecorder* tracking_ = nullptr;
  ReceiveDeps deps_;
  Recipient who_;
  net::PeerCheck check_;
  std::function<void(LoginSeen)> observer_;
  std::optional<LoginFilter> filter_;
  std::string konnektor_id_;
};

}  // namespace

awaitable<std::variant<pop3::LoginPlan, std::string>> KimPop3Hooks::resolve_user(const std::string& user) {
  using R = std::variant<pop3::LoginPlan, std::string>;
  kim::UserNameResult r = kim::parse_user_name(user, kim::UserNameProtocol::pop3);
  if (!r.value) {
    co_return R{r.error};
  }
  const kim::UserName& name = *r.value;
  if (!name.server) {
    co_return R{
        std::string("the user name names no POP3 server (host:port); locating the provider by DNS "
                    "service discovery is not supported yet")};
  }
  const std::optional<KonnektorRoutes::Route> route = routes_.route(name.konnektor_id);
  if (!route) {
    co_return R{name.konnektor_id.empty() ? std::string("kimgate has no usable default Konnektor configured")
                                          : "unknown KonnektorId \"" + name.konnektor_id + "\""};
  }
  const std::string id = route->id;
  konnektor::Konnektor& k = *route->konnektor;
  Recipient who{name.address,
                konnektor::CallContext{name.mandant_id, name.client_system_id, name.workplace_id, name.user_id}};
  const auto cards = co_await k.get_cards(who.context);
  if (!cards.ok() && cards.error.kind == konnektor::Error::Kind::context) {
    spdlog::info("event=pop3_context_refused konnektor={} code={}", id, cards.error.code);
    co_return R{"the Konnektor refused the call context: " + std::to_string(cards.error.code) + " " + cards.error.text};
  }
  if (!cards.ok()) {
    spdlog::warn("event=pop3_context_unchecked konnektor={} code={} reason=\"{}\"", id, cards.error.code,
                 cards.error.text);
  }
  pop3::LoginPlan plan;
  plan.target = pop3::LoginTarget{name.server->host, name.server->port, name.address,
                                  providers_.check_for(&k, who.context), nullptr};
  if (account_tls_) {
    plan.target.tls = account_tls_(name.address);
  }
  net::PeerCheck kas_check = providers_.check_for(&k, who.context);
  std::optional<LoginFilter> filter;
  if (filters_) {
    if (std::optional<kim::ApplicationFilter> f = select_filter(*filters_, name)) {
      spdlog::info("event=pop3_filter mailbox={} workplace={} applications={} unclaimed={}", name.address,
                   name.workplace_id, f->applications.size(), f->unclaimed);
      filter.emplace(std::move(*f), name.address, dienstkennungen_);
    }
  }
  plan.mailbox = std::make_unique<KimMailbox>(k, *route->cards, pool_, std::move(who), kas_, std::move(kas_check),
                                              observer_, &tracking_, std::move(filter), id);
  co_return R{std::move(plan)};
}

}  // namespace kimgate::daemon
