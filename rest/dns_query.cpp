#include "rest/dns_query.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>

#include <array>
#include <charconv>
#include <cstring>

namespace kimgate::rest::dns {

namespace {

bool set_server(res_state st, const std::string& server, std::string& error) {
  std::string host = server;
  unsigned port = 53;
  const std::size_t colon = server.rfind(':');
  if (colon != std::string::npos) {
    host = server.substr(0, colon);
    const std::string p = server.substr(colon + 1);
    const auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
    if (ec != std::errc{} || end != p.data() + p.size() || port == 0 || port > 65535) {
      error = "the DNS server \"" + server + "\" has no valid port";
      return false;
    }
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) {
    error = "the DNS server \"" + server + "\" is not an IPv4 address[:port]";
    return false;
  }
  st->nscount = 1;
  st->nsaddr_list[0] = address;
  return true;
}

std::string h_error_text(int h) {
  switch (h) {
    case HOST_NOT_FOUND:
      return "no such name (NXDOMAIN)";
    case NO_DATA:
      return "no record of that type";
    case TRY_AGAIN:
      return "no answer from the DNS server (timeout or SERVFAIL)";
    case NO_RECOVERY:
      return "the DNS server refused the query";
    default:
      return "DNS failure " + std::to_string(h);
  }
}

}  // namespace

Answer query(const std::string& server, std::chrono::milliseconds timeout, const std::string& name, int type) {
  Answer out;
  struct __res_state st {};
  if (res_ninit(&st) != 0) {
    out.error = "cannot initialise the resolver";
    return out;
  }
  if (!server.empty() && !set_server(&st, server, out.error)) {
    res_nclose(&st);
    return out;
  }
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(timeout).count();
  st.retrans = static_cast<int>(std::max<long long>(1, seconds / 2));
  st.retry = 2;
  st.options &= ~static_cast<unsigned long>(RES_DNSRCH | RES_DEFNAMES);
  std::vector<unsigned char> answer(65536);
  const int n = res_nquery(&st, name.c_str(), ns_c_in, type, answer.data(), static_cast<int>(answer.size()));
  const int h = st.res_h_errno;
  res_nclose(&st);
  if (n < 0) {
    out.error = h_error_text(h);
    return out;
  }
  ns_msg msg{};
  if (ns_initparse(answer.data(), n, &msg) != 0) {
    out.error = "the DNS answer is malformed";
    return out;
  }
  const int count = ns_msg_count(msg, ns_s_an);
  for (int i = 0; i < count; ++i) {
    ns_rr rr{};
    if (ns_parserr(&msg, ns_s_an, i, &rr) != 0) {
      out.error = "the DNS answer is malformed";
      return out;
    }
    if (ns_rr_type(rr) != type) {
      continue;  // CNAMEs on the way
    }
    Record r;
    r.type = ns_rr_type(rr);
    r.ttl = ns_rr_ttl(rr);
    const unsigned char* rdata = ns_rr_rdata(rr);
    const std::size_t length = ns_rr_rdlen(rr);
    r.rdata.assign(rdata, rdata + length);
    std::array<char, NS_MAXDNAME> text{};
    if (type == ns_t_ptr) {
      if (ns_name_uncompress(ns_msg_base(msg), ns_msg_end(msg), rdata, text.data(), text.size()) < 0) {
        continue;
      }
      r.name = text.data();
    } else if (type == ns_t_srv) {
      if (length < 7 ||
          ns_name_uncompress(ns_msg_base(msg), ns_msg_end(msg), rdata + 6, text.data(), text.size()) < 0) {
        continue;
      }
      r.priority = ns_get16(rdata);
      r.weight = ns_get16(rdata + 2);
      r.port = ns_get16(rdata + 4);
      r.name = text.data();
    } else if (type == ns_t_a) {
      if (length != 4 || inet_ntop(AF_INET, rdata, text.data(), static_cast<socklen_t>(text.size())) == nullptr) {
        continue;
      }
      r.name = text.data();
    }
    out.records.push_back(std::move(r));
  }
  return out;
}

std::string instance_of(const std::string& target, const std::string& service_label) {
  const std::string marker = "." + service_label + ".";
  std::string t = target;
  if (t.empty() || t.back() != '.') {
    t.push_back('.');
  }
  const std::size_t at = t.find(marker);
  if (at == std::string::npos || at == 0) {
    return {};
  }
  std::string out;
  for (std::size_t i = 0; i < at; ++i) {
    if (t[i] == '\\' && i + 1 < at) {
      ++i;  // "\." and other escapes of presentation form: take the next character as it is
    }
    out.push_back(t[i]);
  }
  return out;
}

}  // namespace kimgate::rest::dns
