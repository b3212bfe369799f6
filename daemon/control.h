#pragma once
// ControlServer: the daemon's local administration socket (a Unix stream socket,
// mode 0660, in the runtime directory). kimctl sends one JSON request line and gets
// one JSON response line, e.g. {"op":"cards"} or {"op":"card.unlock","iccsn":"..."}.
// Ops that wait on a card or a provider may send progress lines {"progress":"<sentence>"}
// before their answer. Only root and the kimgate group reach it; the administration ops
// carry mailbox passwords in their requests (never in an answer, never logged).
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "net/asio.h"

namespace kimgate::daemon {

class ControlServer {
 public:
  // Sends one progress line to the client before the answer.
  using Progress = std::function<net::awaitable<void>(std::string sentence)>;
  using Handler = std::function<net::awaitable<nlohmann::json>(const nlohmann::json& request, Progress progress)>;

  ControlServer(net::asio::io_context& io, std::string path, Handler handler);
  ~ControlServer();
  // Binds the socket (replacing a stale one); a sentence on failure.
  std::optional<std::string> open();
  void start();
  void close();

 private:
  net::awaitable<void> accept_loop();
  net::awaitable<void> serve(net::asio::local::stream_protocol::socket socket);

  net::asio::io_context& io_;
  std::string path_;
  Handler handler_;
  net::asio::local::stream_protocol::acceptor acceptor_;
};

}  // namespace kimgate::daemon
