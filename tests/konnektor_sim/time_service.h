#pragma once
// The test Konnektor's time service (sync_Time, konnektor/time_sync.h): an NTP v4 server on UDP
// at the same port number as the HTTPS endpoint, answering each client-mode packet with this
// machine's clock plus an offset the test sets (POST /sim/time-offset), so a client module's
// clock check can be driven to any offset without touching the system clock.
#include <chrono>
#include <string>

#include "net/asio.h"

namespace kimgate::konnektor::sim {

class TimeService {
 public:
  // Binds host:port (UDP); throws boost::system::system_error when that fails (start-up only).
  TimeService(net::asio::io_context& io, const std::string& host, std::uint16_t port);
  void start();
  void set_offset(std::chrono::seconds offset) { offset_ = offset; }

 private:
  net::awaitable<void> serve();

  net::asio::io_context& io_;
  net::asio::ip::udp::socket socket_;
  std::chrono::seconds offset_{0};
};

}  // namespace kimgate::konnektor::sim
