#include "daemon/control.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

namespace kimgate::daemon {

namespace asio = net::asio;
using local = asio::local::stream_protocol;
using net::awaitable;

ControlServer::ControlServer(asio::io_context& io, std::string path, Handler handler)
    : io_(io), path_(std::move(path)), handler_(std::move(handler)), acceptor_(io) {}

ControlServer::~ControlServer() {
  close();
}

std::optional<std::string> ControlServer::open() {
  boost::system::error_code ec;
  ::unlink(path_.c_str());  // a stale socket of a previous run
  acceptor_.open(local(), ec);
  if (!ec) {
    acceptor_.bind(local::endpoint(path_), ec);
  }
  if (!ec) {
    acceptor_.listen(16, ec);
  }
  if (ec) {
    return "cannot open the control socket \"" + path_ + "\": " + ec.message();
  }
  ::chmod(path_.c_str(), 0660);
  return std::nullopt;
}

void ControlServer::start() {
  asio::co_spawn(io_, accept_loop(), asio::detached);
}

void ControlServer::close() {
  if (acceptor_.is_open()) {
    boost::system::error_code ec;
    acceptor_.close(ec);
    ::unlink(path_.c_str());
  }
}

awaitable<void> ControlServer::accept_loop() {
  for (;;) {
    boost::system::error_code ec;
    local::socket socket = co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      co_return;  // closed
    }
    const auto on_done = [](std::exception_ptr e) {
      if (e) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          spdlog::warn("event=control_failed reason=\"{}\"", ex.what());
        }
      }
    };
    asio::co_spawn(io_, serve(std::move(socket)), on_done);
  }
}

awaitable<void> ControlServer::serve(local::socket socket) {
  std::string buffer;
  boost::system::error_code ec;
  asio::steady_timer deadline(io_, std::chrono::seconds(30));
  const auto on_deadline = [&socket](const boost::system::error_code& e) {
    if (!e) {
      boost::system::error_code ignored;
      socket.close(ignored);
    }
  };
  deadline.async_wait(on_deadline);
  const std::size_t n = co_await asio::async_read_until(socket, asio::dynamic_buffer(buffer, 64 * 1024), '\n',
                                                        asio::redirect_error(asio::use_awaitable, ec));
  nlohmann::json response;
  if (ec) {
    response = {{"ok", false}, {"error", "no complete request line: " + ec.message()}};
  } else {
    const nlohmann::json request = nlohmann::json::parse(buffer.substr(0, n), nullptr, false);
    if (request.is_discarded() || !request.is_object() || !request.contains("op")) {
      response = {{"ok", false}, {"error", "the request is not a JSON object with an \"op\""}};
    } else {
      spdlog::info("event=control op={}", request["op"].dump());
      // An administration op may wait on a card and a provider: minutes, not seconds.
      deadline.expires_after(std::chrono::minutes(5));
      deadline.async_wait(on_deadline);
      const Progress progress = [&socket](std::string sentence) -> awaitable<void> {
        const std::string line = nlohmann::json{{"progress", std::move(sentence)}}.dump() + "\n";
        boost::system::error_code ignored;
        co_await asio::async_write(socket, asio::buffer(line), asio::redirect_error(asio::use_awaitable, ignored));
      };
      response = co_await handler_(request, progress);
    }
  }
  const std::string out = response.dump() + "\n";
  co_await asio::async_write(socket, asio::buffer(out), asio::redirect_error(asio::use_awaitable, ec));
  deadline.cancel();
}

}  // namespace kimgate::daemon
