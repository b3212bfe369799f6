// Server::run_proxied(): a PVS listener behind a load balancer (pvs.listener.proxy_protocol).
// The balancer (HAProxy send-proxy-v2) names the client in a PROXY protocol header before the
// client's first byte; the connection limits, the login lock and every log line then see that
// client, not the balancer. A connection without a valid header is closed without a word:
// it did not come through the balancer, and the protocol has no way to answer before the header.
// The balancer's health checks (a LOCAL header, then the close) on implicit-TLS listeners are
// counted, not run as sessions: no connect/tls_failed lines every second, no inflated
// kimgate_sessions_total. On a listener where the server speaks first a health check cannot be
// told apart from a client waiting for the greeting, so it gets the greeting like any client.
#include <spdlog/spdlog.h>

#include "daemon/server.h"
#include "net/metrics.h"
#include "net/proxy_read.h"

namespace kimgate::daemon {

using net::awaitable;

awaitable<void> Server::run_proxied(net::tcp::socket socket, conf::Listener listener,
                                    std::shared_ptr<const Runtime> runtime) {
  boost::system::error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  const std::string balancer =
      ec ? std::string("?") : endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  const std::string_view protocol = conf::to_string(listener.protocol);
  const net::ProxyRead got = co_await net::read_proxy_header(socket, config_.timeouts.tls_handshake);
  if (!got.ok()) {
    spdlog::warn("event=proxy_header_rejected proto={} listener={}:{} peer={} reason=\"{}\"", protocol,
                 listener.address, listener.port, balancer, got.error);
    net::metrics().counter("kimgate_proxy_header_rejected_total", {protocol}).inc();
    socket.close(ec);
    co_return;
  }
  const std::string client =
      got.header.has_address() ? got.header.source_address : balancer.substr(0, balancer.rfind(':'));
  spdlog::debug("event=proxy_header proto={} version={} command={} client={} balancer={}", protocol, got.header.version,
                got.header.command == net::ProxyHeader::Command::local ? "local" : "proxy",
                got.header.has_address() ? got.header.source_address + ":" + std::to_string(got.header.source_port)
                                         : std::string("-"),
                balancer);
  if (got.header.command == net::ProxyHeader::Command::local && listener.tls == conf::ListenerTls::implicit) {
    const bool health_check = co_await net::closed_without_data(socket, config_.timeouts.tls_handshake);
    if (health_check) {
      net::metrics().counter("kimgate_proxy_health_checks_total", {protocol}).inc();
      socket.close(ec);
      co_return;
    }
  }
  net::ConnectionLimits::Admission admission = connection_limits_->admit(client);
  co_await run_session(std::move(socket), std::move(listener), std::move(runtime), std::move(admission), got.header);
}

}  // namespace kimgate::daemon
