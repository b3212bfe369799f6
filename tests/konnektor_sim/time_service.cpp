#include "tests/konnektor_sim/time_service.h"

#include <spdlog/spdlog.h>

#include <array>

#include "konnektor/time_sync.h"

namespace kimgate::konnektor::sim {

namespace asio = net::asio;
using asio::ip::udp;

TimeService::TimeService(asio::io_context& io, const std::string& host, std::uint16_t port)
    : io_(io), socket_(io, udp::endpoint(asio::ip::make_address(host), port)) {}

void TimeService::start() {
  auto loop = serve();
  asio::co_spawn(io_, std::move(loop), asio::detached);
}

namespace {

void put64(std::array<std::uint8_t, 48>& p, std::size_t at, std::uint64_t v) {
  for (std::size_t i = 0; i < 8; ++i) {
    p[at + 7 - i] = static_cast<std::uint8_t>(v & 0xff);
    v >>= 8;
  }
}

}  // namespace

asio::awaitable<void> TimeService::serve() {
  std::array<std::uint8_t, 512> in{};
  for (;;) {
    udp::endpoint from;
    boost::system::error_code ec;
    const std::size_t n =
        co_await socket_.async_receive_from(asio::buffer(in), from, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor) {
      co_return;
    }
    if (ec || n < 48 || (in[0] & 0x07) != 3) {
      continue;  // not a client-mode NTP packet
    }
    const auto now = std::chrono::system_clock::now() + offset_;
    std::array<std::uint8_t, 48> out{};
    out[0] = static_cast<std::uint8_t>((in[0] & 0x38) | 4);         // LI 0, the client's VN, Mode 4 (server)
    out[1] = 2;                                                     // stratum 2: synchronised to the TI's time
    out[2] = in[2];                                                 // poll
    out[3] = static_cast<std::uint8_t>(-20);                        // precision about 1 microsecond
    std::copy(in.begin() + 40, in.begin() + 48, out.begin() + 24);  // originate = the client's transmit
    put64(out, 16, to_ntp(now));                                    // reference
    put64(out, 32, to_ntp(now));                                    // receive
    put64(out, 40, to_ntp(std::chrono::system_clock::now() + offset_));
    [[maybe_unused]] const std::size_t sent =
        co_await socket_.async_send_to(asio::buffer(out), from, asio::redirect_error(asio::use_awaitable, ec));
    spdlog::info("event=sim_sync_time peer={} offset_s={}", from.address().to_string(), offset_.count());
  }
}

}  // namespace kimgate::konnektor::sim
