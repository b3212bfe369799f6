// kimgated — the kimgate daemon. Usage: kimgated --config FILE [--foreground] [--pid-file FILE]
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "conf/load.h"
#include "daemon/heap.h"
#include "daemon/logging.h"
#include "daemon/server.h"
#include "kimgate_version.h"

namespace {

constexpr int kExitConfig = 78;  // EX_CONFIG: systemd's RestartPreventExitStatus keeps a bad config from looping

// Without --foreground the process detaches; the parent returns only once the
// child listens (exit 0) or has failed (exit 1 with the child's sentence). The
// child keeps stderr only when it is a regular file (a log the caller chose);
// a terminal or a pipe would tie the daemon to its caller, so then it logs to syslog.
int detach(int& ready_fd, bool& keep_stderr) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    std::perror("kimgated: pipe");
    return 1;
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    std::perror("kimgated: fork");
    return 1;
  }
  if (pid > 0) {
    ::close(fds[1]);
    std::string message;
    char buf[512];
    ssize_t n = 0;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0) {
      message.append(buf, static_cast<std::size_t>(n));
    }
    if (message == "ready") {
      return 0;
    }
    std::cerr << "kimgated: " << (message.empty() ? "the daemon exited during start-up" : message) << "\n";
    return 1;
  }
  ::close(fds[0]);
  ::setsid();
  struct stat st {};
  keep_stderr = ::fstat(STDERR_FILENO, &st) == 0 && S_ISREG(st.st_mode);
  const int devnull = ::open("/dev/null", O_RDWR);
  if (devnull >= 0) {
    ::dup2(devnull, STDIN_FILENO);
    ::dup2(devnull, STDOUT_FILENO);
    if (!keep_stderr) {
      ::dup2(devnull, STDERR_FILENO);
    }
    ::close(devnull);
  }
  ready_fd = fds[1];
  return -1;  // continue as the daemon
}

void tell_parent(int& ready_fd, const std::string& message) {
  if (ready_fd >= 0) {
    [[maybe_unused]] const ssize_t n = ::write(ready_fd, message.data(), message.size());
    ::close(ready_fd);
    ready_fd = -1;
  }
}

// True when `path` still names this process: a later instance may have written its own pid.
bool pid_file_is_ours(const std::string& path) {
  std::ifstream in(path);
  long pid = 0;
  return static_cast<bool>(in >> pid) && pid == static_cast<long>(::getpid());
}

// Each PVS session holds two sockets (PVS and provider) and limits.connections allows 1000
// sessions: take the hard limit the system grants (systemd's LimitNOFILE) as the soft one.
void raise_descriptor_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kimgated — KIM client module daemon (SMTP/POP3 proxy between the PVS and the KIM provider)"};
  std::string config_path = "/etc/kimgate/kimgate.toml";
  bool foreground = false;
  std::string pid_file;
  app.add_option("-c,--config", config_path, "configuration file")->capture_default_str();
  app.add_flag("-f,--foreground", foreground, "stay in the foreground (systemd, containers, tests)");
  app.add_option("--pid-file", pid_file, "write the daemon's pid to this file once it listens");
  app.set_version_flag("--version", std::string("kimgated ") + KIMGATE_VERSION);
  CLI11_PARSE(app, argc, argv);
  // A peer that resets a socket we write to (the VZD, a Konnektor, a provider, the PVS) is an
  // error value on that write, never a signal that ends the daemon (libldap and OpenSSL write
  // with plain send/write, which raise SIGPIPE).
  std::signal(SIGPIPE, SIG_IGN);
  kimgate::daemon::tune_heap();
  raise_descriptor_limit();

  kimgate::conf::LoadResult loaded = kimgate::conf::load_file(config_path);
  if (!loaded.ok()) {
    for (const auto& d : loaded.errors) {
      std::cerr << d.str() << "\n";
    }
    std::cerr << "kimgated: not started: the configuration has " << loaded.errors.size() << " error(s)\n";
    return kExitConfig;
  }
  kimgate::conf::Config config = std::move(*loaded.config);

  int ready_fd = -1;
  bool keep_stderr = true;
  if (!foreground) {
    const int rc = detach(ready_fd, keep_stderr);
    if (rc >= 0) {
      return rc;
    }
  }
  if (const std::string error = kimgate::daemon::setup_logging(config.log, config.daemon.state_dir, !keep_stderr);
      !error.empty()) {
    std::cerr << "kimgated: not started: " << error << "\n";
    tell_parent(ready_fd, error);
    return kExitConfig;
  }
  spdlog::info("event=start version={} config=\"{}\"", KIMGATE_VERSION, config_path);
  try {
    boost::asio::io_context io(1);
    kimgate::daemon::Server server(io, std::move(config));
    if (auto err = server.open()) {
      spdlog::error("event=start_failed reason=\"{}\"", *err);
      tell_parent(ready_fd, *err);
      return 1;
    }
    server.start();
    if (!pid_file.empty()) {
      std::ofstream(pid_file) << ::getpid() << "\n";
    }
    tell_parent(ready_fd, "ready");
    io.run();
  } catch (const std::exception& e) {
    spdlog::critical("event=fatal reason=\"{}\"", e.what());
    tell_parent(ready_fd, e.what());
    return 1;
  }
  if (!pid_file.empty() && pid_file_is_ours(pid_file)) {
    ::unlink(pid_file.c_str());
  }
  spdlog::info("event=exit code=0");
  return 0;
}
