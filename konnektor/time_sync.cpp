#include "konnektor/time_sync.h"

#include <memory>

namespace kimgate::konnektor {

namespace asio = net::asio;
using net::awaitable;
using std::chrono::system_clock;

namespace {

constexpr std::uint64_t kNtpEpochOffset = 2208988800ULL;  // seconds from 1900-01-01 to 1970-01-01
constexpr std::size_t kTransmitAt = 40;
constexpr std::size_t kReceiveAt = 32;
constexpr std::size_t kOriginateAt = 24;

std::uint64_t read64(std::span<const std::uint8_t> b, std::size_t at) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) {
    v = (v << 8) | b[at + i];
  }
  return v;
}

void write64(NtpPacket& p, std::size_t at, std::uint64_t v) {
  for (std::size_t i = 0; i < 8; ++i) {
    p[at + 7 - i] = static_cast<std::uint8_t>(v & 0xff);
    v >>= 8;
  }
}

Error unavailable(std::string text) {
  return Error{Error::Kind::unavailable, 0, std::move(text)};
}

}  // namespace

std::uint64_t to_ntp(system_clock::time_point t) {
  const auto since = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  const auto seconds = static_cast<std::uint64_t>(since / 1000000000) + kNtpEpochOffset;
  const auto nanos = static_cast<std::uint64_t>(since % 1000000000);
  return (seconds << 32) | ((nanos << 32) / 1000000000ULL);
}

system_clock::time_point from_ntp(std::uint64_t ntp) {
  const auto seconds = static_cast<std::int64_t>(ntp >> 32) - static_cast<std::int64_t>(kNtpEpochOffset);
  const auto nanos = static_cast<std::int64_t>(((ntp & 0xffffffffULL) * 1000000000ULL) >> 32);
  return system_clock::time_point(std::chrono::duration_cast<system_clock::duration>(std::chrono::seconds(seconds) +
                                                                                     std::chrono::nanoseconds(nanos)));
}

NtpPacket ntp_request(system_clock::time_point now) {
  NtpPacket p{};
  p[0] = (0 << 6) | (4 << 3) | 3;  // LI 0, VN 4, Mode 3 (client)
  write64(p, kTransmitAt, to_ntp(now));
  return p;
}

NtpParse parse_ntp_reply(std::span<const std::uint8_t> bytes, const NtpPacket& request) {
  if (bytes.size() < 48) {
    return {std::nullopt, "the time service's answer has " + std::to_string(bytes.size()) + " bytes, not 48"};
  }
  const int mode = bytes[0] & 0x07;
  const int leap = bytes[0] >> 6;
  if (mode != 4) {
    return {std::nullopt, "the time service answered in NTP mode " + std::to_string(mode) + ", not 4 (server)"};
  }
  const int stratum = bytes[1];
  if (stratum == 0 || stratum > 15 || leap == 3) {
    return {std::nullopt, "the Konnektor's time service is not synchronised itself (stratum " +
                              std::to_string(stratum) + ", leap indicator " + std::to_string(leap) + ")"};
  }
  const std::span<const std::uint8_t> sent(request.data(), request.size());
  if (read64(bytes, kOriginateAt) != read64(sent, kTransmitAt)) {
    return {std::nullopt, "the time service's answer does not belong to our request (originate timestamp)"};
  }
  if (read64(bytes, kTransmitAt) == 0) {
    return {std::nullopt, "the time service's answer carries no transmit timestamp"};
  }
  return {NtpReply{from_ntp(read64(bytes, kReceiveAt)), from_ntp(read64(bytes, kTransmitAt)), stratum}, ""};
}

TimeSample time_sample(system_clock::time_point t1, const NtpReply& r, system_clock::time_point t4) {
  using std::chrono::milliseconds;
  using std::chrono::round;
  const auto offset = ((r.received - t1) + (r.transmitted - t4)) / 2;
  const auto delay = (t4 - t1) - (r.transmitted - r.received);
  TimeSample s;
  s.konnektor_time = r.transmitted + delay / 2;
  s.offset = round<milliseconds>(offset);
  s.round_trip = round<milliseconds>(delay);
  s.stratum = r.stratum;
  return s;
}

