#include "daemon/receive_path.h"

#include "daemon/pop3_hooks.h"

namespace kimgate::daemon {

ReceivePath::ReceivePath(KonnektorRoutes& routes, net::asio::thread_pool& pool, ProviderCertificates& providers)
    : hooks_(std::make_unique<KimPop3Hooks>(routes, pool, providers)) {}

ReceivePath::~ReceivePath() = default;

void ReceivePath::set_account_tls(AccountTls tls) {
  hooks_->set_account_tls(std::move(tls));
}

void ReceivePath::set_login_observer(std::function<void(LoginSeen)> observer) {
  hooks_->set_login_observer(std::move(observer));
}

void ReceivePath::set_receive_filters(std::vector<conf::ReceiveFilter> filters) {
  hooks_->set_receive_filters(std::move(filters));
}

void ReceivePath::set_tracking(const TrackRecorder& tracking) {
  hooks_->set_tracking(tracking);
}

void ReceivePath::set_kas(const KasAccess* kas) {
  hooks_->set_kas(kas);
}

pop3::ServerSettings ReceivePath::settings(const conf::Config& c, const std::string& host_name,
                                           std::shared_ptr<net::asio::ssl::context> upstream_tls) const {
  pop3::ServerSettings s;
  s.hostname = host_name;
  s.client_timeout = c.timeouts.pop3_client;
  s.tls_handshake = c.timeouts.tls_handshake;
  s.command_line = c.limits.command_line;
  s.auth_line = c.limits.auth_line;
  s.error_cap = c.limits.error_count;
  s.upstream.tls = std::move(upstream_tls);
  s.upstream.server_timeout = c.timeouts.pop3_server;
  s.upstream.connect_timeout = c.fachdienst.connect_timeout;
  s.upstream.tls_handshake = c.timeouts.tls_handshake;
  s.upstream.max_line = c.limits.auth_line;
  s.max_message_size = c.limits.max_message_size;
  s.header_section = c.limits.header_section;
  s.hooks = hooks_.get();
  return s;
}

net::awaitable<void> ReceivePath::serve(net::Connection& conn, const pop3::ServerSettings& base,
                                        const conf::Listener& listener, net::StopRegistry& sessions) const {
  pop3::ServerSettings settings = base;
  settings.implicit_tls = listener.tls == conf::ListenerTls::implicit;
  settings.stls_offered = listener.tls == conf::ListenerTls::starttls;
  pop3::ServerSession session(conn, settings, sessions);
  co_await session.run();
}

}  // namespace kimgate::daemon
