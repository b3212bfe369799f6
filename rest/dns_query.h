#pragma once
// Blocking DNS queries through glibc's res_n* API (one resolver state per call, so it is safe on
// any pool thread), bounded by a timeout. Used by ServiceLocator on the worker pool only.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace kimgate::rest::dns {

struct Record {
  std::uint16_t type = 0;
  std::uint32_t ttl = 0;
  std::vector<std::uint8_t> rdata;
  std::string name;            // PTR target, SRV target (uncompressed, presentation form), A address text
  std::uint16_t priority = 0;  // SRV
  std::uint16_t weight = 0;    // SRV
  std::uint16_t port = 0;      // SRV
};

struct Answer {
  std::vector<Record> records;  // only those of the asked type
  std::string error;            // empty: the name exists (records may still be empty)
};

// `server`: "a.b.c.d[:port]"; empty: /etc/resolv.conf.
Answer query(const std::string& server, std::chrono::milliseconds timeout, const std::string& name, int type);

// Instance labels of a PTR target "<instance>._kas._tcp.<domain>", "\." unescaped; empty if the
// target does not contain `service_label`.
std::string instance_of(const std::string& target, const std::string& service_label);

}  // namespace kimgate::rest::dns