TimeServer time_server_of(const std::string& configured, const std::string& sds_url) {
  std::string hostport = configured;
  if (hostport.empty()) {
    const std::size_t scheme = sds_url.find("://");
    const std::size_t start = scheme == std::string::npos ? 0 : scheme + 3;
    const std::size_t end = sds_url.find('/', start);
    hostport = sds_url.substr(start, end == std::string::npos ? std::string::npos : end - start);
    const std::size_t at = hostport.rfind('@');
    hostport = at == std::string::npos ? hostport : hostport.substr(at + 1);
    // The SDS port is HTTPS's, not the time service's.
    const std::size_t bracket = hostport.find(']');
    const std::size_t colon = hostport.rfind(':');
    if (colon != std::string::npos && (bracket == std::string::npos || colon > bracket)) {
      hostport.resize(colon);
    }
  }
  TimeServer out;
  const std::size_t bracket = hostport.find(']');
  const std::size_t colon = hostport.rfind(':');
  // host:port; an IPv6 literal must be bracketed to carry a port.
  if (colon != std::string::npos && (bracket != std::string::npos ? colon > bracket : hostport.find(':') == colon)) {
    const std::string port = hostport.substr(colon + 1);
    const int n = port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos
                      ? 0
                      : std::stoi(port);
    if (n > 0 && n < 65536) {
      out.port = static_cast<std::uint16_t>(n);
    }
    hostport.resize(colon);
  }
  if (hostport.size() >= 2 && hostport.front() == '[' && hostport.back() == ']') {
    hostport = hostport.substr(1, hostport.size() - 2);
  }
  out.host = hostport;
  return out;
}

awaitable<Outcome<TimeSample>> query_time(asio::any_io_executor ex, std::string host, std::uint16_t port,
                                          std::chrono::milliseconds timeout) {
  using udp = asio::ip::udp;
  const std::string where = host + ":" + std::to_string(port);
  boost::system::error_code ec;
  udp::resolver resolver(ex);
  const udp::resolver::results_type found = co_await resolver.async_resolve(
      udp::v4(), host, std::to_string(port), asio::redirect_error(asio::use_awaitable, ec));
  if (ec || found.empty()) {
    co_return Outcome<TimeSample>::failure(unavailable("cannot resolve the Konnektor's time service " + where + ": " +
                                                       (ec ? ec.message() : std::string("no address"))));
  }
  auto socket = std::make_shared<udp::socket>(ex);
  socket->open(udp::v4(), ec);
  if (ec) {
    co_return Outcome<TimeSample>::failure(unavailable("cannot open a UDP socket: " + ec.message()));
  }
  auto expired = std::make_shared<bool>(false);
  asio::steady_timer timer(ex, timeout);
  const auto on_timeout = [socket, expired](const boost::system::error_code& e) {
    if (!e) {
      *expired = true;
      boost::system::error_code ignored;
      socket->close(ignored);
    }
  };
  timer.async_wait(on_timeout);
  const system_clock::time_point t1 = system_clock::now();
  const NtpPacket request = ntp_request(t1);
  const udp::endpoint to = *found.begin();
  [[maybe_unused]] const std::size_t sent =
      co_await socket->async_send_to(asio::buffer(request), to, asio::redirect_error(asio::use_awaitable, ec));
  std::array<std::uint8_t, 512> buffer{};
  std::size_t got = 0;
  udp::endpoint from;
  while (!ec) {
    got =
        co_await socket->async_receive_from(asio::buffer(buffer), from, asio::redirect_error(asio::use_awaitable, ec));
    if (!ec && from == to) {
      break;  // datagrams from elsewhere are ignored
    }
  }
  const system_clock::time_point t4 = system_clock::now();
  timer.cancel();
  if (*expired) {
    co_return Outcome<TimeSample>::failure(Error{
        Error::Kind::timeout, 0,
        "the Konnektor's time service " + where + " did not answer within " + std::to_string(timeout.count()) + " ms"});
  }
  if (ec) {
    co_return Outcome<TimeSample>::failure(
        unavailable("the Konnektor's time service " + where + " cannot be reached: " + ec.message()));
  }
  const NtpParse parsed = parse_ntp_reply(std::span<const std::uint8_t>(buffer.data(), got), request);
  if (!parsed.reply) {
    co_return Outcome<TimeSample>::failure(unavailable(parsed.error));
  }
  co_return Outcome<TimeSample>::success(time_sample(t1, *parsed.reply, t4));
}

}  // namespace kimgate::konnektor
