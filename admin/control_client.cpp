#include "admin/control_client.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "conf/load.h"

namespace kimgate::admin {

ControlReply ask_daemon(const std::string& socket_path, const nlohmann::json& request,
                        const std::function<void(const std::string&)>& on_progress) {
  ControlReply reply;
  sockaddr_un addr{};
  if (socket_path.size() >= sizeof addr.sun_path) {
    reply.error = "the control socket path is too long";
    return reply;
  }
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    reply.error = "cannot reach kimgated at \"" + socket_path + "\" (" + std::strerror(errno) +
                  "); is it running with this configuration?";
    if (fd >= 0) {
      ::close(fd);
    }
    return reply;
  }
  timeval tv{120, 0};  // VerifyPin may wait for a PIN pad
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const std::string line = request.dump() + "\n";
  std::string in;
  std::string answer;
  if (::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size())) {
    char buf[4096];
    ssize_t n = 0;
    for (;;) {
      const std::size_t eol = in.find('\n');
      if (eol != std::string::npos) {
        std::string one = in.substr(0, eol);
        in.erase(0, eol + 1);
        const nlohmann::json j = nlohmann::json::parse(one, nullptr, false);
        if (j.is_object() && j.contains("progress") && j["progress"].is_string()) {
          if (on_progress) {
            on_progress(j["progress"].get<std::string>());
          }
          continue;
        }
        answer = std::move(one);
        break;
      }
      if ((n = ::read(fd, buf, sizeof buf)) <= 0) {
        break;
      }
      in.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  reply.body = nlohmann::json::parse(answer, nullptr, false);
  if (reply.body.is_discarded() || !reply.body.is_object()) {
    reply.body = nlohmann::json::object();
    reply.error = "kimgated sent no answer";
  }
  return reply;
}

std::optional<std::string> control_socket_of(const std::string& config_path) {
  const conf::LoadResult r = conf::load_file(config_path);
  if (!r.ok()) {
    for (const auto& d : r.errors) {
      std::cerr << d.str() << "\n";
    }
    return std::nullopt;
  }
  return r.config->daemon.control_socket.string();
}

}  // namespace kimgate::admin
