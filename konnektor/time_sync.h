#pragma once
// sync_Time (KOM-LE-A_2230): the client module takes its time from the Konnektor. The Konnektor's
// time service (gemSpec_Kon, interface I_NTP_Time_Information, operation sync_Time) is NTP v4
// (RFC 5905) on UDP, not one of the SOAP services of api-telematik's conn/ schemas; we ask it as
// an SNTP client (RFC 4330: one client-mode packet, one server-mode answer) and report the
// Konnektor's time and our clock's offset to it. Nothing here sets the system clock.
//
// The packet functions are pure (unit-tested from bytes); query_time does the UDP exchange
// within `timeout` and returns an Error (kind unavailable / timeout) instead of throwing.
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "konnektor/types.h"
#include "net/asio.h"

namespace kimgate::konnektor {

// What one sync_Time exchange found out.
struct TimeSample {
  std::chrono::system_clock::time_point konnektor_time;  // the Konnektor's clock when it answered
  std::chrono::milliseconds offset{0};                   // Konnektor minus local clock (positive: we are behind)
  std::chrono::milliseconds round_trip{0};               // the network delay of the exchange
  int stratum = 0;
};

using NtpPacket = std::array<std::uint8_t, 48>;

// The client-mode request (LI 0, VN 4, Mode 3) whose transmit timestamp is `now`.
NtpPacket ntp_request(std::chrono::system_clock::time_point now);

// The server's answer: T2 (receive) and T3 (transmit) timestamps; nullopt with a reason otherwise.
struct NtpReply {
  std::chrono::system_clock::time_point received;     // T2
  std::chrono::system_clock::time_point transmitted;  // T3
  int stratum = 0;
};
struct NtpParse {
  std::optional<NtpReply> reply;
  std::string error;
};
// Checks length, mode 4 (server), a synchronised stratum (1..15, not a kiss-o'-death 0), and that
// the originate timestamp echoes the request's transmit timestamp (`request`).
NtpParse parse_ntp_reply(std::span<const std::uint8_t> bytes, const NtpPacket& request);

// The RFC 5905 offset and delay from T1 (sent), T2, T3 and T4 (answer received).
TimeSample time_sample(std::chrono::system_clock::time_point t1, const NtpReply& reply,
                       std::chrono::system_clock::time_point t4);

// NTP timestamps (seconds since 1900 in 32.32 fixed point) to and from system_clock.
std::uint64_t to_ntp(std::chrono::system_clock::time_point t);
std::chrono::system_clock::time_point from_ntp(std::uint64_t ntp);

// Where the time service is: `configured` ("host" or "host:port", [[konnektor]] time_server), else
// the host of `sds_url` (https://host[:port]/...) on port 123. Empty host when neither names one.
struct TimeServer {
  std::string host;
  std::uint16_t port = 123;
};
TimeServer time_server_of(const std::string& configured, const std::string& sds_url);

// One sync_Time exchange with host:port over UDP.
net::awaitable<Outcome<TimeSample>> query_time(net::asio::any_io_executor ex, std::string host, std::uint16_t port,
                                               std::chrono::milliseconds timeout);

}  // namespace kimgate::konnektor
